"""Sweep figures: the heatmap shows the sweep's numbers, diverged/never cells are separate layers, a clicked cell
maps back to its configuration, and that cell equals a direct ``simulate`` of it."""
import math

import numpy as np
import plotly.graph_objects as go
import pytest

import dynamics
from dynamics.config import ObjectiveConfig, OptimizerConfig, RunConfig, SweepAxis, SweepConfig
from dynamics.objectives import get_objective
from dynamics.sweeps import cell_config, run_sweep
from figures.export import table_from_csv, table_to_csv
from figures.style import DEFAULT_STYLE
from figures.sweeps import (
    DIVERGED_COLOR,
    NEVER_COLOR,
    axis_ticks,
    basin_figure,
    cost_text,
    count_text,
    metric_grid,
    selected_cell,
    sweep_export_table,
    sweep_heatmap_figure,
    sweep_line_figure,
)
from figures.sweeps import _log_colorbar


@pytest.fixture(scope="module")
def momentum_sweep():
    """lr × β1 for heavy-ball momentum on Rosenbrock: the large learning rates diverge, some cells converge."""
    cfg = SweepConfig(
        base=RunConfig(optimizer=OptimizerConfig(name="sgd_momentum", lr=1e-3), steps=400),
        x=SweepAxis(param="lr", low=1e-4, high=3e-2, num=9, log=True),
        y=SweepAxis(param="beta1", low=0.0, high=0.95, num=5), tolerance=0.05)
    return run_sweep(cfg)


def heatmaps(fig):
    return [tr for tr in fig.data if isinstance(tr, go.Heatmap)]


def cells_trace(fig):
    return next(tr for tr in fig.data if isinstance(tr.meta, dict) and tr.meta.get("role") == "cells")


def test_heatmap_values_are_the_sweep_metric(momentum_sweep):
    r = momentum_sweep
    assert r.diverged.any() and (~r.diverged).any()
    fig = sweep_heatmap_figure(r, "final_distance")
    main = heatmaps(fig)[0]
    z = np.asarray(main.z, dtype=float)
    expected = np.log10(np.maximum(r.final_distance, 1e-16))
    ok = ~r.diverged
    np.testing.assert_allclose(z[ok], expected[ok], rtol=1e-12)
    assert np.all(np.isnan(z[r.diverged]))  # diverged cells are not on the colour scale...
    diverged_layer = next(tr for tr in heatmaps(fig) if tr.name == "diverged")
    assert diverged_layer.colorscale[0][1] == DIVERGED_COLOR  # ...but a separate red layer
    np.testing.assert_array_equal(~np.isnan(np.asarray(diverged_layer.z, dtype=float)), r.diverged)
    legend = [tr.name for tr in fig.data if isinstance(tr, go.Scatter) and tr.x == (None,)]
    assert f"diverged ({int(r.diverged.sum())})" in legend


def test_first_hit_never_cells_are_grey(momentum_sweep):
    r = momentum_sweep
    fig = sweep_heatmap_figure(r, "first_hit")
    never = next(tr for tr in heatmaps(fig) if tr.name == "never reached ε")
    assert never.colorscale[0][1] == NEVER_COLOR
    mask = ~np.isnan(np.asarray(never.z, dtype=float))
    np.testing.assert_array_equal(mask, (r.first_hit < 0) & ~r.diverged)
    grid = metric_grid(r, "first_hit")
    hit = r.first_hit >= 0
    np.testing.assert_array_equal(grid[hit & ~r.diverged], r.first_hit[hit & ~r.diverged])


def test_cells_are_clickable_and_map_back_to_their_config(momentum_sweep):
    r = momentum_sweep
    fig = sweep_heatmap_figure(r, "final_distance", selected=(2, 3))
    cells = cells_trace(fig)
    ny, nx = r.final_loss.shape
    assert len(cells.x) == nx * ny
    custom = np.asarray(cells.customdata)
    k = 3 * nx + 2
    assert (cells.x[k], cells.y[k]) == (2, 3) and tuple(custom[k, :2]) == (2, 3)
    assert custom[k, 2] == pytest.approx(r.x_values[2]) and custom[k, 3] == pytest.approx(r.y_values[3])
    # Streamlit's selection event → cell → the exact RunConfig → simulate gives the same final distance.
    event = {"selection": {"points": [{"x": 2, "y": 3, "customdata": custom[k].tolist(), "curve_number": 5}]}}
    panel, ix, iy = selected_cell(event)
    assert (panel, ix, iy) == (0, 2, 3)
    run = cell_config(r.config, ix, iy)
    assert run.optimizer.lr == pytest.approx(r.x_values[2]) and run.optimizer.beta1 == pytest.approx(r.y_values[3])
    traj = dynamics.simulate(run)
    assert traj.distance[traj.last_finite_step] == pytest.approx(r.final_distance[iy, ix], rel=1e-9, abs=1e-12)
    # The selected cell is outlined.
    assert any(tr.name == "selected cell" and tuple(tr.x) == (2,) for tr in fig.data)


def test_selected_cell_ignores_non_cells():
    assert selected_cell(None) is None
    assert selected_cell({"selection": {"points": []}}) is None
    assert selected_cell({"selection": {"points": [{"x": 1, "y": 2}]}}) is None
    assert selected_cell({"points": [{"customdata": [4, 5, 0.1, 0, 0, 0, 0, 0, 1]}]}) == (1, 4, 5)
    assert selected_cell({"points": [{"customdata": [4, 5, 0.1]}]}) == (0, 4, 5)
    # plotly.js sends a row of a typed array as an object with string keys
    as_object = {str(i): v for i, v in enumerate([7, 2, 0.5, 0.9, 1e-3, 12, 0.1, -1, 1])}
    assert selected_cell({"selection": {"points": [{"customdata": as_object}]}}) == (1, 7, 2)
    assert selected_cell({"points": [{"customdata": {"a": 1, "b": 2}}]}) is None


