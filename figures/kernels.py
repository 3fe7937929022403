"""EMA-kernel figures: the weight an optimizer's update numerator puts on the gradient k steps back.

* ``kernel_figure``            the current configuration(s) at step t, fast/slow/total, half-lives marked, masses shown
* ``kernel_animation_figure``  the same over a list of steps (Plotly frames + slider): the α/β₃ warm-up reshapes it
* ``fig3a_figure``             paper Fig. 3a: single EMAs (1−β) β^k after 10k steps
* ``fig23_figure``             paper Fig. 23: lr-weighted total weights, m1 + α m2 (α = 8) vs (1−α) m1 + α m2 (α = 0.9)
* ``fig31_figure``             paper Fig. 31: nested EMA (0.9/0.4) vs sum of two EMAs (0.9/0.999), linear and log y

Lag axis: on a log axis the x coordinate is k + 1 (so the current gradient, k = 0, sits at 1); on a linear axis it
is k. Every trace carries the exact lag k in ``customdata`` and the exact weights in ``y`` (float64) at the lags
shown; lags are thinned for display (all of k < 300, then log-spaced), the exports hold every lag.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dynamics.config import OptimizerConfig
from dynamics.kernels import Kernel, lr_weighted_kernels, nested_vs_sum_kernels, optimizer_kernel, single_ema_kernels

from .style import COMPONENT_DASH, DEFAULT_STYLE, Style, finish_layout, line_width, run_color

MAX_LAG = 100_000
DENSE_LAGS = 300
DISPLAY_POINTS = 1500
FIG3A_BETAS = (0.9, 0.99, 0.999, 0.9999)
FIG3A_STEPS = 10_000
FIG3A_COLORS = ("#440154", "#31688E", "#35B779", "#E69F00")
LOG_Y_DECADES_FLOOR = 1e-8  # log-y axes show 8 decades below the largest weight (the rest is zero to the eye)

KernelRun = tuple[str, OptimizerConfig]


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------

def display_lags(n: int, *, log_x: bool = True, points: int = DISPLAY_POINTS, dense: int = DENSE_LAGS) -> np.ndarray:
    """Lags 0..n−1 to draw: all of them if few, else every lag below ``dense`` plus a log- (or evenly) spaced rest."""
    if n <= points:
        return np.arange(n, dtype=np.int64)
    head = np.arange(min(dense, n), dtype=np.int64)
    if log_x:
        tail = np.geomspace(max(dense, 1), n - 1, points - head.size)
    else:
        tail = np.linspace(dense, n - 1, points - head.size)
    return np.unique(np.concatenate([head, np.round(tail).astype(np.int64), [n - 1]]))


def lag_x(lags: np.ndarray, log_x: bool) -> np.ndarray:
    """x coordinate of lag k: k + 1 on a log axis (the current gradient at 1), k on a linear one."""
    return (np.asarray(lags) + 1) if log_x else np.asarray(lags)


def lag_axis_title(log_x: bool) -> str:
    return "k + 1   (k = steps back; 1 = the current gradient)" if log_x else "k   (steps back; 0 = the current gradient)"


def _positive(y: np.ndarray, log_y: bool) -> np.ndarray:
    """On a log y axis, exact zeros cannot be drawn: NaN them (a gap) rather than drawing a fake value."""
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0, y, np.nan) if log_y else y


def _fmt(v: float | None, digits: int = 3) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.{digits}g}"
    return f"{v:,.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


def _log_range(lo: float, hi: float) -> list[float]:
    return [math.log10(lo), math.log10(hi)]


def kernels_for(runs: Sequence[KernelRun], t: int) -> list[Kernel]:
    """``optimizer_kernel(cfg, t)`` for every run (t clipped to ≥ 1)."""
    return [optimizer_kernel(cfg, max(1, int(t))) for _, cfg in runs]


def mass_text(kernel: Kernel) -> str:
    """“fast 1 · slow α(1−β₃^t) = 0.632” style summary of a kernel's masses."""
    if kernel.slow_mass == 0.0 and kernel.slow_label == "none":
        return f"mass {_fmt(kernel.fast_mass)}"
    return f"fast {_fmt(kernel.fast_mass)} · slow {_fmt(kernel.slow_mass)} · total {_fmt(kernel.total_mass)}"


