"""Render a page's config into its figures and data tables without a browser or Streamlit (used by the
command-line exporter ``python -m figures``).

``render(page, config, style)`` → ``[Rendered(name, title, figure, tables, kind)]``: the same figure builders and
engine calls as the pages, so a slide made from the command line matches the app. ``config`` is the page's config
model — a ``ui.scene.Scene`` for the Trajectories page, ``ui.views.<Page>Page`` (scene + view) for the others —
exactly what the page's "Config (.json)" download holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import plotly.graph_objects as go

from .common import DEFAULT_STYLE, Style, run_color, surface_grid
from .export import kernel_summary, trajectory_table


@dataclass(frozen=True, eq=False)
class Rendered:
    name: str
    title: str
    figure: go.Figure
    tables: Mapping[str, Mapping[str, Any]]  # label → {column: array}
    kind: str  # data kind in JSON exports
    key: str = "run"  # CSV column that tells the tables apart
    extra: Mapping[str, Any] | None = None


def _labels(scene) -> list[str]:
    from ui import scene as sc

    return [sc.run_label(r, k, scene.runs) for k, r in enumerate(scene.runs, 1)]


def render_trajectories(scene, style: Style = DEFAULT_STYLE) -> list[Rendered]:
    from dynamics.objectives import get_objective
    from dynamics.simulate import simulate

    from .trajectories import RunView, curves_figure, internals_figure, map_figure, map_view

    trajs = [simulate(cfg) for cfg in scene.run_configs()]
    labels = _labels(scene)
    views = [RunView(traj, label, run_color(r.color), k)
             for k, (traj, label, r) in enumerate(zip(trajs, labels, scene.runs), 1)]
    objective = get_objective(scene.objective)
    view = map_view(objective, trajs)
    grid = surface_grid(objective.fn, objective.params, *view)
    glob = [m for m in objective.minima if m.kind == "global"] or list(objective.minima)
    f_star = min(float(objective.value(np.array([m.x, m.y]))) for m in glob) if glob else None
    t, focus = scene.resolved_t, scene.resolved_focus
    tables = {v.label: trajectory_table(v.traj) for v in views}
    extra = {"runs": [{"label": v.label, "color": v.color, "config": v.traj.config.model_dump(mode="json"),
                       "diverged_at": v.traj.diverged_at} for v in views]}
    return [
        Rendered("map", "Trajectories on the loss surface",
                 map_figure(views, grid, objective, view=view, t=t, focus=focus - 1, style=style, f_star=f_star),
                 tables, "trajectories", extra=extra),
        Rendered("curves", "Distance and loss", curves_figure(views, t=t, style=style, f_star=f_star), tables,
                 "trajectories", extra=extra),
        Rendered("internals", "Internals", internals_figure(views, t=t, style=style), tables, "trajectories",
                 extra=extra),
    ]


def render_kernels(config, style: Style = DEFAULT_STYLE) -> list[Rendered]:
    from . import kernels as fk

    scene, view = config.scene, config.view
    runs = [(label, cfg.optimizer) for label, cfg in zip(_labels(scene), scene.run_configs())]
    slots = [r.color for r in scene.runs]
    if view.figure == "fig3a":
        return [Rendered("fig3a", "Fig. 3a — single EMAs",
                         fk.fig3a_figure(t=view.fig3a_steps, log_x=view.log_x, log_y=view.log_y, style=style),
                         {"single EMAs": fk.fig3a_data(t=view.fig3a_steps)}, "fig3a", key="figure")]
    if view.figure == "fig23":
        data = fk.fig23_data(view.fig23_steps, view.fig23_eta_max)
        return [Rendered("fig23", "Fig. 23 — lr-weighted kernels",
                         fk.fig23_figure(view.fig23_steps, view.fig23_eta_max, log_y=view.log_y, style=style,
                                         data=data), data, "fig23", key="mix")]
    if view.figure == "fig31":
        return [Rendered("fig31", "Fig. 31 — nested EMA vs sum", fk.fig31_figure(style=style),
                         {"fig31": fk.fig31_data()}, "fig31", key="figure")]
    t = min(view.step or scene.steps, fk.MAX_LAG)
    if view.animate:
        fig = fk.kernel_animation_figure(runs, fk.animation_steps(max(t, 2), 30), slots=slots, log_x=view.log_x,
                                         log_y=view.log_y, components=view.components, style=style)
    else:
        fig = fk.kernel_figure(runs, t, slots=slots, log_x=view.log_x, log_y=view.log_y,
                               components=view.components, style=style)
    extra = {label: kernel_summary(k) for (label, _), k in zip(runs, fk.kernels_for(runs, t))}
    return [Rendered(f"kernels-t{t}", f"Kernels at t = {t:,}", fig, fk.kernel_table_for_export(runs, t), "kernels",
                     extra=extra)]


def render_schedules(config, style: Style = DEFAULT_STYLE) -> list[Rendered]:
    from . import schedules as fs

    scene, view = config.scene, config.view
    if view.figure == "fig7":
        return [Rendered("fig7", "Fig. 7 — β₃ schedulers", fs.fig7_figure(view.fig7_beta_start, style=style),
                         {"fig7": fs.fig7_table(view.fig7_beta_start)}, "fig7", key="figure")]
    runs = [(label, cfg.optimizer) for label, cfg in zip(_labels(scene), scene.run_configs())]
    fig = fs.schedules_figure(runs, scene.steps, slots=[r.color for r in scene.runs], log_x=view.log_x,
                              one_minus_beta=view.one_minus_beta, log_half_life=view.log_half_life, style=style)
    tables = fs.every_step_tables(runs, scene.steps)
    return [Rendered("schedules", f"Schedules over {scene.steps:,} steps", fig, tables, "schedules")]


def render_sweeps(config, style: Style = DEFAULT_STYLE, progress=None) -> list[Rendered]:
    from dynamics.objectives import get_objective
    from dynamics.sweeps import run_sweep
    from ui.views import basin_sweep_configs, grid_sweep_config, swept_run

    from . import sweeps as fsw

    scene, view = config.scene, config.view
    labels = _labels(scene)
    if view.mode == "grid":
        result = run_sweep(grid_sweep_config(scene, view), progress=progress)
        k = swept_run(scene, view)
        title = f"{fsw.METRICS[view.metric].short} — run {k}: {labels[k - 1]}"
        fig = fsw.sweep_heatmap_figure(result, view.metric, title=title, style=style)
        results = {"grid": result}
    else:
        obj = get_objective(scene.objective)
        a, b = min(view.basin_a, len(scene.runs)), min(view.basin_b, len(scene.runs))
        cfgs = basin_sweep_configs(scene, view, (obj.x_range, obj.y_range))
        pair = [run_sweep(c, progress=progress) for c in cfgs]
        names = [f"run {a}: {labels[a - 1]}", f"run {b}: {labels[b - 1]}"]
        fig = fsw.basin_figure(pair, names, view.basin_metric, minima=[(m.x, m.y) for m in obj.minima],
                               minima_names=[f"{m.kind} ({m.x:.3g}, {m.y:.3g})" for m in obj.minima], style=style,
                               colors=[run_color(scene.runs[a - 1].color), run_color(scene.runs[b - 1].color)])
        results = dict(zip(names, pair))
    tables = {name: fsw.sweep_export_table(r) for name, r in results.items()}
    extra = {name: {"config": r.config.model_dump(mode="json"), "elapsed_s": r.elapsed, "cost": r.cost,
                    "cost_text": fsw.cost_text(r)} for name, r in results.items()}
    return [Rendered("sweep" if view.mode == "grid" else "basins", "Sweep" if view.mode == "grid" else "Basin maps",
                     fig, tables, "sweep", key="sweep", extra=extra)]


RENDERERS = {"trajectories": render_trajectories, "kernels": render_kernels, "schedules": render_schedules,
             "sweeps": render_sweeps}


def render(page: str, config: Any, style: Style = DEFAULT_STYLE) -> list[Rendered]:
    """All figures of ``page`` for ``config`` (the first one is the page's main figure)."""
    if page not in RENDERERS:
        raise ValueError(f"unknown page {page!r}; pages: {', '.join(RENDERERS)}")
    return RENDERERS[page](config, style)
