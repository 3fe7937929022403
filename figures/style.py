"""Layout helpers of the kernel, schedule and sweep figures, on top of ``figures.common`` (the app-wide palette,
fonts and ``Style``): a run has the same colour on every page, and lecture mode (``Style.lecture()``) scales
fonts and lines the same way everywhere.
"""
from __future__ import annotations

import plotly.graph_objects as go

from .common import DEFAULT_STYLE, INK, MUTED, Style, base_layout, run_color

__all__ = ["COMPONENT_DASH", "DEFAULT_STYLE", "INK", "MUTED", "SCHEDULER_DASH", "Style", "finish_layout",
           "font_size", "is_lecture", "line_width", "run_color"]

SCHEDULER_DASH = {"half_life": "solid", "linear": "dot"}
COMPONENT_DASH = {"total": "solid", "fast": "dash", "slow": "dot"}


def is_lecture(style: Style) -> bool:
    return style.scale > 1.0


def font_size(style: Style) -> float:
    return style.font


def line_width(style: Style) -> float:
    return style.line_width * style.scale


def finish_layout(fig: go.Figure, style: Style, *, title: str | None = None, height: int = 520,
                  legend_below: bool = True) -> go.Figure:
    """The app's layout (``common.base_layout``: template, fonts, hover) with a title, a height scaled for lectures,
    margins for axis titles, and by default the legend below the plot (these figures have long legend entries)."""
    layout = base_layout(style, height=int(height * (1.15 if is_lecture(style) else 1.0)), title=title)
    layout["margin"] = {"l": 60, "r": 20, "t": 64 if title else 24, "b": 40}
    if legend_below:
        layout["legend"] = {**layout["legend"], "yanchor": "top", "y": -0.14, "traceorder": "normal"}
    layout.pop("uirevision", None)  # set by the page when it wants zoom kept across reruns
    fig.update_layout(**layout)
    fig.update_annotations(font_size=style.font * 0.95)
    return fig
