"""Plumbing shared by the EMA-kernel, Schedules and Sweeps pages: URL ⇄ state (the shared scene plus the page's
view), page presets, the compact run editor, config restore, and the page heading.

A page script does::

    ctx = pagekit.start("kernels")            # flags, URL decode, scene and view from session state
    ...widgets: pagekit.view_control(ctx, "kt"), pagekit.run_editor(ctx, fields=...) ...
    ...figures...
    pagekit.finish(ctx)                       # writes the URL
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import streamlit as st
from pydantic import BaseModel, ValidationError

from figures.common import run_color

from . import runs as ur
from . import scene as sc
from . import urlstate
from .flags import Flags, read_flags
from .legacy import require_app_navigation
from .views import CODECS, PAGE_MODELS, PagePreset, load_page_presets, split_query
from .widgets import color_bar, render, show_messages

ACTIVE_VIEW_PRESET = "_active_view_preset:{page}"


@dataclass
class PageContext:
    page: str
    flags: Flags
    scene: sc.Scene
    view: Any
    messages: list = field(default_factory=list)
    problem: str | None = None

    @property
    def codec(self):
        return CODECS[self.page]

    @property
    def style(self):
        return self.flags.style

    @property
    def labels(self) -> list[str]:
        return [sc.run_label(r, k, self.scene.runs) for k, r in enumerate(self.scene.runs, 1)]

    @property
    def slots(self) -> list[int]:
        return [r.color for r in self.scene.runs]

    def encoded(self) -> dict[str, str]:
        return sc.encode(self.scene) | self.codec.encode(self.view)

    def config(self) -> BaseModel:
        return PAGE_MODELS[self.page](scene=self.scene, view=self.view)


def _managed(page: str) -> list[str]:
    return sc.managed_keys() + sorted(CODECS[page].keys)


def _decoder(page: str):
    codec = CODECS[page]

    def decode(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list]:
        ss = st.session_state
        scene_q, view_q = split_query(page, query)
        messages: list = []
        base_view = None
        preset_scene = None
        ss.pop(ACTIVE_VIEW_PRESET.format(page=page), None)
        raw = (scene_q.get("preset") or [""])[-1].strip() if "preset" in scene_q else None
        presets = load_page_presets(page)
        if raw is not None and raw in presets:  # a preset of this page (scene presets go to ui.runs)
            preset = presets[raw]
            scene_q = {k: v for k, v in scene_q.items() if k != "preset"}
            base_view = preset.view_model
            preset_scene = preset.scene
            ss[ACTIVE_VIEW_PRESET.format(page=page)] = preset.id
        if preset_scene is not None:
            scene, more = sc.decode(scene_q, preset_scene)
            state = sc.scene_to_state(scene)
        elif not scene_q and "runs" in ss:
            # Arriving from another page (Streamlit dropped the URL's parameters): keep the session's scene.
            state, more = ur.session_state_dict(), []
        else:
            state, more = ur.decode_query(scene_q)
        messages += more
        view, more = codec.decode(view_q, base_view)
        messages += more
        return dict(state) | codec.to_state(view), messages

    return decode


def start(page: str) -> PageContext:
    """Decode the URL (when needed), make sure every key has a value, and read the scene and the view."""
    require_app_navigation()
    flags = read_flags()
    codec = CODECS[page]
    urlstate.sync_from_url(page, _decoder(page), _managed(page))
    urlstate.ensure_state(sc.scene_to_state(sc.Scene()) | {"runs": st.session_state.get("runs", 2)})
    urlstate.ensure_state(codec.to_state(codec.model()))
    scene, problem, messages = ur.scene_from_session()
    view, more = read_view(page)
    return PageContext(page, flags, scene, view, messages + more, problem)


def read_view(page: str) -> tuple[Any, list]:
    """The page's view from session state; an inconsistent state goes through the tolerant decoder."""
    codec = CODECS[page]
    ss = st.session_state
    state = {k: ss[k] for k in codec.keys if k in ss}
    try:
        return codec.from_state(state), []
    except (ValidationError, ValueError, TypeError):
        query = {c.name: [c.to_url(state[c.name])] for c in codec.controls if c.name in state}
        return codec.decode(query)


def refresh(ctx: PageContext) -> PageContext:
    """Re-read scene and view after widgets changed them in this run (widgets write session state)."""
    scene, problem, messages = ur.scene_from_session()
    view, more = read_view(ctx.page)
    ctx.scene, ctx.view, ctx.problem = scene, view, problem
    ctx.messages = ctx.messages + messages + more
    return ctx


