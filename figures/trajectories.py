"""Figures of the Trajectories page: the contour map with paths and step arrows, distance/loss curves, internals.

Pure builders: ``Trajectory`` results (from ``dynamics.simulate``) in, ``plotly.graph_objects.Figure`` out.
Display data are decimated (``figures.common.decimate_path`` / ``decimate_series``); the exact arrays stay in the
``Trajectory`` for export. Every marker that stands for a step (start, end, current step, divergence) is placed
from the exact data, never from the decimated path.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dynamics.objectives import Objective
from dynamics.simulate import Trajectory

from .common import (
    DEFAULT_STYLE, INK, MINIMUM_COLOR, MUTED, LogScale, Style, SurfaceGrid, axis_style, base_layout,
    contour_trace, decimate_path, decimate_series, f32, fmt, log_scale_for, pow10_labels, stacked_width, subplot_grid,
)

ARROW_FRACTION = 0.16  # the longest arrow of a family spans this fraction of the view (normalised units)
CLICK_GRID = 45  # invisible click targets per axis on the map
PATH_POINTS = 3000  # display budget per trajectory on the map
PATH_TOLERANCE = 4e-4  # RDP tolerance as a fraction of the view (~0.25 px on a 600 px map)
SERIES_BINS = 500  # log-spaced bins of the min/max envelope of time series

# Arrow styles: dark neutrals told apart by dash pattern and a text label at the tip, so they never compete with
# the run colours and stay readable in grey-scale.
ARROWS = (
    # key, label, colour, dash, width
    ("grad", "−g", "#7b8794", "dot", 2.2),
    ("fast", "−m̂₁", "#323f4b", "solid", 2.2),
    ("slow", "−α·m₂", "#323f4b", "dash", 3.0),
    ("update", "Δθ", None, "solid", 3.6),  # None: the run's colour
)


@dataclass(frozen=True, eq=False)
class RunView:
    """One run as drawn: its trajectory, its display name and its colour."""

    traj: Trajectory
    label: str
    color: str
    number: int = 1  # 1-based position in the page's run list (legend order, "run 2")

    @property
    def group(self) -> str:
        return f"run{self.number}"


# ------------------------------------------------------------------------------------------------ status


@dataclass(frozen=True)
class RunStatus:
    kind: str  # "converged" | "diverged" | "far" | "unknown"
    step: int | None
    distance: float | None
    text: str


def run_status(traj: Trajectory, tolerance: float = 1e-3) -> RunStatus:
    """A one-line verdict: converged to within ``tolerance`` of a minimum at step k / diverged at step k / still far."""
    if traj.diverged_at is not None:
        return RunStatus("diverged", traj.diverged_at, None,
                         f"diverged at step {traj.diverged_at:,}: {traj.divergence_reason}")
    d = traj.distance
    if not np.isfinite(d).any():
        last = traj.final_params
        return RunStatus("unknown", None, None,
                         f"no known minimum; final point ({fmt(last[0])}, {fmt(last[1])}), "
                         f"f = {fmt(traj.loss[traj.last_finite_step])}")
    hit = np.flatnonzero(d <= tolerance)
    final = float(d[traj.last_finite_step])
    if hit.size:
        k = int(hit[0])
        if final <= tolerance:
            return RunStatus("converged", k, final, f"within {fmt(tolerance)} of a minimum from step {k:,}")
        return RunStatus("far", k, final, f"came within {fmt(tolerance)} of a minimum at step {k:,}, "
                                          f"then left: final distance {fmt(final)}")
    return RunStatus("far", None, final, f"final distance to the nearest minimum {fmt(final)}")


# ------------------------------------------------------------------------------------------------ map


def map_view(objective: Objective, trajs: Sequence[Trajectory], max_zoom_out: float = 3.0
             ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The map's (x_range, y_range): the objective's box, grown to show where the runs went.

    Runs that diverged do not grow the view (their ✕ is drawn at its edge), and growth is capped at
    ``max_zoom_out`` times the box in each direction, so a run flying away cannot shrink the interesting region to
    a dot; the ends are rounded to "nice" numbers so nearby views share a cached grid.
    """
    (x0, x1), (y0, y1) = objective.x_range, objective.y_range
    pts = [t.params[: t.last_finite_step + 1] for t in trajs if t.diverged_at is None]
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    pts = pts[np.isfinite(pts).all(axis=1)]
    ranges = []
    for lo, hi, col in ((x0, x1, 0), (y0, y1, 1)):
        span = hi - lo
        if pts.size:
            lo2, hi2 = min(lo, float(pts[:, col].min())), max(hi, float(pts[:, col].max()))
            lo2, hi2 = max(lo2, lo - max_zoom_out * span), min(hi2, hi + max_zoom_out * span)
            pad = 0.04 * (hi2 - lo2)
            if lo2 < lo:
                lo2 = max(_nice_floor(lo2 - pad, span), lo - max_zoom_out * span)
            if hi2 > hi:
                hi2 = min(_nice_ceil(hi2 + pad, span), hi + max_zoom_out * span)
            lo, hi = lo2, hi2
        ranges.append((float(lo), float(hi)))
    return ranges[0], ranges[1]


