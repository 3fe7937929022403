"""Sweep figures: heatmaps of any two swept quantities, 1D sweep curves, and basin maps (a grid of start points)
for two optimizers side by side.

Cells are drawn on index coordinates (cell (ix, iy) is centred on (ix, iy)); tick labels show the swept values, so
log- and linearly spaced axes look the same and a click maps to a cell exactly. Diverged cells, and for "steps to
reach ε" the cells that never got there, are separate layers in colours outside the colour scale. An invisible
marker per cell sits on top: Streamlit's ``on_select`` does not fire for heatmaps, but it does for markers
(``selected_cell`` reads the clicked cell back).

Metrics (``METRICS``): final distance to the nearest minimum, steps to reach ε (first step within ε), final loss,
and the minimum a converged run ended in. No Streamlit here.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import pow10_labels
from .export import grid_table
from .style import DEFAULT_STYLE, Style, finish_layout, line_width

Metric = Literal["final_distance", "first_hit", "final_loss", "minimum"]

DIVERGED_COLOR = "#C0392B"
NEVER_COLOR = "#BDBDBD"
SELECTED_COLOR = "#FFFFFF"
COLORSCALE = "Viridis"
MINIMA_COLORS = ("#1B9E77", "#7570B3", "#E7298A", "#66A61E", "#D95F02", "#A6761D")


@dataclass(frozen=True)
class MetricInfo:
    label: str  # colour-bar / axis title
    short: str
    log: bool  # colour by log10
    unit: str = ""


METRICS: dict[str, MetricInfo] = {
    "final_distance": MetricInfo("final distance to the nearest minimum", "final distance", True),
    "first_hit": MetricInfo("steps to reach ε (first step within ε of a minimum)", "steps to ε", True, " steps"),
    "final_loss": MetricInfo("final loss f(θ_T)", "final loss", True),
    "minimum": MetricInfo("minimum reached (within ε at the end)", "minimum reached", False),
}

# Names of the swept quantities, written as in the sidebar (β₃, not β₃): axis titles, hover, the Sweeps page's
# quantity menus (ui.views) and cell labels all use these.
PARAM_LABELS = {
    "lr": "learning rate η", "beta1": "β₁", "beta2": "β₂", "beta3": "β₃", "alpha": "α",
    "t_alpha_beta3": "T_α,β₃", "eps": "ε", "weight_decay": "weight decay λ", "noise_sigma": "noise σ",
    "start_x": "start x", "start_y": "start y",
}
LOG_FLOOR = 1e-16  # log colour of an exact 0
_TOP_LEGEND = dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom")


def param_label(name: str) -> str:
    return PARAM_LABELS.get(name, name)


def format_value(v: float) -> str:
    """Short, exact-enough label for a swept value (0.9999 stays 0.9999; 0.00316 → 3.16e-3)."""
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        return f"{v:.3g}".replace("e-0", "e-").replace("e+0", "e")
    if abs(v - round(v)) < 1e-12:
        return f"{int(round(v)):,}"
    return f"{v:.6g}"


def _nice_step(raw: float) -> float:
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-9))


def axis_ticks(values: np.ndarray, log: bool, max_ticks: int = 7) -> tuple[list[float], list[str]]:
    """Round-valued ticks on an index axis: (fractional index positions, labels) for evenly (or log-evenly) spaced
    ``values``. Cell i is centred on index i, so a tick at value v sits at the fractional index of v."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 1:
        return [0.0], [format_value(values[0])]
    first, last = float(values[0]), float(values[-1])
    lo, hi = min(first, last), max(first, last)
    if lo == hi:
        return [0.0], [format_value(first)]
    if log:
        e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        for mantissas in ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)):
            ticks = [m * 10.0**e for e in range(e0, e1 + 1) for m in mantissas if lo * (1 - 1e-9) <= m * 10.0**e
                     <= hi * (1 + 1e-9)]
            if len(ticks) >= 3:
                break
        if len(ticks) > max_ticks:  # many decades: every k-th decade
            every = math.ceil(len(ticks) / max_ticks)
            ticks = ticks[::every]
        span = math.log(last) - math.log(first)
        pos = [(math.log(v) - math.log(first)) / span * (n - 1) for v in ticks]
    else:
        step = _nice_step((hi - lo) / max(max_ticks - 1, 1))
        start = math.ceil(lo / step - 1e-9) * step
        ticks = [round(v / step) * step for v in np.arange(start, hi + step * 1e-6, step)]
        pos = [(v - first) / (last - first) * (n - 1) for v in ticks]
    return pos, [format_value(float(f"{v:.10g}")) for v in ticks]


