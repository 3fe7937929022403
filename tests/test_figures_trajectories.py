"""Unit tests of the Trajectories figure builders (figures.common, figures.trajectories, figures.explain).

They check figure *data* against the engine: path endpoints, markers, arrows, scrub markers, divergence markers,
log-spaced contour levels, decimation fidelity and payload size.
"""
from __future__ import annotations

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest

from dynamics import ObjectiveConfig, OptimizerConfig, RunConfig, get_objective, simulate
from figures.common import (
    MINIMUM_COLOR, RUN_COLORS, decimate_path, decimate_series, log_scale_for, pow10_labels, run_color, stacked_width,
    subplot_grid, surface_grid,
)
from figures.explain import explain_step, tex_num
from figures.trajectories import (
    CLICK_GRID, RunView, curves_figure, internal_series, internals_figure, map_figure, map_view, run_status,
    step_vectors,
)

ROSEN = ObjectiveConfig()
START = (-3.0, 5.0)


def _run(name="adam", steps=2000, objective=ROSEN, start=START, **opt) -> object:
    return simulate(RunConfig(objective=objective, optimizer=OptimizerConfig(name=name, **opt), start=start,
                              steps=steps))


@pytest.fixture(scope="module")
def pair():
    adam = _run("adam", lr=0.02)
    ademamix = _run("ademamix", lr=0.01, alpha=5.0, beta3=0.999)
    return [RunView(adam, "Adam", run_color(0), 1), RunView(ademamix, "AdEMAMix", run_color(1), 2)]


@pytest.fixture(scope="module")
def diverging():
    traj = _run("sgd_momentum", steps=200, lr=0.01, beta1=0.9)
    assert traj.diverged_at is not None
    return RunView(traj, "SGD", run_color(2), 3)


def _grid_for(runs, objective_cfg=ROSEN):
    obj = get_objective(objective_cfg)
    view = map_view(obj, [r.traj for r in runs])
    return obj, view, surface_grid(obj.fn, obj.params, *view, n=61)


def _trace(fig: go.Figure, name: str):
    hits = [t for t in fig.data if t.name == name]
    assert hits, f"no trace named {name!r}; have {[t.name for t in fig.data]}"
    return hits[0]


def _max_deviation(points: np.ndarray, kept: np.ndarray) -> float:
    """Largest distance of any point to the polyline through ``points[kept]`` segment it belongs to."""
    worst = 0.0
    for a, b in zip(kept[:-1], kept[1:]):
        p, q = points[a], points[b]
        seg = points[a:b + 1]
        d = q - p
        n2 = float(d @ d)
        if n2 == 0:
            dist = np.hypot(*(seg - p).T)
        else:
            u = np.clip(((seg - p) @ d) / n2, 0.0, 1.0)
            dist = np.hypot(*(seg - (p + u[:, None] * d)).T)
        worst = max(worst, float(dist.max()))
    return worst


# ------------------------------------------------------------------------------------------------ common


def test_palette_is_okabe_ito_and_slot_stable():
    assert RUN_COLORS[:3] == ("#0072B2", "#D55E00", "#009E73")
    assert len(set(RUN_COLORS)) == 8
    assert run_color(9) == run_color(1)


def test_decimate_path_keeps_ends_and_is_faithful_within_tolerance():
    rng = np.random.default_rng(0)
    s = np.linspace(0.0, 1.0, 20_000)
    walk = np.stack([s * np.cos(20 * np.pi * s), s * np.sin(20 * np.pi * s)], axis=1)  # a spiral …
    walk += rng.normal(scale=3e-4, size=walk.shape)  # … with jitter below the tolerance
    spans = np.ptp(walk, axis=0)
    tol = 2e-3
    idx = decimate_path(walk, max_points=20_000, tolerance=tol, spans=tuple(spans))
    assert idx[0] == 0 and idx[-1] == len(walk) - 1
    assert np.all(np.diff(idx) > 0)
    assert len(idx) < len(walk) / 2  # it actually decimates
    assert _max_deviation(walk / spans, idx) <= tol * (1 + 1e-9)