def _nice_step(span: float) -> float:
    return 10.0 ** math.floor(math.log10(span)) / 2.0


def _nice_floor(v: float, span: float) -> float:
    s = _nice_step(span)
    return math.floor(v / s) * s


def _nice_ceil(v: float, span: float) -> float:
    s = _nice_step(span)
    return math.ceil(v / s) * s


def path_indices(traj: Trajectory, spans: tuple[float, float]) -> np.ndarray:
    """Rows of ``traj.params`` to draw on the map (decimated, finite rows only, first and last finite kept)."""
    last = traj.last_finite_step
    return decimate_path(traj.params[: last + 1], PATH_POINTS, PATH_TOLERANCE, spans=spans)


def _path_width(k: int, n: int, style: Style) -> float:
    """Earlier runs are drawn wider, so a later run on the same path leaves them visible as an outline."""
    return stacked_width(k, n, style.line_width)


def _step_ticks(last: int) -> np.ndarray:
    """Steps 10, 20, 50, 100, 200, 500, … up to ``last``: dots along a path that show how fast a run travels."""
    ticks = [m * 10**e for e in range(1, 6) for m in (1, 2, 5)]
    return np.asarray([s for s in ticks if s <= last], dtype=np.int64)


def _clip_point(p: np.ndarray, view) -> tuple[np.ndarray, bool]:
    (x0, x1), (y0, y1) = view
    q = np.array([min(max(p[0], x0), x1), min(max(p[1], y0), y1)])
    return q, bool(np.any(q != p))


def step_vectors(traj: Trajectory, t: int) -> dict[str, np.ndarray] | None:
    """The four vectors of step t (t ≥ 1) drawn from θ_{t−1}: −g, −m̂₁, −α_t·m₂ and Δθ = θ_t − θ_{t−1}.

    The gradient-like three point the way they push θ (hence the minus sign: the step is −η·(…)).
    Returns None for t = 0 (no step yet) or a non-finite step.
    """
    if t < 1 or t > traj.last_finite_step:
        return None
    vec = {
        "anchor": traj.params[t - 1],
        "grad": -traj.grad[t],
        "fast": -traj.m1_hat[t],
        "slow": -traj.alpha[t] * traj.m2[t],
        "update": traj.update[t],
    }
    if not all(np.isfinite(v).all() for v in vec.values()):
        return None
    return vec


def _arrow_scale(vectors: Sequence[np.ndarray], spans) -> float:
    """Factor that makes the longest of ``vectors`` span ARROW_FRACTION of the view (0 if all are zero)."""
    lengths = [float(np.hypot(v[0] / spans[0], v[1] / spans[1])) for v in vectors]
    longest = max(lengths, default=0.0)
    return ARROW_FRACTION / longest if longest > 0 else 0.0


def arrow_legend_title(run: RunView, t: int, spans) -> str | None:
    vec = step_vectors(run.traj, t)
    if vec is None:
        return None
    family = [vec["grad"], vec["fast"], vec["slow"]]
    return f"arrows at step {t:,} (−g, −m̂₁, −α·m₂ drawn ×{fmt(_arrow_scale(family, spans), 2)}):"


