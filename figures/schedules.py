"""Schedule figures: β₃(t) (the paper's half-life scheduler beside the linear one), α(t), the half-life of β₃(t)
and η(t) for the current configuration(s); and the paper's Fig. 7 (β₃ schedulers over x = t/T).

Data functions return NumPy tables (also used for CSV/JSON export); figure builders turn them into ``go.Figure``.
No Streamlit here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dynamics.config import OptimizerConfig
from dynamics.kernels import beta3_scheduler_curves
from dynamics.schedules import alpha_schedule, beta3_schedule, half_life, lr_schedule

from .common import stacked_width
from .style import DEFAULT_STYLE, SCHEDULER_DASH, Style, finish_layout, line_width, run_color

HAS_SLOW_EMA = ("ademamix",)
MAX_POINTS = 2000
FIG7_BETA_START = 0.9
FIG7_BETA_ENDS = (0.999, 0.9999)


def sample_steps(steps: int, t_warm: int = 0, max_points: int = MAX_POINTS) -> np.ndarray:
    """1-based steps 1..steps to evaluate: all of them up to ``max_points``, else an even grid that keeps 1, T and N.

    Curves are smooth (piecewise analytic with a kink at T), so an even grid plus the kink is exact to the eye.
    """
    steps = int(steps)
    if steps <= max_points:
        return np.arange(1, steps + 1, dtype=np.int64)
    grid = np.unique(np.round(np.linspace(1, steps, max_points)).astype(np.int64))
    extra = [t for t in (t_warm, t_warm + 1) if 1 <= t <= steps]
    return np.unique(np.concatenate([grid, np.asarray(extra, dtype=np.int64)]))


def every_step_tables(runs, steps: int) -> dict[str, dict[str, np.ndarray]]:
    """``schedule_table`` of each (label, OptimizerConfig) at every step 1…steps: the exported data."""
    t = np.arange(1, steps + 1)
    return {label: schedule_table(opt, steps, t=t) for label, opt in runs}


def schedule_table(cfg: OptimizerConfig, steps: int, t: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The schedules of ``cfg`` at the 1-based steps ``t`` (default: ``sample_steps``), as AdEMAMix evaluates them.

    Columns: step; alpha (α_t); beta3 (β₃_t with ``cfg.beta3_scheduler``); beta3_half_life_scheduler and
    beta3_linear_scheduler (both schedulers, for comparison); half_life (of β₃_t, paper convention ln ½/ln β − 1,
    with the configured scheduler), half_life_half_life_scheduler and half_life_linear_scheduler; lr (η_t). With T_α,β₃ = 0 the schedules are off:
    α_t = α and β₃_t = β₃ at every step.
    """
    if t is None:
        t = sample_steps(steps, cfg.t_alpha_beta3)
    t = np.asarray(t, dtype=np.int64)
    tf = t.astype(np.float64)
    total = cfg.t_alpha_beta3
    b3_paper = np.asarray(beta3_schedule(tf, cfg.beta3, cfg.beta1, total, "half_life"), dtype=np.float64)
    b3_linear = np.asarray(beta3_schedule(tf, cfg.beta3, cfg.beta1, total, "linear"), dtype=np.float64)
    b3 = b3_paper if cfg.beta3_scheduler == "half_life" else b3_linear
    with np.errstate(divide="ignore", invalid="ignore"):
        hl_paper = np.asarray(half_life(b3_paper), dtype=np.float64)
        hl_linear = np.asarray(half_life(b3_linear), dtype=np.float64)
    lr = np.asarray(lr_schedule(tf, cfg.lr, cfg.lr_schedule, steps, cfg.warmup_steps, cfg.lr_final_ratio),
                    dtype=np.float64) * np.ones_like(tf)
    return {
        "step": t,
        "alpha": np.asarray(alpha_schedule(tf, cfg.alpha, total), dtype=np.float64) * np.ones_like(tf),
        "beta3": b3,
        "beta3_half_life_scheduler": b3_paper,
        "beta3_linear_scheduler": b3_linear,
        "half_life": hl_paper if cfg.beta3_scheduler == "half_life" else hl_linear,
        "half_life_half_life_scheduler": hl_paper,
        "half_life_linear_scheduler": hl_linear,
        "lr": lr,
    }


