"""Schedules: β₃(t) from the paper's scheduler beside the linear one, α(t), the half-life of β₃(t) and η(t) for the
runs' T_α,β₃ and step count; and the paper's Fig. 7. Thin page: widgets from ``ui``, curves from
``figures.schedules`` (which evaluates ``dynamics.schedules``). No maths here."""
from __future__ import annotations

import streamlit as st

from figures import schedules as fs
from ui import exports, pagekit

PAGE = "schedules"

ctx = pagekit.start(PAGE)
view, scene, style = ctx.view, ctx.scene, ctx.style
runs = [(label, cfg.optimizer) for label, cfg in zip(ctx.labels, scene.run_configs())]

with st.sidebar:
    pagekit.presets_block(ctx)
    if ctx.flags.shows("view"):
        st.subheader("View")
        pagekit.view_control(ctx, "sfig")
        if view.figure == "current":
            pagekit.view_control(ctx, "slogx")
            pagekit.view_control(ctx, "omb")
            pagekit.view_control(ctx, "loghl")
        else:
            pagekit.view_control(ctx, "f7b0")
    if view.figure == "current":
        if ctx.flags.shows("length"):
            st.subheader("Length")
            pagekit.scene_control(ctx, "steps")
        pagekit.run_editor(ctx, fields=("opt", "lr", "lrs", "wu", "lrf", "b1", "b3", "alpha", "T", "b3s"))

pagekit.heading(ctx, "Schedules",
                "AdEMAMix warms up its slow EMA: α grows linearly from 0 and β₃ moves from β₁ to its final value "
                "over T_α,β₃ steps. The paper's scheduler interpolates the half-life linearly; a linear "
                "interpolation of β itself (dotted) keeps the memory short until the very end.")

if view.figure == "current":
    fig = fs.schedules_figure(runs, scene.steps, slots=ctx.slots, log_x=view.log_x,
                              one_minus_beta=view.one_minus_beta, log_half_life=view.log_half_life, style=style)
    exports.chart(fig, key="schedules_chart", name=f"schedules-{scene.steps}")
    warm = [label for (label, opt) in runs if opt.name == "ademamix" and opt.t_alpha_beta3 > 0]
    if not any(opt.name == "ademamix" for _, opt in runs):
        st.info("No AdEMAMix run: only η(t) applies. Switch a run's optimizer to AdEMAMix in the sidebar.",
                icon=":material/info:")
    elif not warm:
        st.info("No AdEMAMix run has a warm-up (T_α,β₃ = 0): α and β₃ are constant from the first step. Set "
                "“warm-up T_α,β₃” on a run, or pick the preset “Warm-up over the whole run”.",
                icon=":material/info:")

    figures = {"schedules": exports.FigureExport(f"Schedules over {scene.steps:,} steps", lambda: fig)}
    data = {"schedules": exports.DataExport("Schedules (every step)", "schedules",
                                            lambda: fs.every_step_tables(runs, scene.steps), key="run")}
else:
    fig = fs.fig7_figure(view.fig7_beta_start, style=style)
    exports.chart(fig, key="fig7_chart", name="fig7")
    st.caption(f"β_start = {view.fig7_beta_start:g} (the paper: β₁ = 0.9), β_end ∈ {{0.999, 0.9999}}, x = t / T_α,β₃. "
               "Half-life t½(β) = ln ½ / ln β − 1; the paper's scheduler sets "
               "β₃(x) = β((1 − x)·t½(β_start) + x·t½(β_end)) with β(τ) = 0.5^(1/(τ+1)).")
    figures = {"fig7": exports.FigureExport("Fig. 7 — β₃ schedulers", lambda: fig)}
    data = {"fig7": exports.DataExport("Fig. 7 curves", "fig7",
                                       lambda: {"fig7": fs.fig7_table(view.fig7_beta_start)}, key="figure")}

if ctx.flags.shows("exports"):
    exports.panel(PAGE, figures=figures, data=data, config=ctx.config(), restore=pagekit.restore(PAGE),
                  lecture=ctx.flags.lecture)
pagekit.finish(ctx)