def _arrow_traces(run: RunView, t: int, spans, style: Style) -> list[go.Scatter]:
    vec = step_vectors(run.traj, t)
    if vec is None:
        return []
    has_slow = bool(np.any(vec["slow"] != 0)) or run.traj.config.optimizer.name == "ademamix"
    family = ["grad", "fast"] + (["slow"] if has_slow else [])
    s_grad = _arrow_scale([vec[k] for k in family], spans)
    s_upd = _arrow_scale([vec["update"]], spans)
    a = vec["anchor"]
    traces = []
    for key, label, color, dash, width in ARROWS:
        if key not in family and key != "update":
            continue
        v = vec[key]
        scale = s_upd if key == "update" else s_grad
        if scale == 0.0:
            continue
        tip = a + scale * v
        color = color or run.color
        if key == "update":
            note = "true length" if abs(scale - 1.0) < 0.05 else f"×{fmt(scale, 2)}"
            name = f"{label} ({note})"
        else:
            note = f"common scale ×{fmt(scale, 2)}"
            name = label
        hover = (f"<b>{label}</b> at step {t:,} of {run.label}<br>value ({fmt(v[0], 4)}, {fmt(v[1], 4)})"
                 f"<br>|·| = {fmt(float(np.hypot(*v)), 4)}<br>drawn with {note}<extra></extra>")
        traces.append(go.Scatter(
            x=f32([a[0], tip[0]]), y=f32([a[1], tip[1]]), mode="lines+markers+text",
            line={"color": color, "width": style.px(width), "dash": dash},
            marker={"symbol": "arrow", "angleref": "previous", "size": [0, style.px(13)], "color": color,
                    "line": {"width": 0}},
            text=["", label], textposition="top center", textfont={"size": style.font * 0.95, "color": color},
            name=name, legend="legend2", hovertemplate=hover, showlegend=True, cliponaxis=False,
        ))
    return traces


