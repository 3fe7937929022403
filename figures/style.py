"""Shared look of the kernel, schedule and sweep figures: run colours, line widths, lecture scaling, layout.

Run colours come from the run slot (slot 0 = first run on the Trajectories page), so a run has the same colour on
every page. Lecture mode (``FigureStyle(lecture=True)``) enlarges fonts and lines for projection.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

# Okabe–Ito (colour-blind safe), black moved last; the same order as the run slots.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
SCHEDULER_DASH = {"half_life": "solid", "linear": "dot"}
COMPONENT_DASH = {"total": "solid", "fast": "dash", "slow": "dot"}


def run_color(slot: int) -> str:
    """The colour of run slot ``slot`` (cycles after 8)."""
    return PALETTE[int(slot) % len(PALETTE)]


@dataclass(frozen=True)
class FigureStyle:
    lecture: bool = False

    @property
    def font_size(self) -> int:
        return 20 if self.lecture else 13

    @property
    def title_size(self) -> int:
        return 24 if self.lecture else 16


def line_width(style: FigureStyle) -> float:
    return 4.0 if style.lecture else 2.0


def finish_layout(fig: go.Figure, style: FigureStyle, *, title: str | None = None, height: int = 520) -> go.Figure:
    """Common layout: white template, title, legend below the plot, fonts and height scaled for lectures."""
    fig.update_layout(
        template="plotly_white",
        title=dict(text=title, font=dict(size=style.title_size), x=0.01, xanchor="left") if title else None,
        font=dict(size=style.font_size),
        height=int(height * (1.25 if style.lecture else 1.0)),
        margin=dict(l=60, r=20, t=70 if title else 30, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0.0, traceorder="normal"),
        hoverlabel=dict(font_size=style.font_size),
    )
    fig.update_annotations(font_size=style.font_size) if style.lecture else None
    return fig
