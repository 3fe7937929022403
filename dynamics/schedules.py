"""Schedules of the AdEMAMix paper (App. A.1) and learning-rate schedules.

All functions take the 1-based step ``t`` (the paper's and the authors' convention; optax evaluates at the
0-based counter) and work on Python floats, NumPy or traced JAX values alike.

    t_half(β) = ln(0.5)/ln(β) − 1          β(τ) = 0.5^(1/(τ+1))
    α_t  = α · min(t/T, 1)
    β3_t = β((1−μ) t_half(β_start) + μ t_half(β3)),  μ = min(t/T, 1)      ("half_life", the paper's)
    β3_t = (1−μ) β_start + μ β3                                          ("linear", Fig. 7's comparison)
With T = 0 the schedules are off: α_t = α and β3_t = β3 for every t.
"""
from __future__ import annotations

import jax.numpy as jnp


def half_life(beta):
    """Steps for an EMA weight to halve, in the paper's convention ln(0.5)/ln(β) − 1 (0.9 → 5.58)."""
    return jnp.log(0.5) / jnp.log(beta) - 1.0


def beta_from_half_life(tau):
    """Inverse of `half_life`: 0.5^(1/(τ+1))."""
    return jnp.power(0.5, 1.0 / (tau + 1.0))


def _progress(t, total):
    """μ = min(t/T, 1), and 1 when T = 0 (schedule off)."""
    total = jnp.asarray(total, dtype=jnp.result_type(float))
    safe = jnp.where(total > 0, total, 1.0)
    return jnp.where(total > 0, jnp.minimum(t / safe, 1.0), 1.0)


def alpha_schedule(t, alpha, total):
    """α_t: linear warm-up from 0 to α over T steps."""
    return alpha * _progress(t, total)


def beta3_schedule(t, beta3, beta_start, total, kind: str = "half_life"):
    """β3_t from β_start to β3 over T steps, interpolating half-lives (paper) or β itself ("linear")."""
    mu = _progress(t, total)
    if kind == "linear":
        return (1.0 - mu) * beta_start + mu * beta3
    if kind != "half_life":
        raise ValueError(f"unknown β3 scheduler {kind!r}")
    # Closed form of β((1−μ) t_half(β_start) + μ t_half(β3)); exact at μ = 0 and μ = 1, and safe for β_start = 0
    # (β_start = β1 = 0 makes ln β_start = −inf: the schedule then starts at 0).
    log_start, log_end = jnp.log(beta_start), jnp.log(beta3)
    denom = (1.0 - mu) * log_end + mu * log_start
    exact = jnp.exp(log_start * log_end / jnp.where(denom == 0, 1.0, denom))
    value = jnp.where(mu >= 1.0, beta3, jnp.where(mu <= 0.0, beta_start, exact))
    return jnp.where(jnp.asarray(beta_start) <= 0.0, jnp.where(mu >= 1.0, beta3, _zero_start(mu, beta3)), value)


def _zero_start(mu, beta3):
    # With β_start = 0, t_half(0) = −1 exactly (ln β → −inf), so β3_t = β(μ (t_half(β3) + 1) − 1).
    return beta_from_half_life(mu * (half_life(beta3) + 1.0) - 1.0)


def lr_schedule(t, lr, kind: str, total_steps, warmup_steps=0, final_ratio=0.0):
    """η_t for t = 1..total_steps.

    constant:       η
    warmup_cosine:  η · t/W for t ≤ W, then η_min + (η − η_min)(1 + cos(π (t−W)/(N−W)))/2, η_min = final_ratio · η
    linear_decay:   η + (η_min − η) (t−1)/(N−1)       (η at step 1, η_min at step N)
    """
    if kind == "constant":
        return lr * jnp.ones_like(jnp.asarray(t, dtype=jnp.result_type(float)))
    lr_min = final_ratio * lr
    n = jnp.asarray(total_steps, dtype=jnp.result_type(float))
    if kind == "warmup_cosine":
        w = jnp.asarray(warmup_steps, dtype=jnp.result_type(float))
        warm = lr * t / jnp.maximum(w, 1.0)
        span = jnp.maximum(n - w, 1.0)
        progress = jnp.clip((t - w) / span, 0.0, 1.0)
        cosine = lr_min + (lr - lr_min) * 0.5 * (1.0 + jnp.cos(jnp.pi * progress))
        return jnp.where(t <= w, warm, cosine)
    if kind == "linear_decay":
        progress = jnp.clip((t - 1.0) / jnp.maximum(n - 1.0, 1.0), 0.0, 1.0)
        return lr + (lr_min - lr) * progress
    raise ValueError(f"unknown learning-rate schedule {kind!r}")