# ---------------------------------------------------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------------------------------------------------

def metric_grid(result: Any, metric: Metric) -> np.ndarray:
    """The (ny, nx) grid of ``metric``: float, NaN where it does not apply (diverged; never reached ε; no minimum).

    ``first_hit`` −1 (never) becomes NaN here; ``minimum`` is the index of the minimum a cell ended within ε of.
    """
    diverged = np.asarray(result.diverged)
    if metric == "first_hit":
        grid = np.asarray(result.first_hit, dtype=np.float64)
        grid = np.where(grid < 0, np.nan, grid)
    elif metric == "minimum":
        near = np.asarray(result.final_distance) <= result.config.tolerance
        grid = np.where(near, np.asarray(result.nearest_minimum, dtype=np.float64), np.nan)
    else:
        grid = np.asarray(getattr(result, metric), dtype=np.float64).copy()
    grid[diverged] = np.nan
    return grid


def _color_values(grid: np.ndarray, info: MetricInfo) -> np.ndarray:
    if not info.log:
        return grid
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.maximum(grid, LOG_FLOOR))


def _log_colorbar(z: np.ndarray, title: str, style: Style, unit: str = "") -> dict:
    """Colour bar of a log10-coloured heatmap labelled in real units (1-2-5 ticks over short ranges), every tick in
    the same format (``common.pow10_labels``: all plain, or all powers of ten)."""
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    decades = range(math.floor(lo), math.ceil(hi) + 1)
    mantissas = (1.0,) if hi - lo > 3 else ((1.0, 2.0, 5.0) if hi - lo > 0.7 else (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9))
    vals = [e + math.log10(m) for e in decades for m in mantissas]
    vals = [v for v in vals if lo - 1e-9 <= v <= hi + 1e-9] or [lo, hi]
    if len(vals) > 8:
        vals = vals[:: math.ceil(len(vals) / 8)]
    return dict(title=dict(text=title, side="right"), tickvals=vals, ticktext=[t + unit for t in pow10_labels(vals)],
                len=0.9, thickness=style.px(14))


def _cell_hover(result: Any, panel: int = 0) -> tuple[np.ndarray, str]:
    """customdata (ny, nx, 9) = (ix, iy, x value, y value, final distance, steps to ε, final loss, diverged at,
    panel) and a hover template with the swept values and every metric of the cell."""
    cfg = result.config
    x_values = np.asarray(result.x_values)
    y_values = np.asarray(result.y_values) if result.y_values is not None else np.zeros(1)
    ny, nx = np.asarray(result.final_loss).shape
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    cols = [ix, iy, x_values[ix], y_values[iy], np.asarray(result.final_distance), np.asarray(result.first_hit),
            np.asarray(result.final_loss), np.asarray(result.diverged_at), np.full((ny, nx), panel)]
    custom = np.stack([np.asarray(c, dtype=np.float64) for c in cols], axis=-1)
    lines = [f"{param_label(cfg.x.param)} = %{{customdata[2]:.6g}}"]
    if cfg.y is not None:
        lines.append(f"{param_label(cfg.y.param)} = %{{customdata[3]:.6g}}")
    lines += ["final distance = %{customdata[4]:.3e}", "steps to ε = %{customdata[5]:,.0f} (−1: never)",
              "final loss = %{customdata[6]:.3e}", "diverged at step %{customdata[7]:,.0f} (−1: no)",
              "<i>click to open on Trajectories</i>"]
    return custom, "<br>".join(lines) + "<extra></extra>"