def test_decimate_path_respects_the_point_budget_on_a_long_run():
    traj = _run("adam", steps=100_000, lr=0.01, beta1=0.9999)  # long, oscillating
    idx = decimate_path(traj.params, max_points=3000, tolerance=1e-4, spans=(7.0, 12.0))
    assert len(idx) <= 3000
    assert idx[0] == 0 and idx[-1] == 100_000


def test_decimate_series_keeps_envelope_and_bounds_size():
    n = 100_000
    t = np.arange(n)
    values = np.sin(t / 3.0) * np.exp(-t / 30_000)  # fast oscillation under a slow envelope
    idx = decimate_series(n, values, bins=400, dense=100)
    assert len(idx) <= 100 + 2 * 400 + 1
    assert idx[0] == 0 and idx[-1] == n - 1
    assert values[idx].max() == pytest.approx(values.max())
    assert values[idx].min() == pytest.approx(values.min())
    # every log bin keeps its own extremes: the decimated max over the last decade matches the true one
    tail = idx[idx >= 10_000]
    assert values[tail].max() == pytest.approx(values[10_000:].max(), rel=5e-3)  # up to the bin at 10⁴


def test_log_levels_and_colorbar_ticks():
    obj = get_objective(ROSEN)
    grid = surface_grid(obj.fn, obj.params, obj.x_range, obj.y_range, n=61)
    scale = log_scale_for(grid.z, f_star=0.0)
    assert scale.known_minimum and scale.offset == 0.0
    assert scale.hi == pytest.approx(math.log10(np.nanmax(grid.z)))
    assert scale.hi - scale.lo <= 6.0 + 1e-9
    runs = []
    fig = map_figure(runs, grid, obj, view=(obj.x_range, obj.y_range), f_star=0.0)
    contour = fig.data[0]
    assert contour.type == "contour"
    assert contour.contours.size == pytest.approx(1 / 3)  # three levels per decade
    z = np.asarray(contour.z, dtype=np.float64)
    expected = np.log10(np.maximum(grid.z, 10 ** (scale.lo - 1)))
    np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5)
    assert contour.colorbar.ticktext == ("10", "100", "1,000", "10,000")  # one format on the whole bar
    # The bar has an outline: its lowest levels are nearly white, and the level lines across them must not look like
    # stray dashes below the bar.
    assert contour.colorbar.outlinewidth >= 1 and contour.colorbar.outlinecolor


def test_log_tick_labels_use_one_format_per_bar():
    assert pow10_labels([-2, -1, 0, 1, 2]) == ["0.01", "0.1", "1", "10", "100"]
    assert pow10_labels([1, 2, 3, 4]) == ["10", "100", "1,000", "10,000"]
    # One tick outside the plain range: every tick a power of ten (no "10" beside "10⁻³").
    assert pow10_labels([-3, -1, 1]) == ["10<sup>-3</sup>", "10<sup>-1</sup>", "10<sup>1</sup>"]
    assert pow10_labels([-7, -5, -3, -1, 1]) == [f"10<sup>{k}</sup>" for k in (-7, -5, -3, -1, 1)]
    assert pow10_labels([math.log10(2e-4), -3]) == ["2×10<sup>-4</sup>", "10<sup>-3</sup>"]
    assert pow10_labels([math.log10(0.2), math.log10(5)]) == ["0.2", "5"]
    assert pow10_labels([math.log10(9.999e-4)]) == ["10<sup>-3</sup>"]  # 9.999×10⁻⁴ rounds up a decade


def test_stacked_width_earlier_runs_wider():
    assert stacked_width(0, 1, 2.0) == 2.0
    widths = [stacked_width(k, 4, 2.0) for k in range(4)]
    assert widths[0] == pytest.approx(3.6) and widths[-1] == 2.0 and widths == sorted(widths, reverse=True)


def test_subplot_grid_domains_are_valid():
    cells, layout = subplot_grid(2, 3, titles=list("abcdef"))
    assert cells[1][2].x == "x6" and cells[1][2].yaxis == "yaxis6"
    for key, axis in layout.items():
        if key.endswith("axis") or key[-1].isdigit():
            lo, hi = axis["domain"]
            assert 0.0 <= lo < hi <= 1.0
    assert len(layout["annotations"]) == 6


