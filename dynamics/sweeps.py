"""Grids of runs reduced to per-cell metrics: ``run_sweep(SweepConfig) -> SweepResult``.

A sweep varies one or two quantities of ``SweepConfig.base`` (a hyperparameter, the noise σ or a start coordinate;
a start_x × start_y grid is a basin map) and keeps, per cell, only what a heatmap needs: no trajectory is stored.
Every cell is the exact run ``simulate(cell_config(cfg, ix, iy))`` would make (same update code, same noise).

Why it is fast:
- Nested vmap, inner over the x values and outer over the y values. vmap leaves unbatched values unbatched, so
  anything that depends on one axis only (β3_t and its logs, α_t, β^t bias factors, pow) is computed once per axis
  value, not once per cell. The price: which quantities are swept is static. One compile per (objective function,
  update rule, swept pair, noise on/off, chunk shape); values, ranges, steps, the base hyperparameters, the start,
  σ and the seed are traced and never recompile.
- The step count is a traced loop bound (``fori_loop`` → while loop): exactly ``steps`` steps, no bucket, no mask.
- The carry holds the optimizer state and metrics only. When a cell's state stops being finite the step is recorded
  and its reported point and loss freeze at the last finite step (cells never mix, so NaN stays in its cell).
- Grids run in chunks of whole rows of a power-of-two size (every chunk of a sweep has the same shape: no extra
  compile) on one thread per core: XLA runs one call on one core, so two concurrent chunks halve the wall time.
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import optimizers
from .config import RunConfig, SweepConfig
from .objectives import get_objective

CHUNK_CELLS = 2048  # cells per call at most; speed per cell is flat from 512 to 16384 cells, so this only sets
#                    the progress granularity (128×128 → 8 chunks)
MIN_X_BUCKET = 16  # the x axis is padded to a power of two ≥ this
WORKERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
MAX_EXECUTABLES = 64

compile_count = 0  # programs compiled so far (tests assert that changing values compiles nothing)
_EXECUTABLES: OrderedDict = OrderedDict()
_COMPILE_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Per-cell metrics of a sweep; grids are shaped (ny, nx), ny = 1 for a 1D sweep.

    "Final" means the state after step ``steps``, or for a diverged cell the last finite state (step
    ``diverged_at − 1``, as ``Trajectory.final_params``); NaN (index −1) for a cell that diverged at its start.
    """

    config: SweepConfig
    x_values: np.ndarray  # (nx,)
    y_values: np.ndarray | None  # (ny,), None for a 1D sweep
    final_loss: np.ndarray  # (ny, nx)
    final_distance: np.ndarray  # (ny, nx) to the nearest known minimum; NaN if the objective lists none
    nearest_minimum: np.ndarray  # (ny, nx) int: index into objective.minima, −1 if none
    first_hit: np.ndarray  # (ny, nx) int: first step within cfg.tolerance of a minimum, −1 if never
    diverged: np.ndarray  # (ny, nx) bool
    diverged_at: np.ndarray  # (ny, nx) int: first non-finite step, −1 if none
    final_point: np.ndarray  # (ny, nx, 2)
    elapsed: float  # seconds, wall clock
    cost: int  # configurations × steps

    @property
    def shape(self) -> tuple[int, int]:
        return self.final_loss.shape


def cell_config(cfg: SweepConfig, ix: int, iy: int = 0) -> RunConfig:
    """The exact RunConfig of cell (ix, iy): the base run with the swept values set."""
    run = cfg.x.applied(cfg.base, cfg.x.values()[ix])
    return run if cfg.y is None else cfg.y.applied(run, cfg.y.values()[iy])


def run_sweep(cfg: SweepConfig, progress: Callable[[float], None] | None = None) -> SweepResult:
    """Run every cell of `cfg` and return its metrics; `progress(fraction)` is called after each chunk."""
    started = time.perf_counter()
    x_values = cfg.x.values()
    y_values = cfg.y.values() if cfg.y is not None else None
    nx, ny = len(x_values), 1 if y_values is None else len(y_values)
    plan = _Plan.of(nx, ny, WORKERS)
    xs = _padded(x_values, plan.nx)
    ys = _padded(np.zeros(1) if y_values is None else y_values, plan.rows * plan.chunks)
    args, static = _problem(cfg)
    chunk_args = [(xs, ys[k * plan.rows:(k + 1) * plan.rows]) + args for k in range(plan.chunks)]
    parts = _run_chunks(_executable(chunk_args[0], static), chunk_args, progress)
    grids = {name: np.concatenate([p[name] for p in parts])[:ny, :nx] for name in parts[0]}
    return SweepResult(config=cfg, x_values=x_values, y_values=y_values, diverged=grids["diverged_at"] >= 0,
                       elapsed=time.perf_counter() - started, cost=nx * ny * cfg.base.steps, **grids)


