r"""Pure optimizer steps in the style of optax: ``init`` builds the state, ``update`` maps a gradient to a step.

All optimizers share one state layout (``OptState``: m1, m2, ν) so they can be scanned and vmapped alike; an
optimizer leaves the buffers it does not use at their initial values. ``t`` is the 1-based step number and every
schedule is evaluated at it (the paper's convention; optax evaluates schedules at the 0-based count).

With g = ∇f(θ_{t-1}) (plus noise), b1 = 1−β1^t and b2 = 1−β2^t when bias correction is on (else 1):

    adam                 m1 ← β1 m1 + (1−β1) g;  ν ← β2 ν + (1−β2) g²
                         Δθ = −η_t (m1/b1) / (sqrt(ν/b2) + ε)
    adamw                Δθ = −η_t [ (m1/b1) / (sqrt(ν/b2) + ε) + λ θ_{t-1} ]
    ademamix             as adamw plus m2 ← β3_t m2 + (1−β3_t) g  (never bias-corrected)
                         Δθ = −η_t [ (m1/b1 + α_t m2) / (sqrt(ν/b2) + ε) + λ θ_{t-1} ]
    simplified_ademamix  m1 ← β1 m1 + g  (no (1−β1), no bias correction);  ν as Adam
                         Δθ = −η_t [ (m1 + α g) / (sqrt(ν/b2) + ε) + λ θ_{t-1} ]
    sgd_momentum         m1 ← β1 m1 + g;  Δθ = −η_t m1                       (heavy ball, PyTorch/optax form)
    nesterov             m1 ← β1 m1 + g;  Δθ = −η_t (g + β1 m1)
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from . import schedules
from .config import OptimizerConfig

# Which configuration fields each update rule reads (the app hides the others; "honest" means none is silently unused).
USED_FIELDS: dict[str, tuple[str, ...]] = {
    "adam": ("lr", "beta1", "beta2", "eps", "bias_correction", "initial_m1", "initial_nu"),
    "adamw": ("lr", "beta1", "beta2", "eps", "weight_decay", "bias_correction", "initial_m1", "initial_nu"),
    "ademamix": ("lr", "beta1", "beta2", "beta3", "alpha", "t_alpha_beta3", "beta3_scheduler", "eps",
                 "weight_decay", "bias_correction", "initial_m1", "initial_m2", "initial_nu"),
    "simplified_ademamix": ("lr", "beta1", "beta2", "alpha", "eps", "weight_decay", "bias_correction",
                            "initial_m1", "initial_nu"),
    "sgd_momentum": ("lr", "beta1", "initial_m1"),
    "nesterov": ("lr", "beta1", "initial_m1"),
}
LR_FIELDS = ("lr_schedule", "warmup_steps", "lr_final_ratio")


class OptState(NamedTuple):
    m1: jnp.ndarray
    m2: jnp.ndarray
    nu: jnp.ndarray


class Hyper(NamedTuple):
    """Traced hyperparameters (float64 scalars): changing any of them never recompiles."""

    lr: jnp.ndarray
    beta1: jnp.ndarray
    beta2: jnp.ndarray
    beta3: jnp.ndarray
    alpha: jnp.ndarray
    t_alpha_beta3: jnp.ndarray
    eps: jnp.ndarray
    weight_decay: jnp.ndarray
    bias_correction: jnp.ndarray  # 1.0 on, 0.0 off
    warmup_steps: jnp.ndarray
    lr_final_ratio: jnp.ndarray
    total_steps: jnp.ndarray


class Rule(NamedTuple):
    """Static part of an optimizer (selects code, so it is a jit static argument)."""

    name: str
    beta3_scheduler: str = "half_life"
    lr_schedule: str = "constant"


class StepInfo(NamedTuple):
    m1_hat: jnp.ndarray  # the fast term of the numerator (m1/b1 for the Adam family, m1 otherwise)
    alpha: jnp.ndarray
    beta3: jnp.ndarray
    lr: jnp.ndarray


def rule_of(cfg: OptimizerConfig) -> Rule:
    return Rule(cfg.name, cfg.beta3_scheduler, cfg.lr_schedule)


def hyper_of(cfg: OptimizerConfig, total_steps: int, **overrides) -> Hyper:
    values = {name: getattr(cfg, name) for name in Hyper._fields if name not in ("bias_correction", "total_steps")}
    values["bias_correction"] = 1.0 if cfg.bias_correction else 0.0
    values["total_steps"] = total_steps
    values.update(overrides)
    # NumPy, not jnp: building a dozen device scalars per run costs more than a whole 10k-step scan.
    return Hyper(**{k: np.asarray(v, dtype=np.float64) for k, v in values.items()})


def init(cfg: OptimizerConfig, shape=(2,)) -> OptState:
    def buffer(value):
        return np.zeros(shape, np.float64) if value is None else np.asarray(value, dtype=np.float64)

    return OptState(buffer(cfg.initial_m1), buffer(cfg.initial_m2), buffer(cfg.initial_nu))


def scheduled_values(rule: Rule, h: Hyper, t):
    """(α_t, β3_t, η_t) at the 1-based step t."""
    if rule.name == "ademamix":
        alpha_t = schedules.alpha_schedule(t, h.alpha, h.t_alpha_beta3)
        beta3_t = schedules.beta3_schedule(t, h.beta3, h.beta1, h.t_alpha_beta3, rule.beta3_scheduler)
    else:  # rules without a slow EMA record α = β3 = 0 (simplified AdEMAMix's constant α is still reported)
        alpha_t = h.alpha if rule.name == "simplified_ademamix" else jnp.zeros_like(h.alpha)
        beta3_t = jnp.zeros_like(h.beta3)
    lr_t = schedules.lr_schedule(t, h.lr, rule.lr_schedule, h.total_steps, h.warmup_steps, h.lr_final_ratio)
    return alpha_t, beta3_t, lr_t


def _bias(beta, t, h: Hyper):
    """1 − β^t when bias correction is on, else 1 (β = 0 gives 1 either way)."""
    return jnp.where(h.bias_correction > 0, 1.0 - beta**t, 1.0)


def _ema(buffer, value, beta):
    return beta * buffer + (1.0 - beta) * value


def _second_moment(g, state, h, t):
    nu = _ema(state.nu, g * g, h.beta2)
    return nu, jnp.sqrt(nu / _bias(h.beta2, t, h)) + h.eps


def _adam_family(rule, g, state, params, h, t, alpha_t, beta3_t):
    m1 = _ema(state.m1, g, h.beta1)
    m1_hat = m1 / _bias(h.beta1, t, h)
    nu, denom = _second_moment(g, state, h, t)
    m2 = _ema(state.m2, g, beta3_t) if rule.name == "ademamix" else state.m2
    numerator = m1_hat + alpha_t * m2 if rule.name == "ademamix" else m1_hat
    decay = 0.0 if rule.name == "adam" else h.weight_decay * params
    return numerator / denom + decay, OptState(m1, m2, nu), m1_hat


def _simplified(rule, g, state, params, h, t, alpha_t, beta3_t):
    m1 = h.beta1 * state.m1 + g
    nu, denom = _second_moment(g, state, h, t)
    direction = (m1 + h.alpha * g) / denom + h.weight_decay * params
    return direction, OptState(m1, state.m2, nu), m1


def _heavy_ball(rule, g, state, params, h, t, alpha_t, beta3_t):
    m1 = h.beta1 * state.m1 + g
    direction = g + h.beta1 * m1 if rule.name == "nesterov" else m1
    return direction, OptState(m1, state.m2, state.nu), m1


_DIRECTIONS = {
    "adam": _adam_family, "adamw": _adam_family, "ademamix": _adam_family,
    "simplified_ademamix": _simplified, "sgd_momentum": _heavy_ball, "nesterov": _heavy_ball,
}


def update(rule: Rule, g, state: OptState, params, h: Hyper, t):
    """One step: returns (Δθ, new state, StepInfo). θ_t = θ_{t-1} + Δθ."""
    alpha_t, beta3_t, lr_t = scheduled_values(rule, h, t)
    direction, new_state, m1_hat = _DIRECTIONS[rule.name](rule, g, state, params, h, t, alpha_t, beta3_t)
    return -lr_t * direction, new_state, StepInfo(m1_hat, alpha_t, beta3_t, lr_t)
