"""run_sweep against simulate: every checked cell is the run `simulate(cell_config(...))` makes."""
import numpy as np
import pytest
from pydantic import ValidationError

from dynamics import SweepAxis, SweepConfig, cell_config, get_objective, run_sweep, simulate, sweeps

ROSENBROCK_ADEMAMIX = SweepConfig(
    base={"optimizer": {"name": "ademamix", "lr": 0.02, "beta3": 0.999, "t_alpha_beta3": 500},
          "steps": 3000, "start": (-1.5, 2.0)},
    x=SweepAxis(param="alpha", low=0.5, high=12.0, num=5),
    y=SweepAxis(param="beta3", low=0.99, high=0.9995, num=3),
    tolerance=1e-2,
)
# Heavy ball diverges (to inf) for the larger learning rates: Adam-type steps are bounded and never do.
DIVERGING_SGD = SweepConfig(
    base={"optimizer": {"name": "sgd_momentum"}, "steps": 500, "start": (-1.5, 2.0)},
    x=SweepAxis(param="lr", low=1e-4, high=1e-2, num=5, log=True),
    y=SweepAxis(param="beta1", low=0.0, high=0.95, num=3),
    tolerance=1e-2,
)
HIMMELBLAU_BASINS = SweepConfig(
    base={"objective": {"name": "himmelblau"}, "optimizer": {"name": "adam", "lr": 0.05}, "steps": 1000},
    x=SweepAxis(param="start_x", low=-5.0, high=5.0, num=6),
    y=SweepAxis(param="start_y", low=-5.0, high=5.0, num=5),
)


def expected_cell(cfg: SweepConfig, ix: int, iy: int) -> dict:
    """The metrics of one cell, computed from the full trajectory of `simulate`."""
    traj = simulate(cell_config(cfg, ix, iy))
    hits = np.flatnonzero(traj.distance <= cfg.tolerance)
    last = traj.last_finite_step
    point = traj.params[last] if last >= 0 else np.full(2, np.nan)
    minima = traj.objective.minima_array
    distances = np.sqrt(((point - minima) ** 2).sum(-1))
    return dict(
        final_point=point, final_loss=traj.loss[last] if last >= 0 else np.nan,
        final_distance=distances.min() if len(minima) else np.nan,
        nearest_minimum=int(np.argmin(distances)) if len(minima) and last >= 0 else -1,
        first_hit=int(hits[0]) if hits.size else -1,
        diverged_at=-1 if traj.diverged_at is None else traj.diverged_at,
    )


