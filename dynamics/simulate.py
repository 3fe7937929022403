"""Run one configuration and record every internal quantity: ``simulate(RunConfig) -> Trajectory``.

The scan length is rounded up to a bucket (1-2-5 series) so that nearby step counts share one compiled program;
the extra steps are computed and dropped. Every hyperparameter, the start point, the buffers, the noise σ and
seed are traced arguments: changing them never recompiles (noise on/off selects one of two programs).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from . import optimizers
from .config import MAX_STEPS, RunConfig
from .objectives import Objective, get_objective

STEP_BUCKETS = tuple(m * 10**e for e in range(0, 6) for m in (1, 2, 5) if m * 10**e <= MAX_STEPS)
RECORDED = ("params", "loss", "grad", "m1", "m2", "nu", "m1_hat", "update", "alpha", "beta3", "lr")
CHECKED_FOR_DIVERGENCE = {"params": "θ", "loss": "loss", "m1": "m1", "m2": "m2", "nu": "ν"}


def step_bucket(steps: int) -> int:
    """The smallest compiled scan length ≥ steps."""
    return next(b for b in STEP_BUCKETS if b >= steps)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Full history of one run. Row t holds the state after step t; row 0 is the start (zero update and gradient,
    the initial buffers, and the schedules evaluated at t = 0).

    Rows from ``diverged_at`` on are NaN: the run's state stopped being finite there (``divergence_reason`` says how).
    """

    config: RunConfig
    objective: Objective
    params: np.ndarray  # (steps+1, 2) θ_t
    loss: np.ndarray  # (steps+1,) f(θ_t)
    grad: np.ndarray  # (steps+1, 2) gradient used at step t (with noise)
    m1: np.ndarray
    m2: np.ndarray
    nu: np.ndarray
    m1_hat: np.ndarray  # fast term of the numerator at step t
    update: np.ndarray  # Δθ_t = θ_t − θ_{t-1}
    alpha: np.ndarray  # α_t (0 for rules without a slow EMA)
    beta3: np.ndarray  # β3_t (0 for rules without a slow EMA)
    lr: np.ndarray  # η_t
    distance: np.ndarray  # (steps+1,) distance to the nearest known minimum (NaN if none is known)
    diverged_at: int | None
    divergence_reason: str | None

    @property
    def steps(self) -> int:
        return self.config.steps

    @property
    def slow_term(self) -> np.ndarray:
        """α_t · m2_t, the slow part of AdEMAMix's numerator."""
        return self.alpha[:, None] * self.m2

    @property
    def last_finite_step(self) -> int:
        return self.steps if self.diverged_at is None else self.diverged_at - 1

    @property
    def final_params(self) -> np.ndarray:
        """The last finite point of the run."""
        return self.params[self.last_finite_step]


def _with_start_row(first, rest):
    return jnp.concatenate([jnp.asarray(first, rest.dtype).reshape((1,) + rest.shape[1:]), rest])


@partial(jax.jit, static_argnames=("fn", "rule", "num_steps", "noisy"))
def _run(theta0, state0, hyper, obj_params, sigma, seed, minima, *, fn, rule, num_steps, noisy=False):
    value_and_grad = jax.value_and_grad(fn)
    key = jax.random.key(seed)

    def step(carry, t):
        theta, state = carry
        loss, g = value_and_grad(theta, obj_params)
        if noisy:  # static: noiseless runs skip the random-number generator entirely
            g = g + sigma * jax.random.normal(jax.random.fold_in(key, t.astype(jnp.int32)), theta.shape, jnp.float64)
        delta, state, info = optimizers.update(rule, g, state, theta, hyper, t)
        theta = theta + delta
        record = (theta, loss, g, state.m1, state.m2, state.nu, info.m1_hat, delta, info.alpha, info.beta3, info.lr)
        return (theta, state), record

    steps = jnp.arange(1, num_steps + 1, dtype=jnp.float64)
    (theta, _), rec = jax.lax.scan(step, (theta0, state0), steps)
    zero = jnp.zeros_like(theta0)
    alpha0, beta30, lr0 = optimizers.scheduled_values(rule, hyper, 0.0)
    # The scan evaluates f(θ_{t-1}) inside step t, so the losses are shifted by one and the last comes from here.
    loss = jnp.concatenate([rec[1], fn(theta, obj_params)[None]])
    firsts = (theta0, None, zero, state0.m1, state0.m2, state0.nu, state0.m1, zero, alpha0, beta30, lr0)
    history = {name: loss if name == "loss" else _with_start_row(first, values)
               for name, first, values in zip(RECORDED, firsts, rec)}
    history["distance"] = jnp.sqrt(((history["params"][:, None, :] - minima[None]) ** 2).sum(-1)).min(axis=1)
    history["bad"] = {name: ~jnp.isfinite(history[name].reshape(num_steps + 1, -1)).all(axis=1)
                      for name in CHECKED_FOR_DIVERGENCE}
    return history


def simulate(config: RunConfig) -> Trajectory:
    """Run `config` and return its full history as NumPy float64 arrays (never raises for a diverging run)."""
    objective = get_objective(config.objective)
    opt = config.optimizer
    start = config.start if config.start is not None else objective.default_start
    minima = objective.minima_array if objective.minima else np.full((1, 2), np.nan)
    history = _run(
        np.asarray(start, np.float64), optimizers.init(opt), optimizers.hyper_of(opt, config.steps),
        np.asarray(objective.params, np.float64).reshape(-1), np.float64(config.noise_sigma),
        np.uint32(config.seed), minima, fn=objective.fn, rule=optimizers.rule_of(opt),
        num_steps=step_bucket(config.steps), noisy=config.noise_sigma > 0)
    return _assemble(config, objective, jax.device_get(history))


def _assemble(config: RunConfig, objective: Objective, history: dict) -> Trajectory:
    rows = config.steps + 1
    bad = {name: np.flatnonzero(flags[:rows]) for name, flags in history.pop("bad").items()}
    arrays = {name: np.asarray(values[:rows]) for name, values in history.items()}
    diverged_at, reason = _divergence(bad, arrays)
    if diverged_at is not None:
        arrays = {name: _masked_from(values, diverged_at) for name, values in arrays.items()}
    return Trajectory(config=config, objective=objective, diverged_at=diverged_at, divergence_reason=reason, **arrays)


def _masked_from(values: np.ndarray, row: int) -> np.ndarray:
    values = values.copy()
    values[row:] = np.nan
    return values


def _divergence(bad: dict, arrays: dict):
    """First step whose parameters, loss or optimizer buffers are not finite, with a readable reason."""
    first = min((rows[0] for rows in bad.values() if rows.size), default=None)
    if first is None:
        return None, None
    culprits = [name for name, rows in bad.items() if rows.size and rows[0] == first]
    values = np.atleast_1d(arrays[culprits[0]][first])
    kind = "became NaN" if np.isnan(values).any() else "overflowed to ±inf"
    labels = ", ".join(CHECKED_FOR_DIVERGENCE[name] for name in culprits)
    if first == 0:
        return 0, f"{labels} {kind} at the start point"
    last = arrays["params"][first - 1]
    return int(first), (f"{labels} {kind} at step {first}; last finite point "
                        f"({last[0]:.4g}, {last[1]:.4g}) at step {first - 1}")