def test_axis_ticks():
    pos, labels = axis_ticks(np.geomspace(1e-4, 1.0, 41), log=True)
    assert labels[0] == "0.0001" and labels[-1] == "1"
    assert pos[0] == pytest.approx(0) and pos[-1] == pytest.approx(40)
    pos, labels = axis_ticks(np.linspace(0.99, 0.9999, 24), log=False)
    assert labels[0] == "0.99" and all(0 <= p <= 23 for p in pos)
    for p, lab in zip(pos, labels):  # each tick sits where its value is on the index axis
        assert 0.99 + p / 23 * (0.9999 - 0.99) == pytest.approx(float(lab), abs=1e-9)
    assert axis_ticks(np.array([3.0]), log=False) == ([0.0], ["3"])


def test_colour_bar_ticks_share_one_format_and_axis_titles_use_subscripts(momentum_sweep):
    """A log colour bar over many decades labels every tick as a power of ten (the α × β₃ sweep's bar mixed "10",
    "0.1" and "10⁻³"); a short one labels them all as plain numbers."""
    wide = _log_colorbar(np.array([-7.3, 1.2]), "final distance", DEFAULT_STYLE)
    assert wide["ticktext"] == [f"10<sup>{k}</sup>" for k in (-7, -5, -3, -1, 1)]
    fig = sweep_heatmap_figure(momentum_sweep, "final_distance")
    bar = heatmaps(fig)[0].colorbar
    assert bar.ticktext and all("<sup>" not in t for t in bar.ticktext), bar.ticktext
    steps = _log_colorbar(np.log10([150.0, 9000.0]), "steps to ε", DEFAULT_STYLE, " steps")
    assert "1,000 steps" in steps["ticktext"]
    # Axis titles spell the quantities as the sidebar does (β₁, not β1).
    assert fig.layout.yaxis.title.text == "β₁" and fig.layout.xaxis.title.text == "learning rate η (log)"


def test_cost_text_and_export(momentum_sweep):
    r = momentum_sweep
    text = cost_text(r)
    assert text.startswith("9 × 5 = 45 runs × 400 steps = 18,000 optimizer steps in ")
    assert count_text(5_120_000) == "5.1 million" and count_text(163_840_000) == "164 million"
    assert count_text(1_000_000) == "1 million" and count_text(2_000_000_000) == "2 billion"
    assert count_text(999_999) == "999,999"
    table = sweep_export_table(r)
    assert list(table)[:4] == ["ix", "iy", "lr", "beta1"]
    assert table["final_distance"].size == 45
    back = table_from_csv(table_to_csv(table))
    for name in table:
        np.testing.assert_array_equal(np.asarray(back[name]), np.asarray(table[name]))


def test_one_dimensional_sweep_is_a_line():
    cfg = SweepConfig(base=RunConfig(optimizer=OptimizerConfig(alpha=5.0), steps=200),
                      x=SweepAxis(param="alpha", low=0.0, high=10.0, num=6))
    r = run_sweep(cfg)
    fig = sweep_heatmap_figure(r, "final_distance")
    assert not heatmaps(fig)
    line = cells_trace(fig)
    np.testing.assert_allclose(line.x, r.x_values)
    np.testing.assert_allclose(line.y, r.final_distance[0])
    assert sweep_line_figure(r, "first_hit", selected=2).data[-1].name == "selected"


def test_basin_maps_side_by_side():
    obj = ObjectiveConfig(name="trap")
    o = get_objective(obj)
    results = []
    for opt in (OptimizerConfig(name="adam", lr=0.02), OptimizerConfig(name="ademamix", lr=0.02, beta3=0.999)):
        results.append(run_sweep(SweepConfig(
            base=RunConfig(objective=obj, optimizer=opt, steps=300), tolerance=0.05,
            x=SweepAxis(param="start_x", low=-1.5, high=1.5, num=12),
            y=SweepAxis(param="start_y", low=-3.0, high=6.0, num=10))))
    fig = basin_figure(results, ["Adam", "AdEMAMix"], "first_hit", minima=[(m.x, m.y) for m in o.minima],
                       selected=(1, 3, 4))
    cells = [tr for tr in fig.data if isinstance(tr.meta, dict) and tr.meta.get("role") == "cells"]
    assert [tr.meta["panel"] for tr in cells] == [0, 1] and cells[1].xaxis == "x2"
    assert np.all(np.asarray(cells[1].customdata)[:, 8] == 1)
    assert fig.layout.coloraxis.colorscale  # one shared colour scale
    stars = [tr for tr in fig.data if tr.name == "minimum"]
    assert len(stars) == 4  # two minima in each panel
    # The global minimum (1, 4) on the index axes of a 12 × 10 grid over [-1.5, 1.5] × [-3, 6].
    assert stars[0].x[0] == pytest.approx((1 + 1.5) / 3 * 11) and stars[0].y[0] == pytest.approx(7 / 9 * 9)
    assert any(tr.name == "selected cell" and tr.xaxis == "x2" for tr in fig.data)
    legend = [tr.name for tr in fig.data if isinstance(tr, go.Scatter) and tr.x == (None,)]
    assert any(name.startswith("diverged (") and " / " in name for name in legend)
    minimum = basin_figure(results, ["Adam", "AdEMAMix"], "minimum", minima_names=["global", "local"])
    assert any(tr.name == "ended at local" for tr in minimum.data)
    assert not math.isnan(metric_grid(results[0], "minimum")[~results[0].diverged].size)