# ------------------------------------------------------------------------------------------------ map


def test_map_paths_end_where_the_engine_ends(pair):
    obj, view, grid = _grid_for(pair)
    fig = map_figure(pair, grid, obj, view=view, t=100, focus=1, f_star=0.0)
    for run in pair:
        path = _trace(fig, run.label)
        x, y = np.asarray(path.x), np.asarray(path.y)
        np.testing.assert_allclose([x[0], y[0]], run.traj.params[0], rtol=1e-6)
        np.testing.assert_allclose([x[-1], y[-1]], run.traj.final_params, rtol=1e-5, atol=1e-6)
        steps = np.asarray(path.customdata)[:, 0]
        assert steps[0] == 0 and steps[-1] == run.traj.steps
        end = _trace(fig, f"{run.label}: end")
        np.testing.assert_allclose([end.x[0], end.y[0]], run.traj.final_params, rtol=1e-5, atol=1e-6)
        cur = _trace(fig, f"{run.label}: step 100")
        np.testing.assert_allclose([cur.x[0], cur.y[0]], run.traj.params[100], rtol=1e-5, atol=1e-6)
    start = _trace(fig, "start")
    assert (start.x[0], start.y[0]) == START
    assert _trace(fig, "global minimum").x[0] == 1.0


def test_map_minima_are_filled_stars_told_apart_by_fill():
    """Global minimum: a black star; local: a white star with a dark outline (an open white star was invisible on
    the light map and in the legend)."""
    trap = ObjectiveConfig(name="trap")
    runs = [RunView(_run("adam", steps=50, objective=trap, start=(0.3, 1.5), lr=0.003), "Adam", run_color(0), 1)]
    obj, view, grid = _grid_for(runs, trap)
    fig = map_figure(runs, grid, obj, view=view, f_star=0.0)
    glob, local = _trace(fig, "global minimum"), _trace(fig, "local minimum")
    assert (glob.x[0], glob.y[0]) == (1.0, 4.0)
    assert local.x[0] == pytest.approx(-17 / 26) and local.y[0] == 4.0
    for trace in (glob, local):
        assert trace.marker.symbol == "star" and trace.showlegend  # filled: the fill shows in the legend too
        assert trace.marker.line.color == MINIMUM_COLOR and trace.marker.line.width >= 1
    assert glob.marker.color == MINIMUM_COLOR and local.marker.color == "white"


def test_map_click_grid_is_invisible_and_covers_the_view(pair):
    obj, view, grid = _grid_for(pair)
    fig = map_figure(pair, grid, obj, view=view, t=10, focus=0)
    clicks = _trace(fig, "click-grid")
    assert clicks.marker.opacity == 0 and clicks.hoverinfo == "none"
    assert len(clicks.x) == CLICK_GRID**2
    (x0, x1), (y0, y1) = view
    assert min(clicks.x) == pytest.approx(x0) and max(clicks.x) == pytest.approx(x1)
    assert min(clicks.y) == pytest.approx(y0) and max(clicks.y) == pytest.approx(y1)


def test_map_arrows_point_along_the_engine_vectors(pair):
    obj, view, grid = _grid_for(pair)
    t = 250
    fig = map_figure(pair, grid, obj, view=view, t=t, focus=1)
    run = pair[1]
    vec = step_vectors(run.traj, t)
    arrows = [tr for tr in fig.data if getattr(tr, "legend", None) == "legend2"]
    assert len(arrows) == 4  # −g, −m̂₁, −α·m₂, Δθ for the AdEMAMix run
    for tr in arrows:
        x, y = np.asarray(tr.x, np.float64), np.asarray(tr.y, np.float64)
        np.testing.assert_allclose([x[0], y[0]], run.traj.params[t - 1], rtol=1e-5, atol=1e-6)
        drawn = np.array([x[1] - x[0], y[1] - y[0]])
        key = {"−g": "grad", "−m̂₁": "fast", "−α·m₂": "slow"}.get(tr.name, "update")
        true = vec[key]
        cos = drawn @ true / (np.linalg.norm(drawn) * np.linalg.norm(true))
        assert cos == pytest.approx(1.0, abs=1e-4), tr.name
    assert any(tr.name.startswith("Δθ (×") for tr in arrows)  # the scale is stated in the legend
    assert "drawn ×" in fig.layout.legend2.title.text


