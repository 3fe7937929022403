"""EMA kernels: how much each past gradient counts in the update — why AdEMAMix exists, in one picture.

Thin page: widgets from ``ui`` (generated from the view and scene models), kernels from ``dynamics.kernels`` via
the figure builders in ``figures.kernels``. No maths here.
"""
from __future__ import annotations

import streamlit as st

from figures import kernels as fk
from figures.export import kernel_summary
from ui import exports, pagekit
from ui.cache import BoundedCache

PAGE = "kernels"
DATA = BoundedCache("kernel-page-data", max_entries=24, max_bytes=256 * 2**20)

ctx = pagekit.start(PAGE)
view, scene, style = ctx.view, ctx.scene, ctx.style
runs = [(label, cfg.optimizer) for label, cfg in zip(ctx.labels, scene.run_configs())]

with st.sidebar:
    pagekit.presets_block(ctx)
    if ctx.flags.shows("view"):
        st.subheader("View")
        pagekit.view_control(ctx, "fig")
        if view.figure == "current":
            pagekit.view_control(ctx, "anim")
            pagekit.view_control(ctx, "parts")
        if view.figure in ("current", "fig3a"):
            pagekit.view_control(ctx, "klogx")
        if view.figure != "fig31":
            pagekit.view_control(ctx, "klogy")
        if view.figure == "fig3a":
            pagekit.view_control(ctx, "f3t")
        if view.figure == "fig23":
            pagekit.view_control(ctx, "f23T")
            pagekit.view_control(ctx, "f23eta")
    if view.figure == "current":
        pagekit.run_editor(ctx, fields=("opt", "b1", "b3", "alpha", "T", "b3s", "bc"))

t = min(view.step or scene.steps, fk.MAX_LAG)
pagekit.heading(ctx, "EMA kernels",
                "The weight each past gradient g(t−k) gets in the update's numerator. A single EMA must choose "
                "between reacting fast and remembering long; AdEMAMix adds a slow EMA (β₃) on top of Adam's fast "
                "one (β₁), with weight α.")

if view.figure == "current":
    if view.animate:
        steps = fk.animation_steps(max(t, 2), 30)
        fig = DATA.get_or_compute(("anim", tuple(runs), tuple(ctx.slots), tuple(steps), view.log_x, view.log_y,
                                   view.components, style),
                                  lambda: fk.kernel_animation_figure(runs, steps, slots=ctx.slots, log_x=view.log_x,
                                                                     log_y=view.log_y, components=view.components,
                                                                     style=style))
        st.caption("Press ▶ to watch the kernel grow from step 1 to t; with a warm-up (T_α,β₃ > 0) the slow part "
                   "starts short and light and ends long and heavy.")
    else:
        fig = fk.kernel_figure(runs, t, slots=ctx.slots, log_x=view.log_x, log_y=view.log_y,
                               components=view.components, style=style)
    name = f"kernels-t{t}"
    exports.chart(fig, key="kernel_chart", name=name)
    if not view.animate:
        pagekit.view_control(ctx, "kt", label="step t (the kernel at this step; 'end of run' follows the runs' "
                                               "length)")
    st.caption(("" if view.animate else "Diamonds mark half-lives (ln ½ / ln β − 1 steps). ")
               + "Masses: the fast EMA sums to 1 (bias-corrected); the slow part to α_t(1 − Π β₃) = α(1 − β₃ᵗ) "
               "without warm-up — AdEMAMix's step can reach (1 + α)× Adam's.")
    figures = {name: exports.FigureExport(f"Kernels at t = {t:,}", lambda: fig)}
    data = {"kernels": exports.DataExport(
        f"Kernels at t = {t:,}", "kernels", lambda: fk.kernel_table_for_export(runs, t), key="run",
        extra=lambda: {label: kernel_summary(k) for (label, _), k in zip(runs, fk.kernels_for(runs, t))})}
elif view.figure == "fig3a":
    fig = fk.fig3a_figure(t=view.fig3a_steps, log_x=view.log_x, log_y=view.log_y, style=style)
    exports.chart(fig, key="fig3a_chart", name="fig3a")
    figures = {"fig3a": exports.FigureExport("Fig. 3a — single EMAs", lambda: fig)}
    data = {"fig3a": exports.DataExport("Fig. 3a weights", "fig3a",
                                        lambda: {"single EMAs": fk.fig3a_data(t=view.fig3a_steps)}, key="figure")}
elif view.figure == "fig23":
    d23 = DATA.get_or_compute(("fig23", view.fig23_steps, view.fig23_eta_max),
                              lambda: fk.fig23_data(view.fig23_steps, view.fig23_eta_max))
    fig = fk.fig23_figure(view.fig23_steps, view.fig23_eta_max, log_y=view.log_y, style=style, data=d23)
    exports.chart(fig, key="fig23_chart", name="fig23")
    st.caption("The paper states neither η_max nor T for this figure; they are ours (η_max = 1e-3 and T = 256k by "
               "default, which fit its axes). β₁ = 0.9 and β₃ = 0.9999 are the paper's defaults.")
    figures = {"fig23": exports.FigureExport("Fig. 23 — lr-weighted kernels", lambda: fig)}
    data = {"fig23": exports.DataExport("Fig. 23 weights", "fig23", lambda: d23, key="mix")}
else:
    fig = fk.fig31_figure(style=style)
    exports.chart(fig, key="fig31_chart", name="fig31")
    st.caption("The paper does not say how the sum is normalised: here each EMA has unit mass (total 2), as in "
               "m₁ + α·m₂ with α = 1.")
    figures = {"fig31": exports.FigureExport("Fig. 31 — nested EMA vs sum", lambda: fig)}
    data = {"fig31": exports.DataExport("Fig. 31 weights", "fig31", lambda: {"fig31": fk.fig31_data()},
                                        key="figure")}

if ctx.flags.shows("exports"):
    exports.panel(PAGE, figures=figures, data=data, config=ctx.config(), restore=pagekit.restore(PAGE),
                  lecture=ctx.flags.lecture)
pagekit.finish(ctx)