def _heatmap_traces(result: Any, metric: Metric, *, style: Style, colorbar: bool, coloraxis: str | None,
                    selected: tuple[int, int] | None, selectable: bool, name: str = "",
                    minima_names: Sequence[str] = (), panel: int = 0) -> list[Any]:
    info = METRICS[metric]
    grid = metric_grid(result, metric)
    ny, nx = grid.shape
    diverged = np.asarray(result.diverged)
    traces: list[Any] = []
    if metric == "minimum":
        n_min = max(1, len(minima_names))
        scale = []
        for i in range(n_min):
            c = MINIMA_COLORS[i % len(MINIMA_COLORS)]
            scale += [[i / n_min, c], [(i + 1) / n_min, c]]
        traces.append(go.Heatmap(
            z=grid, x0=0, dx=1, y0=0, dy=1, zmin=-0.5, zmax=n_min - 0.5, colorscale=scale, showscale=False,
            hoverinfo="skip", name=name or "minimum", showlegend=False))
        for i, label in enumerate(minima_names):
            traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=f"ended at {label}",
                                     meta=dict(role="legend", layer="minimum", label=label),
                                     marker=dict(symbol="square", size=12, color=MINIMA_COLORS[i % 6])))
    else:
        z = _color_values(grid, info)
        heat = dict(z=z, x0=0, dx=1, y0=0, dy=1, colorscale=COLORSCALE, hoverinfo="skip", name=name or info.short,
                    showlegend=False)
        if coloraxis:
            heat["coloraxis"] = coloraxis
        else:
            heat["colorbar"] = _log_colorbar(z, info.short, style, info.unit) if info.log else dict(title=info.short)
            heat["showscale"] = colorbar
        traces.append(go.Heatmap(**heat))
    # Cells outside the colour scale: never reached ε (grey), diverged (red).
    never = ~diverged & np.isnan(grid)
    layers = [("diverged", diverged, DIVERGED_COLOR)]
    if metric in ("first_hit", "minimum"):
        layers.insert(0, ("never reached ε" if metric == "first_hit" else "not within ε at the end", never,
                          NEVER_COLOR))
    for label, mask, color in layers:
        traces.append(go.Heatmap(
            z=np.where(mask, 1.0, np.nan), x0=0, dx=1, y0=0, dy=1, colorscale=[[0, color], [1, color]],
            showscale=False, hoverinfo="skip", name=label, showlegend=False, zmin=0, zmax=1))
        traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=f"{label} ({int(mask.sum()):,})",
                                 meta=dict(role="legend", layer="diverged" if label == "diverged" else "never",
                                           label=label),
                                 marker=dict(symbol="square", size=12, color=color,
                                             line=dict(color="#888", width=1))))
    if selectable:
        custom, hover = _cell_hover(result, panel)
        iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        size = max(3.0, min(24.0, 560.0 / max(nx, ny)))
        traces.append(go.Scattergl(
            x=ix.ravel(), y=iy.ravel(), customdata=custom.reshape(-1, custom.shape[-1]), mode="markers",
            marker=dict(symbol="square", size=size, color="rgba(0,0,0,0)", opacity=0.0),
            hovertemplate=hover, name="cells", showlegend=False,
            meta=dict(role="cells", nx=int(nx), ny=int(ny)),
            selected=dict(marker=dict(opacity=0.0)), unselected=dict(marker=dict(opacity=0.0))))
    if selected is not None:
        sx, sy = selected
        if 0 <= sx < nx and 0 <= sy < ny:
            traces.append(go.Scatter(
                x=[sx], y=[sy], mode="markers", name="selected cell", showlegend=False, hoverinfo="skip",
                marker=dict(symbol="square-open", size=max(10.0, min(28.0, 600.0 / max(nx, ny)) + 4),
                            color=SELECTED_COLOR, line=dict(width=3))))
    return traces