# ---------------------------------------------------------------------------------------------------------------------
# The current configuration(s)
# ---------------------------------------------------------------------------------------------------------------------

def _kernel_traces(label: str, kernel: Kernel, slot: int, *, log_x: bool, log_y: bool, components: bool,
                   style: Style, max_lag: int) -> list[go.Scatter]:
    color = run_color(slot)
    width = line_width(style)
    n = min(kernel.t, max_lag)
    lags = display_lags(n, log_x=log_x)
    x = lag_x(lags, log_x)
    traces = []
    has_slow = bool(np.any(kernel.slow != 0))
    parts = [("total", kernel.total, f"{label}: total · mass {_fmt(kernel.total_mass)}")]
    if components and has_slow:
        parts += [("fast", kernel.fast, f"{label}: {kernel.fast_label} · mass {_fmt(kernel.fast_mass)}"),
                  ("slow", kernel.slow, f"{label}: {kernel.slow_label} · mass {_fmt(kernel.slow_mass)}")]
    for part, values, name in parts:
        traces.append(go.Scatter(
            x=x, y=_positive(values[lags], log_y), customdata=lags, mode="lines", name=name,
            legendgroup=f"run{slot}", meta=dict(run=label, slot=int(slot), component=part, t=int(kernel.t)),
            line=dict(color=color, width=width if part == "total" else max(1.0, 0.7 * width),
                      dash=COMPONENT_DASH[part]),
            hovertemplate="k=%{customdata:,}<br>weight=%{y:.4g}<extra>" + f"{label} · {part}</extra>"))
    # Half-life markers: a diamond on the curve at lag = half-life (paper convention ln ½/ln β − 1).
    marks = [("fast", kernel.fast_half_life, kernel.fast_beta, kernel.fast if has_slow else kernel.total),
             ("slow", kernel.slow_half_life, kernel.slow_beta, kernel.slow)]
    for part, hl, beta, values in marks:
        if hl is None or not math.isfinite(hl) or hl < 0 or hl >= n or (part == "slow" and not has_slow):
            continue
        k = int(round(hl))
        traces.append(go.Scatter(
            x=lag_x(np.array([hl]), log_x), y=_positive(np.array([values[k]]), log_y), customdata=[hl],
            mode="markers+text", text=[f"t½={_fmt(hl)}"], textposition="top right",
            textfont=dict(color=color, size=style.font - 1),
            marker=dict(symbol="diamond", size=style.px(9), color=color,
                        line=dict(color="white", width=1)),
            name=f"{label}: half-life of {'β₁' if part == 'fast' else 'β₃_t'}", legendgroup=f"run{slot}",
            showlegend=False, meta=dict(run=label, slot=int(slot), component=f"{part}_half_life", beta=beta),
            hovertemplate=f"half-life of β={_fmt(beta, 6)}: " + "%{customdata:,.1f} steps<extra>" + label
            + "</extra>"))
    return traces


