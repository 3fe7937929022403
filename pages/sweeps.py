"""Sweeps: heatmaps of any two hyperparameters (α × β₃ for AdEMAMix, lr × β₁ for Adam, …) and basin maps of start
points for two optimizers side by side; click a cell to open that run on the Trajectories page.

Thin page: widgets from ``ui``, grids from ``dynamics.sweeps`` (cached, with a progress bar), figures from
``figures.sweeps``. No maths here.
"""
from __future__ import annotations

from functools import partial

import streamlit as st
from pydantic import ValidationError

from figures import sweeps as fsw
from ui import exports, pagekit
from ui import scene as sc
from ui import sweeping as sw
from ui.cache import objective_cached
from ui.controls import pydantic_reason
from ui.views import axis_problem, basin_sweep_configs, grid_sweep_config, swept_run

PAGE = "sweeps"
CHART_KEY = "sweep_chart"

sw.maybe_switch()
ctx = pagekit.start(PAGE)
view, scene, style = ctx.view, ctx.scene, ctx.style
n_runs = len(scene.runs)
run_options = tuple(range(0, n_runs + 1))
run_names = {0: f"auto: run {swept_run(scene, view.model_copy(update={'run': 0}))}"} | {
    k: f"{k}: {label}" for k, label in enumerate(ctx.labels, 1)}

with st.sidebar:
    pagekit.presets_block(ctx)
    if ctx.flags.shows("sweep"):
        st.subheader("Sweep")
        pagekit.view_control(ctx, "mode", on_change=sw.clear_selection)
        if view.mode == "grid":
            pagekit.view_control(ctx, "srun", options=run_options, labels=run_names, on_change=sw.clear_selection)
            for axis in ("x", "y"):
                pagekit.view_control(ctx, f"s{axis}", on_change=sw.on_axis_param, args=(axis,))
                c1, c2 = st.columns(2)
                with c1:
                    pagekit.view_control(ctx, f"s{axis}lo")
                with c2:
                    pagekit.view_control(ctx, f"s{axis}hi")
                c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
                with c1:
                    pagekit.view_control(ctx, f"s{axis}n", on_change=sw.clear_selection)
                with c2:
                    pagekit.view_control(ctx, f"s{axis}log")
            pagekit.view_control(ctx, "metric")
        else:
            run_numbers = tuple(range(1, n_runs + 1))
            pagekit.view_control(ctx, "ba", options=run_numbers, labels=run_names, on_change=sw.clear_selection)
            pagekit.view_control(ctx, "bb", options=run_numbers, labels=run_names, on_change=sw.clear_selection)
            pagekit.view_control(ctx, "bn", on_change=sw.clear_selection)
            pagekit.view_control(ctx, "bmetric")
        pagekit.view_control(ctx, "ssteps")
        pagekit.view_control(ctx, "tol")
        st.caption("Runs come from the Trajectories page (its objective, start point, noise and runs).")

pagekit.heading(ctx, "Sweeps",
                "Every cell is a full run of the engine (exactly what the Trajectories page would simulate); the "
                "whole grid is one vectorised JAX program. Click a cell to open that run on Trajectories.")

result_for_export, figure, chosen = None, None, None
if view.mode == "grid":
    k = swept_run(scene, view)
    optimizer = scene.runs[k - 1].optimizer
    problems = [p for p in (axis_problem(optimizer, view.x_param), axis_problem(optimizer, view.y_param)) if p]
    cfg = None
    if problems:
        st.warning(f"Run {k} ({ctx.labels[k - 1]}): " + "; ".join(problems) + ".", icon="⚠️")
        st.button("Sweep quantities this optimizer uses", on_click=sw.use_default_axes, icon=":material/tune:")
    else:
        try:
            cfg = grid_sweep_config(scene, view)
        except (ValidationError, ValueError) as err:
            reason = pydantic_reason(err) if isinstance(err, ValidationError) else str(err)
            st.warning(f"This sweep cannot run: {reason}.", icon="⚠️")
    if cfg is not None:
        result, cached = sw.cached_sweep(cfg)
        cell = sw.selected(view, result.shape)
        title = (f"{fsw.METRICS[view.metric].short} — run {k}: {ctx.labels[k - 1]} on "
                 f"{sc.OBJECTIVE_LABELS.get(scene.objective.name, scene.objective.name)}")
        figure = fsw.sweep_heatmap_figure(result, view.metric, selected=cell[1:] if cell else None, title=title,
                                          style=style)
        st.caption(("Cached: " if cached else "Computed: ") + fsw.cost_text(result))
        exports.chart(figure, key=CHART_KEY, name=f"sweep-{cfg.x.param}-{cfg.y.param}", on_select=partial(
            sw.on_select, CHART_KEY, "grid"), selection_mode="points")
        result_for_export = {"grid": result}
        if cell is not None:
            chosen = (cfg, k, cell[1], cell[2], result)