def _index_axes(fig: go.Figure, result: Any, *, row: int | None = None, col: int | None = None,
                y_title: bool = True) -> None:
    cfg = result.config
    nx = len(result.x_values)
    tx, tt = axis_ticks(np.asarray(result.x_values), cfg.x.log)
    kw = dict(row=row, col=col) if row is not None else {}
    fig.update_xaxes(tickvals=tx, ticktext=tt, range=[-0.5, nx - 0.5], showgrid=False, zeroline=False,
                     title_text=param_label(cfg.x.param) + (" (log)" if cfg.x.log else ""), **kw)
    if result.y_values is not None:
        ny = len(result.y_values)
        ty, tl = axis_ticks(np.asarray(result.y_values), cfg.y.log)
        fig.update_yaxes(tickvals=ty, ticktext=tl, range=[-0.5, ny - 0.5], showgrid=False, zeroline=False,
                         title_text=(param_label(cfg.y.param) + (" (log)" if cfg.y.log else "")) if y_title else None,
                         **kw)


def count_text(n: int) -> str:
    """A large count in words: 18,000 · 5.1 million · 164 million · 1.6 billion."""
    for unit, word in ((1e9, "billion"), (1e6, "million")):
        if n >= unit:
            v = n / unit
            text = f"{v:.1f}" if v < 10 else f"{v:,.0f}"
            return f"{text.removesuffix('.0')} {word}"
    return f"{int(n):,}"


def cost_text(result: Any) -> str:
    """“128 × 128 = 16,384 runs × 10,000 steps = 164 million optimizer steps in 3.2 s”."""
    ny, nx = np.asarray(result.final_loss).shape
    cells = nx * ny
    shape = f"{nx} × {ny} = {cells:,} runs" if result.y_values is not None else f"{cells:,} runs"
    steps = result.config.base.steps
    rate = result.cost / max(result.elapsed, 1e-9)
    rate_text = f"{rate / 1e6:,.0f} M" if rate >= 1e7 else (f"{rate / 1e6:.1f} M" if rate >= 1e6 else f"{rate / 1e3:,.0f} k")
    return (f"{shape} × {steps:,} steps = {count_text(result.cost)} optimizer steps in {result.elapsed:.2f} s "
            f"({rate_text} steps/s)")


def sweep_heatmap_figure(result: Any, metric: Metric = "final_distance", *, selected: tuple[int, int] | None = None,
                         selectable: bool = True, title: str | None = None, style: Style | None = None,
                         minima_names: Sequence[str] = ()) -> go.Figure:
    """Heatmap of ``metric`` over a 2D sweep (x × y), diverged cells in red, never-converged in grey.

    ``selected`` outlines cell (ix, iy). With ``selectable``, an invisible marker per cell makes cells clickable.
    """
    style = style or DEFAULT_STYLE
    if result.y_values is None:
        return sweep_line_figure(result, metric, selected=selected[0] if selected else None, title=title, style=style)
    fig = go.Figure()
    for trace in _heatmap_traces(result, metric, style=style, colorbar=True, coloraxis=None, selected=selected,
                                 selectable=selectable, minima_names=minima_names):
        fig.add_trace(trace)
    _index_axes(fig, result)
    base = result.config.base
    title = title or f"{METRICS[metric].short} — {base.optimizer.name} on {base.objective.name}"
    finish_layout(fig, style, title=title, height=620)
    fig.update_layout(clickmode="event+select", dragmode="zoom", hovermode="closest", plot_bgcolor="#ffffff",
                      legend=_TOP_LEGEND)
    return fig