def kernel_figure(
    runs: Sequence[KernelRun],
    t: int,
    *,
    slots: Sequence[int] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    components: bool = True,
    max_lag: int = MAX_LAG,
    style: Style | None = None,
    kernels: Sequence[Kernel] | None = None,
) -> go.Figure:
    """Weights of g(t−k) in each run's update numerator at step t (``dynamics.kernels.optimizer_kernel``).

    Per run (its slot colour): total (solid), and for two-EMA rules the fast (dashed) and slow (dotted) parts; each
    EMA's half-life as a diamond; masses in the legend and in a corner box (fast 1, slow α_t(1−Π β₃_j) =
    α(1−β₃^t) for constant schedules). On a log x axis the range is fixed to 1 … ``max_lag`` so that moving t shows
    the kernel growing.
    """
    style = style or DEFAULT_STYLE
    slots = list(range(len(runs))) if slots is None else list(slots)
    kernels = list(kernels) if kernels is not None else kernels_for(runs, t)
    fig = go.Figure()
    lines = []
    for (label, _cfg), slot, kernel in zip(runs, slots, kernels):
        for trace in _kernel_traces(label, kernel, slot, log_x=log_x, log_y=log_y, components=components,
                                    style=style, max_lag=max_lag):
            fig.add_trace(trace)
        extra = ""
        if kernel.alpha_t is not None and kernel.beta3_t is not None:
            extra = f" (α_t={_fmt(kernel.alpha_t)}, β₃_t={kernel.beta3_t:.6g})"
        lines.append(f"<span style='color:{run_color(slot)}'>■</span> {label}: {mass_text(kernel)}{extra}")
    top = max((float(np.max(k.total[: min(k.t, max_lag)])) for k in kernels), default=1.0)
    _kernel_axes(fig, log_x=log_x, log_y=log_y, max_lag=max_lag, t=t, style=style,
                 y_range=(top * LOG_Y_DECADES_FLOOR, top * 2.0) if top > 0 else None)
    finish_layout(fig, style, title=f"EMA kernels at step t = {int(t):,}: weight on the gradient k steps back",
                  height=560 + 20 * len(lines))
    if lines:
        fig.add_annotation(_mass_box(t, lines, style, log_y))
        fig.update_layout(margin=dict(t=_box_margin(len(lines), style)), title=dict(y=0.985, yanchor="top"))
    return fig


def _kernel_axes(fig: go.Figure, *, log_x: bool, log_y: bool, max_lag: int, t: int, style: Style,
                 y_range: tuple[float, float] | None = None) -> None:
    if log_x:
        fig.update_xaxes(type="log", range=_log_range(1, max(max_lag, 10)), exponentformat="power",
                         title_text=lag_axis_title(True))
    else:
        fig.update_xaxes(type="linear", range=[0, min(max_lag, max(int(t), 2))], title_text=lag_axis_title(False))
    if log_y:
        lo, hi = y_range if y_range else (None, None)
        fig.update_yaxes(type="log", exponentformat="power", title_text="weight on g(t−k)",
                         range=[math.log10(lo), math.log10(hi)] if lo and hi else None)
    else:
        fig.update_yaxes(type="linear", title_text="weight on g(t−k)", rangemode="tozero")


def kernel_table_for_export(runs: Sequence[KernelRun], t: int, *, max_lag: int = MAX_LAG
                            ) -> dict[str, dict[str, np.ndarray]]:
    """Full-resolution kernels (every lag 0..t−1, up to ``max_lag``) per run label: lag, fast, slow, total."""
    out = {}
    for (label, _), kernel in zip(runs, kernels_for(runs, t)):
        n = min(kernel.t, max_lag)
        out[label] = {"lag": np.asarray(kernel.lags[:n]), "fast": kernel.fast[:n], "slow": kernel.slow[:n],
                      "total": kernel.total[:n]}
    return out


def animation_steps(max_t: int, frames: int = 30) -> list[int]:
    """Log-spaced steps 1 … max_t (distinct integers) for an animation."""
    return sorted({int(round(v)) for v in np.geomspace(1, max(1, max_t), frames)})