def test_adam_focus_has_no_slow_arrow(pair):
    obj, view, grid = _grid_for(pair)
    fig = map_figure(pair, grid, obj, view=view, t=50, focus=0)
    names = [tr.name for tr in fig.data if getattr(tr, "legend", None) == "legend2"]
    assert "−α·m₂" not in names and "−g" in names


def test_divergence_is_marked_with_step_and_reason(pair, diverging):
    runs = pair + [diverging]
    obj, view, grid = _grid_for(runs)
    (x0, x1), (y0, y1) = view
    assert view == _grid_for(pair)[1]  # a diverged run does not move the view
    fig = map_figure(runs, grid, obj, view=view, t=3, focus=2)
    cross = _trace(fig, "SGD: diverged")
    assert cross.marker.symbol == "x"
    assert f"step {diverging.traj.diverged_at}" in cross.hovertemplate
    assert diverging.traj.divergence_reason in cross.hovertemplate
    assert x0 <= cross.x[0] <= x1 and y0 <= cross.y[0] <= y1  # clipped into view, said so in the hover
    assert "outside the view" in cross.hovertemplate
    assert _trace(fig, "Adam: end")  # the other runs are unaffected
    status = run_status(diverging.traj)
    assert status.kind == "diverged" and status.step == diverging.traj.diverged_at


def test_view_grows_for_runs_that_leave_the_box_but_is_capped():
    obj = get_objective(ROSEN)
    far = _run("sgd_momentum", steps=300, lr=2e-4, beta1=0.9)  # swings wide but stays finite
    assert far.diverged_at is None
    (x0, x1), (y0, y1) = map_view(obj, [far])
    assert x0 <= obj.x_range[0] and x1 >= obj.x_range[1] and y0 <= obj.y_range[0] and y1 >= obj.y_range[1]
    assert x1 - x0 <= 7 * 7.0 + 1e-9 and y1 - y0 <= 7 * 12.0 + 1e-9  # at most 3× the box on each side


def test_long_runs_stay_small_on_the_wire():
    long = [RunView(_run("adam", steps=100_000, lr=0.01), "Adam", run_color(0), 1),
            RunView(_run("ademamix", steps=100_000, lr=0.005, alpha=5.0), "AdEMAMix", run_color(1), 2)]
    obj, view, grid = _grid_for(long)
    figs = [map_figure(long, grid, obj, view=view, t=5000, focus=1), curves_figure(long, t=5000, f_star=0.0),
            internals_figure(long, t=5000)]
    total = sum(len(f.to_json()) for f in figs)
    assert total < 1_500_000, f"{total / 1e6:.2f} MB of JSON"
    for f in figs:
        for tr in f.data:
            if tr.type == "scatter" and tr.x is not None:
                assert len(tr.x) <= 3100


# ------------------------------------------------------------------------------------------------ curves & internals


def test_curves_are_log_log_with_scrub_markers(pair):
    t = 300
    fig = curves_figure(pair, t=t, f_star=0.0)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis2.type == "log" and fig.layout.yaxis2.type == "log"
    for run in pair:
        dist = [tr for tr in fig.data if tr.name == run.label][0]
        x = np.asarray(dist.x)
        assert x[0] == 1 and x[-1] == run.traj.steps  # step 0 has no place on a log axis
        marks = [tr for tr in fig.data if tr.name == f"{run.label}: step {t}"]
        assert len(marks) == 2
        assert marks[0].y[0] == pytest.approx(run.traj.distance[t], rel=1e-6)
        assert marks[1].y[0] == pytest.approx(run.traj.loss[t], rel=1e-6)
    assert {s.x0 for s in fig.layout.shapes} == {t}