def _run_chunks(executable, chunk_args: list, progress) -> list[dict]:
    """Run the chunks on WORKERS threads (XLA runs one call on one core; concurrent calls use the others)."""
    parts: list = [None] * len(chunk_args)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(chunk_args))) as pool:
        futures = {pool.submit(lambda a: jax.device_get(executable(*a)), a): k for k, a in enumerate(chunk_args)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                parts[futures[future]] = future.result()
                if progress is not None:
                    progress(done / len(chunk_args))
        except BaseException:  # e.g. the app stops the script from the progress callback: drop the queued chunks
            for future in futures:
                future.cancel()
            raise
    return parts


def _executable(args: tuple, static: dict):
    """The compiled chunk program for these argument shapes, compiled once (before any thread runs it)."""
    global compile_count
    key = (tuple(sorted(static.items())), jax.tree.structure(args),
           tuple((np.shape(a), np.result_type(a)) for a in jax.tree.leaves(args)))
    with _COMPILE_LOCK:
        if key not in _EXECUTABLES:
            _EXECUTABLES[key] = _sweep_chunk.lower(*args, **static).compile()
            compile_count += 1
            if len(_EXECUTABLES) > MAX_EXECUTABLES:
                _EXECUTABLES.popitem(last=False)
        _EXECUTABLES.move_to_end(key)
        return _EXECUTABLES[key]


class _Plan(NamedTuple):
    nx: int  # padded x length
    rows: int  # y values per chunk
    chunks: int

    @classmethod
    def of(cls, nx: int, ny: int, workers: int) -> "_Plan":
        """Power-of-two chunk shapes (few programs), at least one chunk per worker when there are enough rows."""
        padded_x = max(MIN_X_BUCKET, _next_power_of_two(nx))
        rows = min(_next_power_of_two(math.ceil(ny / workers)), max(1, CHUNK_CELLS // padded_x))
        return cls(padded_x, rows, math.ceil(ny / rows))


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, n - 1).bit_length()


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """Pad with copies of the last value: padding cells are valid runs, computed and dropped."""
    return np.concatenate([values, np.full(size - len(values), values[-1])]).astype(np.float64)


def _problem(cfg: SweepConfig):
    """Traced arguments and static arguments of `_sweep_chunk` for `cfg`."""
    base = cfg.base
    objective = get_objective(base.objective)
    start = base.start if base.start is not None else objective.default_start
    knobs = optimizers.hyper_of(base.optimizer, base.steps)._asdict()
    knobs.update(noise_sigma=base.noise_sigma, start_x=start[0], start_y=start[1])
    axes = [cfg.x] + ([cfg.y] if cfg.y is not None else [])
    noisy = base.noise_sigma > 0 or any(a.param == "noise_sigma" and (a.values() > 0).any() for a in axes)
    args = ({k: np.float64(v) for k, v in knobs.items()}, optimizers.init(base.optimizer),
            np.asarray(objective.params, np.float64).reshape(-1), np.uint32(base.seed), objective.minima_array,
            np.float64(cfg.tolerance), np.int64(base.steps))
    static = dict(fn=objective.fn, rule=optimizers.rule_of(base.optimizer), x_param=cfg.x.param,
                  y_param=None if cfg.y is None else cfg.y.param, noisy=bool(noisy))
    return args, static


class _Cell(NamedTuple):
    """Carry of one cell. theta and loss are those of the last finite step; once the cell has diverged
    (diverged_at ≥ 0) its state and grad are no longer meaningful and never reported."""

    theta: jnp.ndarray
    state: optimizers.OptState
    loss: jnp.ndarray
    grad: jnp.ndarray
    diverged_at: jnp.ndarray  # int32, −1 while finite
    first_hit: jnp.ndarray  # int32, −1 until within tolerance of a minimum


def _on_grid(cell_fn, carried: bool):
    """vmap cell_fn(x, y, [cell, t, z]) over x (inner) and y (outer); t and z are shared by all cells."""
    extra = (0, None, None) if carried else ()
    inner = jax.vmap(cell_fn, in_axes=(0, None) + extra)
    return jax.vmap(inner, in_axes=(None, 0) + extra)


def _finite(theta, loss, state):
    finite = jnp.isfinite(loss)
    for vector in (theta, state.m1, state.m2, state.nu):
        finite = finite & jnp.isfinite(vector[0]) & jnp.isfinite(vector[1])
    return finite


def _distances(theta, minima):
    """Distance from theta (..., 2) to each minimum (M, 2) -> (..., M), the formula of `simulate`, written out:
    a two-term sum(-1) becomes a reduction kernel that costs more than the whole optimizer step."""
    dx = theta[..., None, 0] - minima[:, 0]
    dy = theta[..., None, 1] - minima[:, 1]
    return jnp.sqrt(dx * dx + dy * dy)


@partial(jax.jit, static_argnames=("fn", "rule", "x_param", "y_param", "noisy"))
def _sweep_chunk(xs, ys, knobs, state0, obj_params, seed, minima, tolerance, steps, *, fn, rule, x_param, y_param,
                 noisy):
    value_and_grad = jax.value_and_grad(fn)
    key = jax.random.key(seed)
    has_minima = minima.shape[0] > 0  # static

    def cell_knobs(x, y):
        return {**knobs, x_param: x, **({y_param: y} if y_param is not None else {})}

    def near(theta):
        return has_minima and _distances(theta, minima).min() <= tolerance

    def start(x, y):
        k = cell_knobs(x, y)
        theta = jnp.stack([k["start_x"], k["start_y"]])
        loss, grad = value_and_grad(theta, obj_params)
        finite = _finite(theta, loss, state0)
        first_hit = jnp.where(finite & near(theta), 0, -1).astype(jnp.int32)
        return _Cell(theta, state0, loss, grad, jnp.where(finite, -1, 0).astype(jnp.int32), first_hit)

    def step(x, y, cell: _Cell, i, z):
        k = cell_knobs(x, y)
        hyper = optimizers.Hyper(**{name: k[name] for name in optimizers.Hyper._fields})
        g = cell.grad + k["noise_sigma"] * z if noisy else cell.grad
        delta, state, _ = optimizers.update(rule, g, cell.state, cell.theta, hyper, i.astype(jnp.float64))
        theta = cell.theta + delta
        loss, grad = value_and_grad(theta, obj_params)
        alive = cell.diverged_at < 0
        # The barrier materialises `keep` once; otherwise XLA fuses its whole computation into every select below
        # (measured 10.7 → 6.3 ns per configuration-step; 21.6 → 8.7 when all buffers were frozen).
        keep = jax.lax.optimization_barrier(alive & _finite(theta, loss, state))
        step_no = i.astype(jnp.int32)
        diverged_at = jnp.where(alive & ~keep, step_no, cell.diverged_at)
        first_hit = jnp.where(keep & (cell.first_hit < 0) & near(theta), step_no, cell.first_hit)
        # Only what is reported freezes; a dead cell's buffers may run on as NaN (8.9 → 6.3 ns per config-step).
        return _Cell(jnp.where(keep, theta, cell.theta), state, jnp.where(keep, loss, cell.loss), grad,
                     diverged_at, first_hit)

    grid_step = _on_grid(step, carried=True)

    def body(i, cells):
        z = jax.random.normal(jax.random.fold_in(key, i.astype(jnp.int32)), (2,), jnp.float64) if noisy else None
        return grid_step(xs, ys, cells, i, z)

    cells = jax.lax.fori_loop(1, steps + 1, body, _on_grid(start, carried=False)(xs, ys))
    return _metrics(cells, minima)


def _metrics(cells: _Cell, minima) -> dict:
    started_bad = cells.diverged_at == 0
    theta = jnp.where(started_bad[..., None], jnp.nan, cells.theta)
    if minima.shape[0] > 0:
        distances = _distances(theta, minima)
        nearest = jnp.where(started_bad, -1, jnp.argmin(distances, axis=-1)).astype(jnp.int32)
        distance = distances.min(axis=-1)
    else:
        nearest = jnp.full(started_bad.shape, -1, jnp.int32)
        distance = jnp.full(started_bad.shape, jnp.nan)
    return dict(final_point=theta, final_loss=jnp.where(started_bad, jnp.nan, cells.loss), final_distance=distance,
                nearest_minimum=nearest, first_hit=cells.first_hit, diverged_at=cells.diverged_at)