def kernel_animation_figure(
    runs: Sequence[KernelRun],
    steps: Sequence[int],
    *,
    slots: Sequence[int] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    components: bool = True,
    max_lag: int = MAX_LAG,
    style: Style | None = None,
) -> go.Figure:
    """``kernel_figure`` over several steps as Plotly frames with a play button and a step slider.

    Every frame has the same traces (the half-life markers are dropped); lags beyond t are NaN so the x grid is
    fixed. The y range is fixed over all frames (log y) so the kernel visibly grows and reshapes.
    """
    style = style or DEFAULT_STYLE
    slots = list(range(len(runs))) if slots is None else list(slots)
    steps = sorted({max(1, int(s)) for s in steps})
    n = min(max(steps), max_lag)
    lags = display_lags(n, log_x=log_x)
    x = lag_x(lags, log_x)
    width = line_width(style)

    def frame_traces(t: int) -> tuple[list[go.Scatter], list[str]]:
        traces, notes = [], []
        for (label, cfg), slot in zip(runs, slots):
            kernel = optimizer_kernel(cfg, t)
            has_slow = cfg.name in ("ademamix", "simplified_ademamix")
            parts = [("total", kernel.total)]
            if components and has_slow:
                parts += [("fast", kernel.fast), ("slow", kernel.slow)]
            for part, values in parts:
                y = np.full(lags.shape, np.nan)
                inside = lags < kernel.t
                y[inside] = values[lags[inside]]
                name = f"{label}: {part}" if part != "total" else f"{label}: total"
                traces.append(go.Scatter(
                    x=x, y=_positive(y, log_y), customdata=lags, mode="lines", name=name, legendgroup=f"run{slot}",
                    line=dict(color=run_color(slot), width=width if part == "total" else max(1.0, 0.7 * width),
                              dash=COMPONENT_DASH[part]),
                    hovertemplate="k=%{customdata:,}<br>weight=%{y:.4g}<extra>" + f"{label} · {part}</extra>"))
            notes.append(f"{label}: {mass_text(kernel)}")
        return traces, notes

    frames, lo, hi = [], math.inf, 0.0
    for t in steps:
        traces, notes = frame_traces(t)
        for tr in traces:
            ys = np.asarray(tr.y, dtype=np.float64)
            ys = ys[np.isfinite(ys) & (ys > 0)]
            if ys.size:
                lo, hi = min(lo, ys.min()), max(hi, ys.max())
        frames.append(go.Frame(name=str(t), data=traces, layout=dict(annotations=[_mass_box(t, notes, style, log_y)])))
    fig = go.Figure(data=frames[-1].data, frames=frames)
    y_range = (max(lo / 2, hi * LOG_Y_DECADES_FLOOR), hi * 2) if log_y and hi > 0 else None
    _kernel_axes(fig, log_x=log_x, log_y=log_y, max_lag=max_lag, t=n, style=style, y_range=y_range)
    if not log_y:
        fig.update_yaxes(range=[0, hi * 1.05 if hi > 0 else 1], autorange=False)
    fig.update_layout(annotations=list(frames[-1].layout.annotations))
    slider_steps = [dict(method="animate", label=f"{t:,}", args=[[str(t)], dict(mode="immediate", frame=dict(
        duration=0, redraw=True), transition=dict(duration=0))]) for t in steps]
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=-0.2, xanchor="left",
                          yanchor="top", pad=dict(t=40, r=10),
                          buttons=[dict(label="▶ play warm-up", method="animate",
                                        args=[None, dict(frame=dict(duration=250, redraw=True), fromcurrent=True,
                                                         transition=dict(duration=0))]),
                                   dict(label="❚❚", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        sliders=[dict(active=len(steps) - 1, steps=slider_steps, x=0.2, y=-0.2, len=0.8, xanchor="left",
                      yanchor="top", pad=dict(t=30), currentvalue=dict(prefix="step t = ",
                                                                      font=dict(size=style.font)))],
    )
    finish_layout(fig, style, title="EMA kernels over the warm-up: weight on the gradient k steps back",
                  height=640 + 20 * len(runs), legend_below=False)
    rows = max(len(runs) + 1, len(frames[-1].data))  # mass box lines vs legend entries, both above the plot
    fig.update_layout(margin=dict(b=150, t=int(56 + rows * style.font * 1.55)), title=dict(y=0.99, yanchor="top"),
                      legend=dict(x=0.0, y=1.01, xanchor="left", yanchor="bottom", orientation="v"))
    return fig


def _mass_box(t: int, lines: Sequence[str], style: Style, log_y: bool) -> dict:
    """The “masses at t” box, above the plot on the right (it never hides a curve)."""
    return dict(text=f"<b>masses at t = {int(t):,}</b><br>" + "<br>".join(lines), align="left", xref="paper",
                yref="paper", x=1.0, y=1.01, xanchor="right", yanchor="bottom", showarrow=False,
                bgcolor="rgba(255,255,255,0.9)", bordercolor="#ccc", borderwidth=1, font=dict(size=style.font * 0.9))


def _box_margin(n_lines: int, style: Style) -> int:
    return int(30 + (n_lines + 1) * style.font * 1.45)


# ---------------------------------------------------------------------------------------------------------------------
# The paper's figures
# ---------------------------------------------------------------------------------------------------------------------

def fig3a_data(betas: Sequence[float] = FIG3A_BETAS, t: int = FIG3A_STEPS) -> dict[str, np.ndarray]:
    """Fig. 3a at full resolution: ``lag`` and one column ``beta_<β>`` = (1−β) β^k per β."""
    kernels = single_ema_kernels(tuple(betas), t)
    return {"lag": np.arange(t, dtype=np.int64), **{f"beta_{b:g}": w for b, w in kernels.items()}}


def fig3a_figure(betas: Sequence[float] = FIG3A_BETAS, t: int = FIG3A_STEPS, *, log_x: bool = True,
                 log_y: bool = True, style: Style | None = None) -> go.Figure:
    """Paper Fig. 3a: single EMAs after t = 10k steps put weight (1−β) β^k on g(t−k) (no bias correction).

    No single β both weighs the last few gradients strongly and keeps a non-negligible weight on old ones.
    """
    style = style or DEFAULT_STYLE
    data = fig3a_data(betas, t)
    lags = display_lags(t, log_x=log_x)
    fig = go.Figure()
    width = line_width(style)
    from dynamics.schedules import half_life

    for i, beta in enumerate(betas):
        w = data[f"beta_{beta:g}"]
        color = FIG3A_COLORS[i % len(FIG3A_COLORS)]
        hl = float(half_life(beta))
        fig.add_trace(go.Scatter(
            x=lag_x(lags, log_x), y=_positive(w[lags], log_y), customdata=lags, mode="lines",
            name=f"β = {beta:g} · half-life {_fmt(hl)} · mass 1−β^t = {_fmt(1 - beta**t)}",
            meta=dict(beta=float(beta), t=int(t), component="single"), line=dict(color=color, width=width),
            hovertemplate="k=%{customdata:,}<br>(1−β)β^k=%{y:.4g}<extra>β=" + f"{beta:g}</extra>"))
        if 0 <= hl < t:
            k = int(round(hl))
            fig.add_trace(go.Scatter(
                x=lag_x(np.array([hl]), log_x), y=_positive(np.array([w[k]]), log_y), mode="markers",
                customdata=[hl], showlegend=False, name=f"half-life β={beta:g}",
                meta=dict(beta=float(beta), component="half_life"),
                marker=dict(symbol="diamond", size=style.px(9), color=color,
                            line=dict(color="white", width=1)),
                hovertemplate="half-life %{customdata:,.1f} steps<extra>β=" + f"{beta:g}</extra>"))
    fig.update_xaxes(type="log" if log_x else "linear", title_text=lag_axis_title(log_x),
                     exponentformat="power")
    fig.update_yaxes(type="log" if log_y else "linear", title_text="weight (1−β) β^k on g(t−k)",
                     exponentformat="power")
    if log_y:
        fig.update_yaxes(range=[-12, 0])
    return finish_layout(fig, style, title=f"Fig. 3a — single EMAs after {t:,} steps", height=520)


FIG23_T = 256_000
FIG23_ETA_MAX = 1e-3


def fig23_data(t_total: int = FIG23_T, eta_max: float = FIG23_ETA_MAX, alpha_sum: float = 8.0,
               alpha_convex: float = 0.9) -> dict[str, dict[str, np.ndarray]]:
    """Fig. 23 at full resolution: ``{"sum": …, "convex": …}`` from ``lr_weighted_kernels`` (step, eta, alpha,
    fast, slow, total)."""
    return {
        "sum": lr_weighted_kernels(t_total, alpha=alpha_sum, mix="sum", eta_max=eta_max),
        "convex": lr_weighted_kernels(t_total, alpha=alpha_convex, mix="convex", eta_max=eta_max),
    }


def _even_indices(n: int, points: int = 2000) -> np.ndarray:
    if n <= points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, points)).astype(np.int64))