def view_control(ctx: PageContext, name: str, *, labels: Mapping[Any, str] | None = None, **kwargs: Any) -> Any:
    """Render one view control (unless hidden with ``?hide=``); returns its value. ``labels`` overrides the
    display names of a choice (e.g. run numbers shown with the runs' names)."""
    control = next(c for c in ctx.codec.controls if c.name == name)
    if labels is not None:
        control = dataclasses.replace(control, labels=dict(labels))
    if ctx.flags.shows_control(control, name):
        return render(control, name, **kwargs)
    return st.session_state.get(name)


def scene_control(ctx: PageContext, name: str, **kwargs: Any) -> Any:
    """Render one of the shared scene's controls (same key and callbacks as on the Trajectories page)."""
    control = sc.GLOBAL_CONTROL[name]
    if name == "steps":
        kwargs.setdefault("on_change", ur.on_steps_change)
    if ctx.flags.shows_control(control, name):
        return render(control, name, **kwargs)
    return st.session_state.get(name)


def run_editor(ctx: PageContext, fields: Iterable[str], *, title: str = "Runs", expanded: int = 2) -> None:
    """A compact editor of the shared runs (same widgets and keys as the Trajectories page, so edits show on
    every page): for each run, the controls in ``fields`` that its optimizer uses."""
    if not ctx.flags.shows("runs"):
        return
    wanted = list(fields)
    st.subheader(title)
    scene = ctx.scene
    for k, run in enumerate(scene.runs, 1):
        label = sc.run_label(run, k, scene.runs)
        with st.expander(f"Run {k} · {label}", expanded=k <= expanded and len(scene.runs) <= 3):
            st.html(color_bar(run_color(run.color)))
            for c in sc.RUN_CONTROLS:
                if c.name in wanted and sc.control_used(c, run.optimizer.name):
                    if ctx.flags.shows_control(c, sc.run_key(k, c.name)):
                        render(c, sc.run_key(k, c.name))
    st.caption("Runs are shared with the other pages (add or remove them on Trajectories).")


def presets_block(ctx: PageContext) -> dict[str, PagePreset]:
    """Buttons for this page's presets (a preset also has a link: ``?preset=<id>``)."""
    presets = load_page_presets(ctx.page)
    if presets and ctx.flags.shows("presets"):
        st.subheader("Presets")
        for p in presets.values():
            st.button(p.title, key=f"vpreset_{ctx.page}_{p.id}", on_click=apply_preset, args=(ctx.page, p.id),
                      help=f"{p.summary}\n\nLink: ?preset={p.id}", width="stretch")
    return presets


def apply_preset(page: str, preset_id: str) -> None:
    preset = load_page_presets(page).get(preset_id)
    if preset is None:
        return
    if preset.scene is not None:
        ur.write_scene(preset.scene)
        st.session_state.pop(ur.ACTIVE_PRESET, None)
    write_view(page, preset.view_model)
    st.session_state[ACTIVE_VIEW_PRESET.format(page=page)] = preset.id


def write_view(page: str, view: Any) -> None:
    for key, value in CODECS[page].to_state(view).items():
        st.session_state[key] = value


def restore(page: str):
    """The config-upload restore function of ``page``: scene and view from an uploaded ``PageConfig``."""
    def apply(config: Any) -> None:
        ur.write_scene(config.scene)
        st.session_state.pop(ur.ACTIVE_PRESET, None)
        st.session_state.pop(ACTIVE_VIEW_PRESET.format(page=page), None)
        write_view(page, config.view)
    return apply


def preset_note(ctx: PageContext) -> None:
    """The active preset's description (what is the paper's, what is ours), while the view still matches it."""
    active = st.session_state.get(ACTIVE_VIEW_PRESET.format(page=ctx.page))
    preset = load_page_presets(ctx.page).get(active) if active else None
    if preset is None:
        return
    if ctx.codec.encode(ctx.view) != ctx.codec.encode(preset.view_model) or (
            preset.scene is not None and sc.encode(preset.scene) != sc.encode(ctx.scene)):
        st.caption(f"Modified from the preset “{preset.title}”.")
        return
    with st.expander(f"Preset: {preset.title} — {preset.reference}", expanded=not ctx.flags.lecture,
                     icon=":material/info:"):
        st.markdown(preset.summary)
        st.markdown("**From the paper:** " + ("; ".join(preset.source.paper) or "nothing (our scene)"))
        st.markdown("**Our choices:** " + ("; ".join(preset.source.ours) or "none"))


def heading(ctx: PageContext, title: str, caption: str | None = None) -> None:
    st.title(title, anchor=False)
    if caption and not ctx.flags.lecture:
        st.caption(caption)
    show_messages(urlstate.url_messages(ctx.page, ctx.encoded()) + ctx.messages)
    if ctx.problem:
        st.warning(f"{ctx.problem}. Using the last surface that worked.", icon="⚠️")
    preset_note(ctx)


def finish(ctx: PageContext) -> None:
    urlstate.sync_to_url(ctx.page, ctx.encoded())