def map_figure(runs: Sequence[RunView], grid: SurfaceGrid, objective: Objective, *, view, t: int | None = None,
               focus: int | None = None, style: Style = DEFAULT_STYLE, f_star: float | None = None,
               click_grid: bool = True) -> go.Figure:
    """Contour map of the objective with every run's path, start/end/divergence markers and the step-t arrows.

    ``view`` is ``(x_range, y_range)`` (see ``map_view``) and ``grid`` must cover it. ``t`` marks the current step on
    every run (clamped to each run's last finite step); the arrows of ``runs[focus]`` are drawn at step t.
    ``click_grid`` adds an invisible marker grid (trace name "click-grid") so that ``st.plotly_chart(on_select=…)``
    receives clicks anywhere on the map (Streamlit ignores clicks on contour traces).
    """
    (x0, x1), (y0, y1) = view
    spans = (x1 - x0, y1 - y0)
    scale: LogScale = log_scale_for(grid.z, f_star)
    title = "f − f*" if (scale.known_minimum and f_star not in (None, 0.0)) else ("f" if scale.known_minimum else "f − min f")
    traces: list = [contour_trace(grid, scale, style, colorbar_title=title)]

    if click_grid:
        gx, gy = np.meshgrid(np.linspace(x0, x1, CLICK_GRID), np.linspace(y0, y1, CLICK_GRID))
        traces.append(go.Scatter(
            x=f32(gx.ravel()), y=f32(gy.ravel()), mode="markers", name="click-grid",
            marker={"size": max(6.0, 520.0 / CLICK_GRID), "opacity": 0, "color": INK},
            hoverinfo="none", showlegend=False,
            selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
        ))

    for kind in ("global", "local"):
        ms = [m for m in objective.minima if m.kind == kind]
        if not ms:
            continue
        glob = kind == "global"
        # Global: a black star; local: a white star with a dark outline (as on the Sweeps basin maps), visible on the
        # light map and in the legend.
        traces.append(go.Scatter(
            x=f32([m.x for m in ms]), y=f32([m.y for m in ms]), mode="markers",
            marker={"symbol": "star", "size": style.px(16 if glob else 15),
                    "color": MINIMUM_COLOR if glob else "white", "line": {"color": MINIMUM_COLOR, "width": 1.5}},
            name=f"{kind} minimum" if len(ms) == 1 else f"{kind} minima", legendgroup="minima", showlegend=True,
            hovertemplate=f"{kind} minimum (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        ))

    starts_drawn: set[tuple[float, float]] = set()
    for k, run in enumerate(runs):
        traj = run.traj
        last = traj.last_finite_step
        idx = path_indices(traj, spans)
        pts = traj.params[idx]
        custom = np.stack([idx.astype(np.float32), f32(traj.loss[idx])], axis=1)
        traces.append(go.Scatter(
            x=f32(pts[:, 0]), y=f32(pts[:, 1]), mode="lines", name=run.label, legendgroup=run.group,
            line={"color": run.color, "width": style.px(_path_width(k, len(runs), style))}, customdata=custom,
            hovertemplate=(f"<b>{run.label}</b><br>step %{{customdata[0]:,.0f}}<br>(%{{x:.4g}}, %{{y:.4g}})"
                           "<br>f = %{customdata[1]:.4g}<extra></extra>"),
        ))
        ticks = _step_ticks(last)
        if ticks.size:
            tp = traj.params[ticks]
            traces.append(go.Scatter(
                x=f32(tp[:, 0]), y=f32(tp[:, 1]), mode="markers", name=f"{run.label}: step ticks",
                legendgroup=run.group, showlegend=False, customdata=ticks.astype(np.float32),
                marker={"size": style.px(5), "color": run.color, "line": {"color": "white", "width": 0.8}},
                hovertemplate=f"<b>{run.label}</b><br>step %{{customdata:,.0f}}<extra></extra>",
            ))
        start = tuple(np.round(traj.params[0], 12))
        if start not in starts_drawn:
            starts_drawn.add(start)
            traces.append(go.Scatter(
                x=f32([start[0]]), y=f32([start[1]]), mode="markers", name="start", legendgroup="start",
                showlegend=len(starts_drawn) == 1,
                marker={"symbol": "circle", "size": style.px(12), "color": "white",
                        "line": {"color": INK, "width": 2}},
                hovertemplate=f"start ({fmt(start[0], 4)}, {fmt(start[1], 4)})<extra></extra>",
            ))
        end = traj.params[last]
        if traj.diverged_at is None:
            traces.append(go.Scatter(
                x=f32([end[0]]), y=f32([end[1]]), mode="markers", name=f"{run.label}: end",
                legendgroup=run.group, showlegend=False,
                marker={"symbol": "circle", "size": style.px(10), "color": run.color,
                        "line": {"color": "white", "width": 1.5}},
                hovertemplate=(f"<b>{run.label}</b>: end (step {last:,})<br>({fmt(end[0], 4)}, {fmt(end[1], 4)})"
                               f"<br>f = {fmt(traj.loss[last], 4)}<extra></extra>"),
            ))
        else:
            shown, clipped = _clip_point(end, view)
            where = " (outside the view: marked at its edge)" if clipped else ""
            traces.append(go.Scatter(
                x=f32([shown[0]]), y=f32([shown[1]]), mode="markers+text", name=f"{run.label}: diverged",
                legendgroup=run.group, showlegend=False,
                marker={"symbol": "x", "size": style.px(18), "color": run.color,
                        "line": {"color": "white", "width": 1.2}},
                text=[f"✕ step {traj.diverged_at:,}"], textposition="top right",
                textfont={"color": run.color, "size": style.font * 0.95},
                hovertemplate=(f"<b>{run.label} diverged</b> at step {traj.diverged_at:,}<br>"
                               f"{traj.divergence_reason}{where}<extra></extra>"),
                cliponaxis=False,
            ))

    if t is not None:
        for k, run in enumerate(runs):
            tt = min(t, run.traj.last_finite_step)
            p = run.traj.params[tt]
            on_focus = focus is not None and k == focus
            traces.append(go.Scatter(
                x=f32([p[0]]), y=f32([p[1]]), mode="markers", name=f"{run.label}: step {tt:,}",
                legendgroup=run.group, showlegend=False,
                marker={"symbol": "diamond", "size": style.px(14 if on_focus else 11), "color": "white",
                        "line": {"color": run.color, "width": 3 if on_focus else 2.2}},
                hovertemplate=(f"<b>{run.label}</b> at step {tt:,}<br>θ = ({fmt(p[0], 4)}, {fmt(p[1], 4)})"
                               f"<br>f = {fmt(run.traj.loss[tt], 4)}<extra></extra>"),
            ))
        if focus is not None and 0 <= focus < len(runs):
            traces.extend(_arrow_traces(runs[focus], min(t, runs[focus].traj.last_finite_step), spans, style))

    layout = base_layout(style, height=style.map_height + 60 + 22 * math.ceil(len(runs) / 3))
    layout.update(
        xaxis=axis_style(style, title=None, range=[x0, x1], constrain="domain"),
        yaxis=axis_style(style, title=None, range=[y0, y1]),
        legend={**layout["legend"], "groupclick": "togglegroup", "yanchor": "top", "y": -0.06,
                "font": {"size": style.font * 0.9}},
        legend2={**layout["legend"], "yanchor": "bottom", "y": 1.0, "font": {"size": style.font * 0.9},
                 "title": {"text": (arrow_legend_title(runs[focus], min(t, runs[focus].traj.last_finite_step), spans)
                                    if t is not None and focus is not None and 0 <= focus < len(runs) else "") or "",
                           "font": {"size": style.font * 0.9, "color": MUTED}}},
        dragmode="pan",
    )
    layout["margin"] = {**layout["margin"], "b": 10, "t": 34}
    return go.Figure(data=traces, layout=layout)


# ------------------------------------------------------------------------------------------------ curves


def _series_xy(values: np.ndarray, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Decimated (steps, values) for a log-step axis: rows 1…last (step 0 has no place on a log axis)."""
    v = values[1: last + 1]
    if v.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    idx = decimate_series(len(v), v, bins=SERIES_BINS) + 1
    return idx, values[idx]


def _positive(v: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive become NaN (a gap), with exact zeros lifted to the tiniest float32."""
    v = np.asarray(v, dtype=np.float64)
    out = np.where(v > 0, v, np.nan)
    out = np.where(v == 0, 1e-38, out)
    return out


def _log_ticks(traces, cell) -> dict:
    """Tick spacing for a log y axis: Plotly's powers of ten when the data span ≥ 2 decades, else 1-2-5 labels
    (Plotly's default for a short span labels every digit and they collide)."""
    values = [np.asarray(t.y, dtype=np.float64) for t in traces if t.yaxis == cell.y and t.y is not None]
    values = np.concatenate(values) if values else np.zeros(0)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return {}
    lo, hi = math.log10(values.min()), math.log10(values.max())
    if hi - lo >= 2:
        return {}  # ≥ 2 decades: Plotly's own choice (every k-th power of ten)
    # Explicit 1-2-5 ticks with full labels: Plotly's "D2" labels 0.5 and 5 both as a bare "5".
    ticks = [m * 10.0**e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (1, 2, 5)]
    ticks = [v for v in ticks if lo - 0.05 <= math.log10(v) <= hi + 0.05]
    return {"tickvals": ticks, "ticktext": pow10_labels([math.log10(v) for v in ticks])}


def _scrub_marker(run: RunView, values: np.ndarray, step: int, cell, what: str, size: float, width: float):
    """The scrubbed step on one curve: a white diamond ringed in the run's colour."""
    return go.Scatter(
        x=f32([step]), y=f32([values[step]]), mode="markers", xaxis=cell.x, yaxis=cell.y,
        marker={"symbol": "diamond", "size": size, "color": "white", "line": {"color": run.color, "width": width}},
        name=f"{run.label}: step {step:,}", legendgroup=run.group, showlegend=False,
        hovertemplate=f"<b>{run.label}</b> at step {step:,}<br>{what} %{{y:.4g}}<extra></extra>",
    )


def curves_figure(runs: Sequence[RunView], *, t: int | None = None, style: Style = DEFAULT_STYLE,
                  f_star: float | None = None) -> go.Figure:
    """Distance to the nearest minimum and loss vs step, both on log–log axes (the paper's Fig. 2a).

    The loss panel plots f(θ_t) − f* when the global minimum value f* is known (f itself for Rosenbrock), else f
    on a linear axis. The current step t is a vertical guide plus a marker on every curve; a diverged run ends
    with ✕ at its last finite value.
    """
    has_distance = any(np.isfinite(r.traj.distance).any() for r in runs)
    loss_log = f_star is not None and all(
        np.nanmin(r.traj.loss[: r.traj.last_finite_step + 1] - f_star, initial=np.inf) >= 0 for r in runs)
    loss_title = ("loss f(θ) − f*" if f_star not in (None, 0.0) else "loss f(θ)") if loss_log else "loss f(θ)"
    titles = ["distance to the nearest minimum ‖θ − θ*‖", loss_title] if has_distance else [loss_title]
    cols = len(titles)
    cells, grid_layout = subplot_grid(1, cols, titles=titles, hgap=0.09, style=style)
    traces = []
    for run in runs:
        traj = run.traj
        last = traj.last_finite_step
        panels = []
        if has_distance:
            panels.append((cells[0][0], _positive(traj.distance), True, "distance"))
        loss = traj.loss - (f_star if loss_log and f_star is not None else 0.0)
        panels.append((cells[0][cols - 1], _positive(loss) if loss_log else loss, loss_log, "loss"))
        for j, (cell, values, _, what) in enumerate(panels):
            steps, vals = _series_xy(values, last)
            traces.append(go.Scatter(
                x=f32(steps), y=f32(vals), mode="lines", xaxis=cell.x, yaxis=cell.y,
                line={"color": run.color, "width": style.px(style.line_width)}, name=run.label,
                legendgroup=run.group, showlegend=j == 0,
                hovertemplate=f"<b>{run.label}</b><br>step %{{x:,.0f}}<br>{what} %{{y:.4g}}<extra></extra>",
            ))
            if traj.diverged_at is not None and last >= 1:
                traces.append(go.Scatter(
                    x=f32([last]), y=f32([values[last]]), mode="markers", xaxis=cell.x, yaxis=cell.y,
                    marker={"symbol": "x", "size": style.px(14), "color": run.color,
                            "line": {"color": "white", "width": 1}},
                    name=f"{run.label}: diverged", legendgroup=run.group, showlegend=False,
                    hovertemplate=(f"<b>{run.label}</b> diverged at step {traj.diverged_at:,}<br>"
                                   f"{traj.divergence_reason}<extra></extra>"),
                ))
            if t is not None and min(t, last) >= 1:
                traces.append(_scrub_marker(run, values, min(t, last), cell, what, style.px(10), 2.2))
    max_steps = max((r.traj.steps for r in runs), default=1)
    layout = base_layout(style, height=style.panel_height, **grid_layout)
    layout["margin"] = {**layout["margin"], "t": 58}
    for j in range(cols):
        cell = cells[0][j]
        log_y = has_distance and j == 0 or loss_log
        layout[cell.xaxis].update(axis_style(style, title="step", log=True, dtick=1,
                                             range=[0, math.log10(max(max_steps, 10))]))
        layout[cell.yaxis].update(axis_style(style, log=log_y, **(_log_ticks(traces, cell) if log_y else {})))
    if t is not None and t >= 1:
        layout["shapes"] = [
            {"type": "line", "xref": cells[0][j].x, "yref": f"{cells[0][j].y} domain", "x0": t, "x1": t,
             "y0": 0, "y1": 1, "line": {"color": MUTED, "width": 1, "dash": "dot"}}
            for j in range(cols)
        ]
    layout["legend"] = {**layout["legend"], "y": 1.12}
    return go.Figure(data=traces, layout=layout)


# ------------------------------------------------------------------------------------------------ internals

INTERNAL_PANELS = (
    # key, title, log axis, needs a slow EMA
    ("m1_norm", "‖m̂₁‖ (fast EMA)", True, False),
    ("slow_norm", "‖α·m₂‖ (slow EMA)", True, True),
    ("cos", "cos(m̂₁, m₂)", False, True),
    ("update_norm", "update norm ‖Δθ‖", True, False),
    ("alpha", "α(t)", False, True),
    ("beta3", "β₃(t)", False, True),
)


def has_slow_ema(traj: Trajectory) -> bool:
    return traj.config.optimizer.name == "ademamix"


def internal_series(traj: Trajectory) -> dict[str, np.ndarray]:
    """Per-step norms and angles of the optimizer state (row t = after step t; NaN where undefined)."""
    m1, m2 = traj.m1_hat, traj.m2
    n1 = np.hypot(m1[:, 0], m1[:, 1])
    n2 = np.hypot(m2[:, 0], m2[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where((n1 > 0) & (n2 > 0), (m1 * m2).sum(axis=1) / (n1 * n2), np.nan)
    return {
        "m1_norm": n1,
        "slow_norm": np.abs(traj.alpha) * n2,
        "cos": np.clip(cos, -1.0, 1.0),
        "update_norm": np.hypot(traj.update[:, 0], traj.update[:, 1]),
        "alpha": traj.alpha.astype(np.float64),
        "beta3": traj.beta3.astype(np.float64),
    }


def _flat_range(runs: Sequence[RunView], key: str) -> dict:
    """A y range for α(t) / β₃(t): from 0 (α) or the smallest β₃ up to just above the largest value, so a constant
    schedule is a flat line at a readable height instead of Plotly's ±1 padding."""
    if key not in ("alpha", "beta3"):
        return {}
    values = [getattr(r.traj, key)[1: r.traj.last_finite_step + 1] for r in runs if has_slow_ema(r.traj)]
    values = [v[np.isfinite(v)] for v in values if v.size]
    values = [v for v in values if v.size]
    if not values:
        return {}
    lo, hi = min(float(v.min()) for v in values), max(float(v.max()) for v in values)
    if key == "alpha":
        return {"range": [0.0, hi * 1.08 if hi > 0 else 1.0]}
    pad = max((hi - lo) * 0.06, (1.0 - hi) * 0.5, 1e-6)
    return {"range": [lo - pad, min(hi + pad, 1.0)]}


def internals_figure(runs: Sequence[RunView], *, t: int | None = None, style: Style = DEFAULT_STYLE) -> go.Figure:
    """A 2×3 panel of internal time series for every run (log step axis): ‖m̂₁‖, ‖α·m₂‖, cos(m̂₁, m₂), ‖Δθ‖,
    α(t), β₃(t). Runs without a slow EMA (everything but AdEMAMix) are left out of the slow-EMA panels."""
    titles = [p[1] for p in INTERNAL_PANELS]
    cells, grid_layout = subplot_grid(2, 3, titles=titles, hgap=0.075, vgap=0.2, style=style, shared_x=True)
    flat = [c for row in cells for c in row]
    traces = []
    shown_legend: set[str] = set()
    for run in runs:
        series = internal_series(run.traj)
        last = run.traj.last_finite_step
        for (key, _, log, needs_slow), cell in zip(INTERNAL_PANELS, flat):
            if needs_slow and not has_slow_ema(run.traj):
                continue
            values = _positive(series[key]) if log else series[key]
            steps, vals = _series_xy(values, last)
            traces.append(go.Scatter(
                x=f32(steps), y=f32(vals), mode="lines", xaxis=cell.x, yaxis=cell.y,
                line={"color": run.color, "width": style.px(1.6)}, name=run.label, legendgroup=run.group,
                showlegend=run.group not in shown_legend,
                hovertemplate=f"<b>{run.label}</b><br>step %{{x:,.0f}}<br>{key} %{{y:.4g}}<extra></extra>",
            ))
            shown_legend.add(run.group)
            if t is not None and min(t, last) >= 1:
                traces.append(_scrub_marker(run, values, min(t, last), cell, key, style.px(8), 2))
    max_steps = max((r.traj.steps for r in runs), default=1)
    layout = base_layout(style, height=int(style.panel_height * 1.45), **grid_layout)
    layout["margin"] = {**layout["margin"], "t": 62}
    for (key, _, log, _), cell in zip(INTERNAL_PANELS, flat):
        layout[cell.xaxis].update(axis_style(style, title="step" if cell in cells[1] else None, log=True, dtick=1,
                                             range=[0, math.log10(max(max_steps, 10))]))
        extra = {"range": [-1.05, 1.05]} if key == "cos" else _flat_range(runs, key)
        layout[cell.yaxis].update(axis_style(style, log=log, **extra))
        if key == "beta3":
            layout[cell.yaxis]["tickformat"] = ".5~f"
    if t is not None and t >= 1:
        layout["shapes"] = [
            {"type": "line", "xref": c.x, "yref": f"{c.y} domain", "x0": t, "x1": t, "y0": 0, "y1": 1,
             "line": {"color": MUTED, "width": 1, "dash": "dot"}} for c in flat
        ]
    layout["legend"] = {**layout["legend"], "y": 1.1}
    if not any(has_slow_ema(r.traj) for r in runs):
        layout["annotations"] = layout.get("annotations", []) + [{
            "text": "no run has a slow EMA (only AdEMAMix does)", "xref": "paper", "yref": "paper",
            "x": 0.5, "y": 0.78, "showarrow": False, "font": {"color": MUTED, "size": style.font * 0.9},
        }]
    return go.Figure(data=traces, layout=layout)