def fig23_figure(t_total: int = FIG23_T, eta_max: float = FIG23_ETA_MAX, alpha_sum: float = 8.0,
                 alpha_convex: float = 0.9, *, log_y: bool = False, style: Style | None = None,
                 data: dict[str, dict[str, np.ndarray]] | None = None) -> go.Figure:
    """Paper Fig. 23: how much each gradient g(s) moves the parameters over the whole run, Σ_t η_t · weight.

    Left: AdEMAMix η(t)(m1 + α m2), α = 8. Right: η(t)((1−α) m1 + α m2), α = 0.9. Cosine η from η_max to 0 over
    T steps, linear α warm-up over T. The paper states neither η_max nor T: we use 1e-3 and 256k (they fit the
    axes). With the convex mix the recent gradients lose weight as α grows; with the sum they keep it.
    """
    style = style or DEFAULT_STYLE
    data = data or fig23_data(t_total, eta_max, alpha_sum, alpha_convex)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(
        f"η(t) (m₁ + α m₂), α = {alpha_sum:g}", f"η(t) ((1−α) m₁ + α m₂), α = {alpha_convex:g}"))
    width = line_width(style)
    colors = {"total": "#222222", "fast": run_color(0), "slow": run_color(1)}
    names = {"total": "total", "fast": "from m₁ (fast EMA, β₁ = 0.9)", "slow": "from α·m₂ (slow EMA, β₃ = 0.9999)"}
    for col, key in enumerate(("sum", "convex"), start=1):
        d = data[key]
        idx = _even_indices(d["step"].size)
        for part in ("fast", "slow", "total"):
            fig.add_trace(go.Scatter(
                x=d["step"][idx], y=_positive(d[part][idx], log_y), mode="lines", name=names[part],
                legendgroup=part, showlegend=col == 1, meta=dict(mix=key, component=part),
                line=dict(color=colors[part], width=width if part == "total" else max(1.0, 0.8 * width),
                          dash=COMPONENT_DASH[part]),
                hovertemplate="gradient of step s=%{x:,}<br>weight=%{y:.4g}<extra>" + f"{key} · {part}</extra>"),
                row=1, col=col)
        fig.update_xaxes(title_text="step s at which the gradient was computed", row=1, col=col)
    fig.update_yaxes(type="log" if log_y else "linear", exponentformat="power", title_text="total weight of g(s)",
                     row=1, col=1)
    fig.update_yaxes(type="log" if log_y else "linear", exponentformat="power", row=1, col=2)
    return finish_layout(fig, style, title="Fig. 23 — learning-rate-weighted kernels (cosine η, linear α)",
                         height=480)