def assert_cell_matches(result, ix: int, iy: int):
    want = expected_cell(result.config, ix, iy)
    got = {name: getattr(result, name)[iy, ix] for name in want}
    np.testing.assert_allclose(got["final_point"], want["final_point"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["final_loss"], want["final_loss"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["final_distance"], want["final_distance"], rtol=1e-9, atol=1e-12)
    for name in ("nearest_minimum", "first_hit", "diverged_at"):
        assert got[name] == want[name], (name, ix, iy)
    assert result.diverged[iy, ix] == (want["diverged_at"] >= 0)


def all_cells(result):
    ny, nx = result.shape
    return [(ix, iy) for iy in range(ny) for ix in range(nx)]


def test_alpha_beta3_grid_matches_simulate_cell_by_cell():
    result = run_sweep(ROSENBROCK_ADEMAMIX)
    assert result.shape == (3, 5)
    assert (result.first_hit >= 0).any() and not result.diverged.any()
    for ix, iy in all_cells(result):
        assert_cell_matches(result, ix, iy)


def test_diverging_cells_are_frozen_at_their_last_finite_step():
    result = run_sweep(DIVERGING_SGD)
    assert result.diverged.any() and not result.diverged.all()
    assert np.isfinite(result.final_point).all() and np.isfinite(result.final_loss).all()
    for ix, iy in all_cells(result):
        assert_cell_matches(result, ix, iy)


def test_basin_map_on_himmelblau_matches_simulate():
    result = run_sweep(HIMMELBLAU_BASINS)
    assert result.shape == (5, 6)
    assert len(set(result.nearest_minimum.ravel())) >= 3  # several basins show up
    for ix, iy in all_cells(result):
        assert_cell_matches(result, ix, iy)


def test_start_sweep_without_a_base_start_uses_the_objective_default():
    cfg = SweepConfig(base={"steps": 200}, x=SweepAxis(param="start_y", low=1.0, high=3.0, num=3))
    default = get_objective(cfg.base.objective).default_start
    assert cell_config(cfg, 2).start == (default[0], 3.0)
    assert_cell_matches(run_sweep(cfg), 2, 0)


def test_1d_learning_rate_sweep():
    cfg = SweepConfig(base={"optimizer": {"name": "adam"}, "steps": 2000, "start": (-1.5, 2.0)},
                      x=SweepAxis(param="lr", low=1e-3, high=0.3, num=7, log=True))
    result = run_sweep(cfg)
    assert result.shape == (1, 7) and result.y_values is None
    np.testing.assert_allclose(result.x_values, np.geomspace(1e-3, 0.3, 7))
    assert result.cost == 7 * 2000 and result.elapsed > 0
    for ix in range(7):
        assert_cell_matches(result, ix, 0)


def test_noisy_sweep_uses_the_same_noise_as_simulate():
    cfg = SweepConfig(base={"optimizer": {"name": "ademamix", "lr": 0.01, "beta3": 0.999}, "steps": 800,
                            "start": (-1.5, 2.0), "seed": 7},
                      x=SweepAxis(param="noise_sigma", low=0.1, high=3.0, num=4),
                      y=SweepAxis(param="lr", low=0.003, high=0.03, num=2))
    result = run_sweep(cfg)
    for ix, iy in all_cells(result):
        assert_cell_matches(result, ix, iy)


def test_schedule_and_weight_decay_axes():
    cfg = SweepConfig(base={"optimizer": {"name": "ademamix", "lr": 0.02, "beta3": 0.999}, "steps": 1500,
                            "start": (-1.5, 2.0)},
                      x=SweepAxis(param="t_alpha_beta3", low=0, high=3000, num=4),
                      y=SweepAxis(param="weight_decay", low=0.0, high=0.1, num=2))
    assert list(cfg.x.values()) == [0, 1000, 2000, 3000]
    result = run_sweep(cfg)
    for ix, iy in all_cells(result):
        assert_cell_matches(result, ix, iy)


def test_objective_without_known_minima_and_cells_that_start_non_finite():
    cfg = SweepConfig(base={"objective": {"name": "custom", "expression": "sqrt(x) + y"},
                            "optimizer": {"name": "adam", "lr": 0.01}, "steps": 100, "start": (1.0, 1.0)},
                      x=SweepAxis(param="start_x", low=-1.0, high=1.0, num=5))
    assert not get_objective(cfg.base.objective).minima
    result = run_sweep(cfg)
    assert list(result.diverged_at[0, :2]) == [0, 0] and np.isnan(result.final_point[0, :2]).all()
    assert np.isnan(result.final_distance).all() and (result.nearest_minimum == -1).all()
    assert (result.first_hit == -1).all()
    for ix in range(5):
        assert_cell_matches(result, ix, 0)


def test_chunks_threads_and_padding_do_not_leak(monkeypatch):
    cfg = ROSENBROCK_ADEMAMIX.model_copy(update={"y": SweepAxis(param="beta3", low=0.99, high=0.9995, num=7)})
    whole = run_sweep(cfg)
    monkeypatch.setattr(sweeps, "CHUNK_CELLS", 32)  # 16 padded x values → 2 rows per chunk → 4 chunks
    for workers in (1, 2):
        monkeypatch.setattr(sweeps, "WORKERS", workers)
        fractions = []
        chunked = run_sweep(cfg, progress=fractions.append)
        assert fractions == [0.25, 0.5, 0.75, 1.0]
        assert chunked.shape == whole.shape == (7, 5)
        for name in ("final_point", "final_loss", "first_hit", "diverged_at", "nearest_minimum"):
            np.testing.assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-12, atol=0)
    single = run_sweep(cfg.model_copy(update={"x": SweepAxis(param="alpha", low=12.0, high=12.0, num=1),
                                              "y": SweepAxis(param="beta3", low=0.9995, high=0.9995, num=1)}))
    assert single.shape == (1, 1)
    np.testing.assert_allclose(single.final_point[0, 0], whole.final_point[-1, -1], rtol=1e-12, atol=1e-15)


def test_axis_values():
    assert np.allclose(SweepAxis(param="lr", low=1e-4, high=1e-1, num=4, log=True).values(), [1e-4, 1e-3, 1e-2, 1e-1])
    assert np.allclose(SweepAxis(param="alpha", low=2.0, high=8.0, num=4).values(), [2.0, 4.0, 6.0, 8.0])
    assert SweepAxis(param="beta1", low=0.5, high=0.5, num=1).values().tolist() == [0.5]


@pytest.mark.parametrize("kwargs, field", [
    (dict(x=SweepAxis(param="beta3", low=0.99, high=1.0)), "beta3"),
    (dict(x=SweepAxis(param="lr", low=1e-3, high=20.0, log=True)), "lr"),
    (dict(x=SweepAxis(param="alpha"), y=SweepAxis(param="alpha")), "alpha"),
    (dict(x=SweepAxis(param="beta3"), base={"optimizer": {"name": "adam"}}), "beta3"),
    (dict(x=SweepAxis(param="start_x", low=0.0, high=2e6)), "start"),
    (dict(x=SweepAxis(param="noise_sigma", low=-1.0, high=1.0)), "noise_sigma"),
])
def test_invalid_axes_are_rejected_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        SweepConfig(**kwargs)


def test_log_axis_needs_positive_ends():
    with pytest.raises(ValidationError, match="lr"):
        SweepAxis(param="lr", low=0.0, high=0.1, log=True)


def test_an_exception_in_progress_stops_the_sweep(monkeypatch):
    monkeypatch.setattr(sweeps, "CHUNK_CELLS", 16)
    monkeypatch.setattr(sweeps, "WORKERS", 1)
    calls = []

    def stop(fraction):
        calls.append(fraction)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(ROSENBROCK_ADEMAMIX, progress=stop)
    assert calls == [1 / 3]
