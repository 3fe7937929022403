"""Streamlit widgets generated from ``ui.controls.Control`` specs, plus small shared display helpers.

Every widget is keyed by its URL key and reads its current value from ``st.session_state`` (the page puts it
there via ``ui.urlstate``); no widget is given a separate default, so the pydantic models stay the only source
of defaults. ``persist_state="session"`` keeps a value while its widget is hidden (e.g. β₃ while a run is Adam).
"""
from __future__ import annotations

import html
from typing import Any, Callable, Iterable, Sequence

import streamlit as st


from .controls import Control
from .fields import grid_with
from .scene import Message, grid_values


def render(control: Control, key: str, *, label: str | None = None, help: str | None = None,
           on_change: Callable | None = None, args: Sequence[Any] = (), disabled: bool = False,
           options: Iterable | None = None, label_visibility: str = "visible") -> Any:
    """The Streamlit widget for ``control`` bound to ``st.session_state[key]``; returns its value."""
    ss = st.session_state
    value = ss.get(key)
    common = dict(key=key, help=help if help is not None else control.help, on_change=on_change, args=tuple(args),
                  disabled=disabled, label_visibility=label_visibility, persist_state="session")
    label = label or control.label
    if control.kind == "grid":
        opts = grid_with(options if options is not None else grid_values(control), value)
        return st.select_slider(label, options=opts, format_func=control.show, **common)
    if control.kind == "choice":
        opts = tuple(options if options is not None else control.grid)
        if value is not None and value not in opts:
            opts = opts + (value,)
        return st.selectbox(label, options=opts, format_func=control.show, **common)
    if control.kind == "bool":
        return st.toggle(label, **common)
    if control.kind == "text":
        return st.text_input(label, **common)
    b = control.bounds
    integer = control.kind == "int"
    cast = int if integer else float
    lo = cast(b.lo) if b.lo is not None and b.lo_inclusive else None
    hi = cast(b.hi) if b.hi is not None and b.hi_inclusive else None
    if control.slider and lo is not None and hi is not None:
        return st.slider(label, min_value=lo, max_value=hi, step=cast(control.step or (1 if integer else 0.01)),
                         **common)
    kwargs = {}
    if control.number_format:
        kwargs["format"] = control.number_format
    return st.number_input(label, min_value=lo, max_value=hi, step=cast(control.step or 1), **kwargs, **common)


def chart(fig, key: str, *, name: str | None = None, **kwargs):
    """``st.plotly_chart`` the app's way: our own template (``theme=None``: Streamlit's theme swaps the font after
    Plotly measured the legend, which clips legend text), the shared chart config (``ui.exports.chart_config_for``:
    PLOTLY_CONFIG plus a camera button that saves ``ademamix-lab-<name>.png|svg`` at 2×), full width."""
    from .exports import chart_config_for

    return st.plotly_chart(fig, key=key, theme=None, config=chart_config_for(name or key), **kwargs)


def color_dot(color: str, size: str = "0.95em") -> str:
    """An inline HTML dot in ``color`` (for st.markdown(..., unsafe_allow_html=True))."""
    return (f'<span style="display:inline-block;width:{size};height:{size};border-radius:50%;'
            f'background:{html.escape(color)};vertical-align:-0.1em;margin-right:0.35em;'
            f'box-shadow:0 0 0 1px rgba(0,0,0,0.15)"></span>')


def color_bar(color: str) -> str:
    """A thin bar in the run's colour (marks a run's settings block)."""
    return (f'<div style="height:4px;border-radius:2px;background:{html.escape(color)};'
            f'margin:-0.4rem 0 0.2rem 0"></div>')


def run_heading(color: str, text: str) -> str:
    """A coloured dot and escaped text (user-provided run names are escaped)."""
    return color_dot(color) + html.escape(text)


def status_line(color: str, label: str, text: str, icon: str = "") -> str:
    """HTML for one run's status: coloured dot, bold escaped name, escaped status text."""
    return f"{color_dot(color)}<b>{html.escape(label)}</b> {html.escape(icon)} {html.escape(text)}"


def show_messages(messages: Sequence[Message], title: str = "Some settings in the link could not be used",
                  limit: int = 12) -> None:
    """One warning box listing every message (specific, user-facing; values are already sanitised)."""
    if not messages:
        return
    lines = [f"- {m.text}" for m in messages[:limit]]
    if len(messages) > limit:
        lines.append(f"- … and {len(messages) - limit} more.")
    st.warning(f"**{title}** (the rest of the page uses them as given):\n" + "\n".join(lines), icon="⚠️")