def schedules_figure(
    runs: Sequence[tuple[str, OptimizerConfig]],
    steps: int,
    *,
    slots: Sequence[int] | None = None,
    log_x: bool = False,
    one_minus_beta: bool = False,
    log_half_life: bool = False,
    style: Style | None = None,
) -> go.Figure:
    """Four panels sharing the step axis: β₃(t) (configured scheduler solid, the other dotted), α(t),
    half-life of β₃(t) and η(t). ``one_minus_beta`` plots 1 − β₃ on a log axis instead of β₃ (the paper's scheduler
    reaches β₃ ≈ 1 on a linear axis almost at once; its half-life grows linearly); ``log_half_life`` a log y for the
    half-life. One colour per run slot (consistent with the other pages).

    Runs whose rule has no slow EMA (Adam, …) appear in the η(t) panel only. Earlier runs are drawn wider (as on the
    Trajectories map), and in α(t) and η(t) a curve that repeats an earlier run's exactly is dashed, so runs with
    identical schedules stay visible (the wider line shows along and through the dashes).
    """
    style = style or DEFAULT_STYLE
    slots = list(range(len(runs))) if slots is None else list(slots)
    fig = make_subplots(
        rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.14, horizontal_spacing=0.09,
        subplot_titles=("β₃(t): slow-EMA decay", "α(t): slow-EMA weight",
                        "half-life of β₃(t) in steps", "learning rate η(t)"),
    )
    base_width = line_width(style)
    warm_marks: set[int] = set()
    drawn = {(c.beta1, c.beta3, c.t_alpha_beta3, c.beta3_scheduler) for _, c in runs if c.name in HAS_SLOW_EMA}
    lr_max = max((c.lr for _, c in runs), default=1.0)
    shown: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"alpha": [], "lr": []}  # curves drawn so far

    def repeat_dash(panel: str, x: np.ndarray, y: np.ndarray) -> str:
        """Dashed if an earlier run already drew this very curve in this panel (it lies on top of that run's wider
        line, which shows through the gaps), else solid."""
        again = any(len(x0) == len(x) and np.array_equal(x0, x) and np.allclose(y0, y, rtol=1e-12, atol=0.0)
                    for x0, y0 in shown[panel])
        shown[panel].append((x, y))
        return "dash" if again else "solid"

    for k, ((label, cfg), slot) in enumerate(zip(runs, slots)):
        color = run_color(slot)
        width = stacked_width(k, len(runs), base_width)
        table = schedule_table(cfg, steps)
        x = table["step"]
        has_slow = cfg.name in HAS_SLOW_EMA
        group = f"run{slot}"
        if has_slow:
            other = "linear" if cfg.beta3_scheduler == "half_life" else "half_life"
            own_name = {"half_life": "paper (half-life)", "linear": "linear"}
            fig.add_trace(go.Scatter(
                x=x, y=table["beta3"], mode="lines", name=f"{label}: β₃, {own_name[cfg.beta3_scheduler]}",
                legendgroup=group, line=dict(color=color, width=width, dash=SCHEDULER_DASH[cfg.beta3_scheduler]),
                hovertemplate="t=%{x:,.0f}<br>β₃=%{y:.6f}<extra>" + label + "</extra>"), row=1, col=1)
            if cfg.t_alpha_beta3 > 0:
                warm_marks.add(cfg.t_alpha_beta3)
            # The other scheduler, thin, for comparison (unless another run already shows it).
            if cfg.t_alpha_beta3 > 0 and (cfg.beta1, cfg.beta3, cfg.t_alpha_beta3, other) not in drawn:
                fig.add_trace(go.Scatter(
                    x=x, y=table[f"beta3_{other}_scheduler"], mode="lines",
                    name=f"{label}: β₃, {own_name[other]} (for comparison)", legendgroup=group,
                    line=dict(color=color, width=max(1.0, base_width * 0.6), dash=SCHEDULER_DASH[other]), opacity=0.7,
                    hovertemplate="t=%{x:,.0f}<br>β₃=%{y:.6f}<extra>" + label + " (" + own_name[other] + ")</extra>"),
                    row=1, col=1)
                fig.add_trace(go.Scatter(
                    x=x, y=table[f"half_life_{other}_scheduler"], mode="lines", showlegend=False,
                    name=f"{label}: half-life, {own_name[other]} (for comparison)",
                    legendgroup=group,
                    line=dict(color=color, width=max(1.0, base_width * 0.6), dash=SCHEDULER_DASH[other]),
                    opacity=0.7, hovertemplate="t=%{x:,.0f}<br>half-life=%{y:,.1f} steps<extra>" + label
                    + " (" + own_name[other] + ")</extra>"), row=2, col=1)
            fig.add_trace(go.Scatter(
                x=x, y=table["alpha"], mode="lines", name=f"{label}: α", legendgroup=group, showlegend=False,
                line=dict(color=color, width=width, dash=repeat_dash("alpha", x, table["alpha"])),
                hovertemplate="t=%{x:,.0f}<br>α=%{y:.4g}<extra>" + label + "</extra>"), row=1, col=2)
            fig.add_trace(go.Scatter(
                x=x, y=table["half_life"], mode="lines", name=f"{label}: half-life", legendgroup=group,
                showlegend=False, line=dict(color=color, width=width, dash=SCHEDULER_DASH[cfg.beta3_scheduler]),
                hovertemplate="t=%{x:,.0f}<br>half-life=%{y:,.1f} steps<extra>" + label + "</extra>"), row=2, col=1)
        fig.add_trace(go.Scatter(
            x=x, y=table["lr"], mode="lines", name=f"{label}: η",
            legendgroup=group, showlegend=not has_slow,
            line=dict(color=color, width=width, dash=repeat_dash("lr", x, table["lr"])),
            hovertemplate="t=%{x:,.0f}<br>η=%{y:.4g}<extra>" + label + "</extra>"), row=2, col=2)
    for t_warm in sorted(warm_marks):
        for row, col in ((1, 1), (1, 2), (2, 1)):
            fig.add_vline(x=t_warm, line=dict(color="#888", width=1, dash="dot"), row=row, col=col)
        fig.add_annotation(**warm_note(t_warm, steps, log_x), y=0.02, xref="x2", yref="y2 domain", showarrow=False,
                           yanchor="bottom", font=dict(size=style.font - 2, color="#666"))
    if one_minus_beta:
        for trace in fig.data:
            if trace.xaxis == "x" and trace.yaxis == "y":
                trace.y = 1.0 - np.asarray(trace.y)
                trace.hovertemplate = trace.hovertemplate.replace("β₃=%{y:.6f}", "1−β₃=%{y:.3e}")
        fig.update_yaxes(type="log", exponentformat="power", row=1, col=1)
        fig.layout.annotations[0].text = "1 − β₃(t) (log): slow-EMA decay"
    fig.update_yaxes(type="log" if log_half_life else "linear", row=2, col=1)
    fig.update_xaxes(type="log" if log_x else "linear",
                     range=[0.0, math.log10(max(steps, 2))] if log_x else [0, steps])
    fig.update_xaxes(title_text="step t", row=2, col=1)
    fig.update_xaxes(title_text="step t", row=2, col=2)
    fig.update_yaxes(exponentformat="power", rangemode="tozero", range=[0, 1.1 * lr_max], row=2, col=2)
    if not any(cfg.name in HAS_SLOW_EMA for _, cfg in runs):
        fig.add_annotation(text="no AdEMAMix run: α and β₃ do not apply", x=0.5, y=0.78, xref="paper",
                           yref="paper", showarrow=False, font=dict(color="#666"))
    return finish_layout(fig, style, title=f"Schedules over {steps:,} steps", height=620)