def sweep_line_figure(result: Any, metric: Metric = "final_distance", *, selected: int | None = None,
                      title: str | None = None, style: Style | None = None) -> go.Figure:
    """A 1D sweep: the metric against the swept value (markers clickable), diverged points marked in red."""
    style = style or DEFAULT_STYLE
    info = METRICS[metric if metric != "minimum" else "final_distance"]
    grid = metric_grid(result, metric if metric != "minimum" else "final_distance")[0]
    x = np.asarray(result.x_values)
    custom, hover = _cell_hover(result)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=grid, mode="lines+markers", name=info.short, customdata=custom[0],
                             hovertemplate=hover, meta=dict(role="cells", nx=len(x), ny=1),
                             line=dict(color="#0072B2", width=line_width(style))))
    diverged = np.asarray(result.diverged)[0]
    if diverged.any():
        fig.add_trace(go.Scatter(x=x[diverged], y=np.full(diverged.sum(), np.nanmax(grid) if np.isfinite(grid).any()
                                                              else 1.0),
                                 mode="markers", name=f"diverged ({int(diverged.sum())})", hoverinfo="skip",
                                 marker=dict(symbol="x", size=10, color=DIVERGED_COLOR)))
    if selected is not None and 0 <= selected < len(x):
        fig.add_trace(go.Scatter(x=[x[selected]], y=[grid[selected]], mode="markers", name="selected",
                                 hoverinfo="skip", marker=dict(symbol="circle-open", size=16, color="#222",
                                                               line=dict(width=3))))
    cfg = result.config
    fig.update_xaxes(type="log" if cfg.x.log else "linear", title_text=param_label(cfg.x.param))
    fig.update_yaxes(type="log" if info.log else "linear", title_text=info.label, exponentformat="power")
    base = cfg.base
    finish_layout(fig, style, title=title or f"{info.short} — {base.optimizer.name} on {base.objective.name}",
                  height=480)
    fig.update_layout(clickmode="event+select", hovermode="closest")
    return fig


def basin_figure(results: Sequence[Any], labels: Sequence[str], metric: Metric = "first_hit", *,
                 selected: tuple[int, int, int] | None = None, minima: Sequence[tuple[float, float]] = (),
                 minima_names: Sequence[str] = (), style: Style | None = None,
                 colors: Sequence[str] | None = None) -> go.Figure:
    """Basin maps: two (or more) start_x × start_y sweeps side by side, one per optimizer, on a shared colour scale.

    Colour: ``metric`` (default: steps to reach ε — which starts converge, and how fast); grey never, red diverged.
    Minima are marked with stars. ``selected`` = (panel, ix, iy).
    """
    style = style or DEFAULT_STYLE
    n = len(results)
    fig = make_subplots(rows=1, cols=n, horizontal_spacing=0.06, shared_yaxes=True,
                        subplot_titles=[f"<span style='color:{colors[i]}'>■</span> {lab}" if colors else lab
                                        for i, lab in enumerate(labels)])
    info = METRICS[metric]
    grids = [_color_values(metric_grid(r, metric), info) for r in results]
    finite = np.concatenate([g[np.isfinite(g)] for g in grids]) if grids else np.array([])
    for col, result in enumerate(results, start=1):
        sel = (selected[1], selected[2]) if selected is not None and selected[0] == col - 1 else None
        traces = _heatmap_traces(result, metric, style=style, colorbar=False,
                                 coloraxis="coloraxis" if metric != "minimum" else None, selected=sel,
                                 selectable=True, minima_names=minima_names, panel=col - 1)
        for trace in traces:
            if isinstance(trace, go.Scatter) and trace.x == (None,) and col > 1:
                continue  # legend-only entries once (their counts are set for all panels below)
            if isinstance(trace.meta, dict) and trace.meta.get("role") == "cells":
                trace.meta = {**trace.meta, "panel": col - 1}
            fig.add_trace(trace, row=1, col=col)
        _index_axes(fig, result, row=1, col=col, y_title=col == 1)
        xv, yv = np.asarray(result.x_values), np.asarray(result.y_values)
        for i, (mx, my) in enumerate(minima):
            ix, iy = _fractional_index(xv, mx), _fractional_index(yv, my)
            if ix is None or iy is None:
                continue
            fig.add_trace(go.Scatter(
                x=[ix], y=[iy], mode="markers", showlegend=False, hoverinfo="skip", name="minimum",
                marker=dict(symbol="star", size=style.px(16), color="#FFFFFF",
                            line=dict(color="#000", width=1.5))), row=1, col=col)
    # Legend counts per panel ("diverged (12 / 0)").
    for trace in fig.data:
        meta = trace.meta if isinstance(trace.meta, dict) else {}
        if meta.get("role") != "legend" or meta.get("layer") == "minimum":
            continue
        counts = []
        for r in results:
            div = np.asarray(r.diverged)
            counts.append(int(div.sum()) if meta["layer"] == "diverged"
                          else int((~div & np.isnan(metric_grid(r, metric))).sum()))
        trace.name = f"{meta['label']} ({' / '.join(f'{c:,}' for c in counts)})"
    if metric != "minimum":
        cb = _log_colorbar(finite, info.short, style, info.unit) if info.log else dict(title=info.short)
        fig.update_layout(coloraxis=dict(colorscale=COLORSCALE, colorbar=cb,
                                         cmin=float(finite.min()) if finite.size else None,
                                         cmax=float(finite.max()) if finite.size else None))
    r0 = results[0]
    finish_layout(fig, style, title=f"Basins of attraction — {info.short} from each start "
                                    f"({r0.config.base.steps:,} steps, ε = {r0.config.tolerance:g})", height=560)
    fig.update_layout(clickmode="event+select", hovermode="closest", plot_bgcolor="#ffffff",
                      legend=dict(y=-0.16))
    return fig