else:
    obj = objective_cached(scene.objective)
    a, b = min(view.basin_a, n_runs), min(view.basin_b, n_runs)
    cfgs = basin_sweep_configs(scene, view, (obj.x_range, obj.y_range))
    results = [sw.cached_sweep(c, f"Basin map of run {k}")[0] for c, k in zip(cfgs, (a, b))]
    cell = sw.selected(view, results[0].shape, panels=2)
    labels = [f"run {a}: {ctx.labels[a - 1]}", f"run {b}: {ctx.labels[b - 1]}"]
    from figures.common import run_color

    figure = fsw.basin_figure(
        results, labels, view.basin_metric, selected=cell, minima=[(m.x, m.y) for m in obj.minima],
        minima_names=[f"{m.kind} ({m.x:.3g}, {m.y:.3g})" for m in obj.minima], style=style,
        colors=[run_color(scene.runs[a - 1].color), run_color(scene.runs[b - 1].color)])
    st.caption(" · ".join(f"{lab}: {fsw.cost_text(r)}" for lab, r in zip(("left", "right"), results)))
    exports.chart(figure, key=CHART_KEY, name="basins", on_select=partial(sw.on_select, CHART_KEY, "basin"),
                  selection_mode="points")
    result_for_export = {labels[0]: results[0], labels[1]: results[1]}
    if cell is not None:
        panel = cell[0]
        chosen = (cfgs[panel], (a, b)[panel], cell[1], cell[2], results[panel])

if chosen is not None:
    cfg, k, ix, iy, result = chosen
    target = sw.cell_target(scene, cfg, k, ix, iy)
    run = target.run_configs()[k - 1]
    with st.container(border=True):
        c1, c2 = st.columns([3, 2], vertical_alignment="center")
        with c1:
            hit = int(result.first_hit[iy, ix])
            status = ("diverged at step " + f"{int(result.diverged_at[iy, ix]):,}" if result.diverged[iy, ix]
                      else f"final distance {result.final_distance[iy, ix]:.3g}, "
                           + (f"within ε after {hit:,} steps" if hit >= 0 else "never within ε"))
            st.markdown(f"**Selected: {sw.cell_label(cfg, ix, iy)}** (run {k}) — {status}")
            st.caption(f"Start ({run.start[0]:.4g}, {run.start[1]:.4g}) · {run.steps:,} steps"
                       if run.start is not None else f"{run.steps:,} steps")
        with c2:
            st.button("Open on Trajectories", key="open_cell", type="primary", icon=":material/open_in_new:",
                      on_click=sw.open_on_trajectories, args=(target,), width="stretch")
            st.link_button("Link to this run (new tab)", sw.trajectories_url(target), icon=":material/link:",
                           width="stretch")
elif figure is not None:
    st.caption("Click a cell to select it.")

if ctx.flags.shows("exports") and figure is not None:
    exports.panel(
        PAGE, figures={"sweep": exports.FigureExport("Sweep" if view.mode == "grid" else "Basin maps",
                                                     lambda: figure)},
        data={"grid": exports.DataExport("Sweep grid", "sweep",
                                         lambda: {name: fsw.sweep_export_table(r)
                                                  for name, r in result_for_export.items()}, key="sweep",
                                         extra=lambda: {name: {"config": r.config.model_dump(mode="json"),
                                                               "elapsed_s": r.elapsed, "cost": r.cost}
                                                        for name, r in result_for_export.items()})},
        config=ctx.config(), restore=pagekit.restore(PAGE), lecture=ctx.flags.lecture)
pagekit.finish(ctx)