def fig31_data(max_lag: int = 200) -> dict[str, np.ndarray]:
    """Fig. 31 data: ``lags``, ``nested`` (EMA_0.4 ∘ EMA_0.9) and ``sum`` (EMA_0.9 + EMA_0.999)."""
    return nested_vs_sum_kernels(max_lag)


def fig31_figure(max_lag: int = 200, *, style: Style | None = None) -> go.Figure:
    """Paper Fig. 31: a nested EMA (β = 0.9 then 0.4) against the sum of two EMAs (β = 0.9 and 0.999), lags 0–200,
    linear y (left) and log y (right). The nested EMA forgets old gradients as fast as its slower factor; the sum
    keeps a long tail. The paper does not state how the sum is normalised: each EMA has unit mass (sum total 2)."""
    style = style or DEFAULT_STYLE
    data = fig31_data(max_lag)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=("linear y", "log y"))
    width = line_width(style)
    styles = {"nested": (run_color(1), "nested EMA: EMA_0.4(EMA_0.9(g))"),
              "sum": (run_color(0), "sum of EMAs: EMA_0.9(g) + EMA_0.999(g)")}
    for col in (1, 2):
        for key, (color, name) in styles.items():
            fig.add_trace(go.Scatter(
                x=data["lags"], y=data[key] if col == 1 else _positive(data[key], True), mode="lines", name=name,
                legendgroup=key, showlegend=col == 1, meta=dict(component=key, log_y=col == 2),
                line=dict(color=color, width=width),
                hovertemplate="k=%{x}<br>weight=%{y:.4g}<extra>" + key + "</extra>"), row=1, col=col)
        fig.update_xaxes(title_text="k (steps back)", range=[0, max_lag], row=1, col=col)
    fig.update_yaxes(title_text="weight on g(t−k)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    return finish_layout(fig, style, title="Fig. 31 — nested EMA vs sum of two EMAs", height=440)