def _fractional_index(values: np.ndarray, v: float) -> float | None:
    """Where value v sits on an index axis of evenly spaced ``values`` (None if outside)."""
    if len(values) < 2:
        return 0.0 if len(values) == 1 and values[0] == v else None
    lo, hi = float(values[0]), float(values[-1])
    if not (min(lo, hi) <= v <= max(lo, hi)):
        return None
    return (v - lo) / (hi - lo) * (len(values) - 1)


# ---------------------------------------------------------------------------------------------------------------------
# Selection and export
# ---------------------------------------------------------------------------------------------------------------------

def selected_cell(selection: Mapping[str, Any] | None) -> tuple[int, int, int] | None:
    """(panel, ix, iy) of the first selected cell marker in a Streamlit plotly selection state, or None.

    Works with both ``{"selection": {"points": [...]}}`` (the chart's event state) and ``{"points": [...]}``;
    a cell marker's ``customdata`` is (ix, iy, …, panel) (see ``_cell_hover``); points of other traces (no
    customdata) are ignored.
    """
    if not selection:
        return None
    points = (selection.get("selection") or selection).get("points") or []
    for point in points:
        custom = _as_list(point.get("customdata"))
        if custom is None or len(custom) < 2:
            continue
        try:
            ix, iy = int(round(float(custom[0]))), int(round(float(custom[1])))
        except (TypeError, ValueError):
            continue
        panel = int(round(float(custom[8]))) if len(custom) > 8 else 0
        return panel, ix, iy
    return None


def _as_list(custom: Any) -> list | None:
    """A point's customdata as a list: plotly.js may deliver a row of a typed array as {"0": v0, "1": v1, …}."""
    if custom is None:
        return None
    if isinstance(custom, Mapping):
        try:
            return [custom[k] for k in sorted(custom, key=lambda k: int(k))]
        except (TypeError, ValueError):
            return None
    if isinstance(custom, (list, tuple, np.ndarray)):
        return list(custom)
    return None


def sweep_export_table(result: Any) -> dict[str, np.ndarray]:
    """All metrics of a sweep in long form: ix, iy, the swept values, final_loss, final_distance, first_hit,
    diverged, diverged_at, nearest_minimum, final_x, final_y."""
    cfg = result.config
    fp = np.asarray(result.final_point)
    metrics = {
        "final_loss": result.final_loss, "final_distance": result.final_distance, "first_hit": result.first_hit,
        "diverged": result.diverged, "diverged_at": result.diverged_at, "nearest_minimum": result.nearest_minimum,
        "final_x": fp[..., 0], "final_y": fp[..., 1],
    }
    return grid_table(cfg.x.param, result.x_values, cfg.y.param if cfg.y is not None else None, result.y_values,
                      metrics)