def warm_note(t_warm: int, steps: int, log_x: bool = False) -> dict:
    """Position and text of the "T_α,β₃ = …" note in the α(t) panel: right of the T line, or left of it (right-
    anchored) in the last quarter of the step axis, so that it never runs past the panel's right edge; a T beyond
    the last step is noted at the right edge."""
    x = min(t_warm, steps)
    if log_x:
        where = math.log10(max(x, 1)) / math.log10(max(steps, 2))
    else:
        where = x / max(steps, 1)
    text = f"T_α,β₃ = {t_warm:,}" + (" (after the last step)" if t_warm > steps else "")
    if where > 0.75:
        return dict(x=x, text=text + " ", xanchor="right")
    return dict(x=x, text=" " + text, xanchor="left")


def fig7_table(beta_start: float = FIG7_BETA_START, beta_ends: Sequence[float] = FIG7_BETA_ENDS,
               num: int = 501) -> dict[str, np.ndarray]:
    """Fig. 7 data: x = t/T and β₃(x) for both schedulers and each β_end, one column per curve."""
    curves = beta3_scheduler_curves(beta_start, tuple(beta_ends), num)
    table = {"x": np.asarray(curves["x"], dtype=np.float64)}
    for kind in ("half_life", "linear"):
        for end, values in curves[kind].items():
            table[f"{kind}_{end:g}"] = np.asarray(values, dtype=np.float64)
    return table


def fig7_figure(beta_start: float = FIG7_BETA_START, beta_ends: Sequence[float] = FIG7_BETA_ENDS, *,
                style: Style | None = None, num: int = 501) -> go.Figure:
    """Paper Fig. 7: β₃ over x = t/T from β_start to β_end, the paper's half-life scheduler vs the linear one.

    One panel per β_end. The paper's scheduler grows the half-life linearly (β₃ rises fast, then slowly); the linear
    one keeps the half-life short for most of the warm-up and multiplies it in the last few percent of it.
    """
    style = style or DEFAULT_STYLE
    table = fig7_table(beta_start, beta_ends, num)
    fig = make_subplots(rows=1, cols=len(beta_ends), horizontal_spacing=0.08,
                        subplot_titles=[f"β_start = {beta_start:g} → β_end = {end:g}" for end in beta_ends])
    width = line_width(style)
    colors = {"half_life": run_color(0), "linear": "#7f7f7f"}
    names = {"half_life": "AdEMAMix scheduler (linear in half-life)", "linear": "linear scheduler (linear in β)"}
    for col, end in enumerate(beta_ends, start=1):
        for kind in ("half_life", "linear"):
            fig.add_trace(go.Scatter(
                x=table["x"], y=table[f"{kind}_{end:g}"], mode="lines", name=names[kind], legendgroup=kind,
                showlegend=col == 1, line=dict(color=colors[kind], width=width, dash=SCHEDULER_DASH[kind]),
                hovertemplate="t/T=%{x:.3f}<br>β₃=%{y:.6f}<extra>" + names[kind].split(" (")[0] + "</extra>"),
                row=1, col=col)
        fig.update_xaxes(title_text="t / T_α,β₃", range=[0, 1], row=1, col=col)
    fig.update_yaxes(title_text="β₃", row=1, col=1)
    return finish_layout(fig, style, title="Fig. 7 — β₃ schedulers", height=420)