def test_curves_mark_divergence(pair, diverging):
    fig = curves_figure(pair + [diverging], t=2, f_star=0.0)
    crosses = [tr for tr in fig.data if tr.name == "SGD: diverged"]
    assert len(crosses) == 2 and all(tr.x[0] == diverging.traj.last_finite_step for tr in crosses)


def test_internals_panels_and_slow_ema_only_for_ademamix(pair):
    fig = internals_figure(pair, t=100)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:6] == ["‖m̂₁‖ (fast EMA)", "‖α·m₂‖ (slow EMA)", "cos(m̂₁, m₂)", "update norm ‖Δθ‖", "α(t)",
                          "β₃(t)"]
    adam_axes = {tr.yaxis for tr in fig.data if tr.name == "Adam"}
    ademamix_axes = {tr.yaxis for tr in fig.data if tr.name == "AdEMAMix"}
    assert adam_axes == {"y", "y4"}  # ‖m̂₁‖ and ‖Δθ‖ only
    assert ademamix_axes == {"y", "y2", "y3", "y4", "y5", "y6"}
    series = internal_series(pair[1].traj)
    slow = [tr for tr in fig.data if tr.name == "AdEMAMix" and tr.yaxis == "y2"][0]
    idx = np.asarray(slow.x, dtype=np.int64)
    np.testing.assert_allclose(np.asarray(slow.y), series["slow_norm"][idx], rtol=1e-5)
    assert np.all(np.abs(series["cos"][1:]) <= 1.0 + 1e-12)


# ------------------------------------------------------------------------------------------------ status & explanation


def test_run_status_kinds():
    converged = _run("adam", steps=20_000, lr=0.02)
    assert run_status(converged).kind == "converged"
    far = _run("adam", steps=100, lr=0.001)
    s = run_status(far)
    assert s.kind == "far" and "final distance" in s.text


@pytest.mark.parametrize("name,extra", [
    ("adam", {}), ("adamw", {"weight_decay": 0.1}), ("ademamix", {"t_alpha_beta3": 500, "weight_decay": 0.01}),
    ("simplified_ademamix", {"alpha": 2.0}), ("sgd_momentum", {"lr": 1e-4}), ("nesterov", {"lr": 1e-4}),
    ("ademamix", {"bias_correction": False}),
])
def test_explanation_numbers_reproduce_the_engine_update(name, extra):
    kwargs = {"lr": 1e-3} | extra
    traj = _run(name, steps=400, **kwargs)
    for t in (1, 7, 399):
        ex = explain_step(traj, t)
        assert ex.filled is not None and ex.step == t
        np.testing.assert_allclose(ex.recomputed, ex.recorded, rtol=1e-9, atol=1e-15)
        assert ex.filled.startswith(r"\begin{aligned}")
    assert explain_step(traj, 0).filled is None


def test_tex_numbers():
    assert tex_num(0.0123) == "0.0123"
    assert tex_num(1.5e-5) == r"1.5{\times}10^{-5}"
    assert tex_num(float("nan")) == r"\mathrm{NaN}"


def test_figures_are_json_serialisable(pair):
    obj, view, grid = _grid_for(pair)
    for fig in (map_figure(pair, grid, obj, view=view, t=5, focus=1), curves_figure(pair, t=5),
                internals_figure(pair, t=5)):
        spec = json.loads(fig.to_json())
        assert spec["data"] and spec["layout"]


def test_short_log_axes_get_unambiguous_one_two_five_labels():
    """Under two decades the y ticks are 1-2-5 values with full labels (0.5 and 5 must not both read "5")."""
    from figures.trajectories import _log_ticks
    from types import SimpleNamespace

    trace = SimpleNamespace(yaxis="y", y=np.array([0.13, 0.9, 5.7]))
    ticks = _log_ticks([trace], SimpleNamespace(y="y"))
    assert ticks["tickvals"] == pytest.approx([0.2, 0.5, 1.0, 2.0, 5.0])  # within the data's range
    assert ticks["ticktext"] == ["0.2", "0.5", "1", "2", "5"]
    wide = SimpleNamespace(yaxis="y", y=np.array([1e-4, 10.0]))
    assert _log_ticks([wide], SimpleNamespace(y="y")) == {}
