"""EMA weights ("kernels"): how much each past gradient g(t−k) counts in an optimizer's update numerator.

Lag k = 0 is the current gradient g(t). Every function returns float64 NumPy arrays indexed by lag (or, for Fig. 23,
by the step at which the gradient was computed); nothing here imports Streamlit or Plotly.

Single EMA m ← β m + (1−β) g from m = 0, after t steps (reference §5):
    w[k] = (1−β) β^k,            k = 0..t−1,      Σ w = 1 − β^t      (÷ (1−β^t) when bias-corrected: Σ w = 1)
AdEMAMix numerator m̂1 + α_t m2 at the 1-based step t (paper Algorithm 1, schedules evaluated at 1-based steps):
    fast[k] = (1−β1) β1^k / (1−β1^t)                                  (÷ 1 without bias correction)
    slow[k] = α_t (1−β3_{t−k}) Π_{j=t−k+1..t} β3_j                    (= α (1−β3) β3^k for a constant β3)
    masses:  Σ fast = 1,   Σ slow = α_t (1 − Π_{j=1..t} β3_j)       (= α (1−β3^t) for constant schedules)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Literal

import jax
import numpy as np

from .config import OptimizerConfig
from .schedules import alpha_schedule, beta3_schedule, half_life, lr_schedule

Array = np.ndarray


# ---------------------------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------------------------

def _powers(beta: float, n: int) -> Array:
    """β^k for k = 0..n−1 (with 0^0 = 1, so β = 0 is an impulse at k = 0)."""
    return np.power(float(beta), np.arange(n, dtype=np.float64))


def _frozen(array, dtype=np.float64) -> Array:
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)  # the Kernel is frozen; so are its arrays
    return out


def _half_life_or_none(beta: float | None) -> float | None:
    return None if beta is None else float(half_life(beta))


# The schedules are jnp code. Run eagerly on arrays, every new length compiles each primitive again (about a second
# per new t on a slider), so they are evaluated by one jitted function on fixed-size chunks: compiled once per schedule.
_CHUNK = 8192


@partial(jax.jit, static_argnums=0)
def _schedule_chunk(schedule: Callable, t, *args):
    return schedule(t, *args)


def _evaluate_schedule(schedule: Callable, t: Array, *args: float) -> Array:
    """``schedule(t, *args)`` for a 1-D float64 array t; ``schedule`` must be a module-level function."""
    t = np.asarray(t, dtype=np.float64)
    padded = np.concatenate([t, np.ones(-t.size % _CHUNK)])
    args = tuple(np.float64(a) for a in args)  # one dtype for every call: no retracing
    chunks = [np.asarray(_schedule_chunk(schedule, chunk, *args)) for chunk in padded.reshape(-1, _CHUNK)]
    return np.concatenate(chunks)[: t.size]


def _beta3_half_life(t, beta3, beta_start, total):
    return beta3_schedule(t, beta3, beta_start, total, "half_life")


def _beta3_linear(t, beta3, beta_start, total):
    return beta3_schedule(t, beta3, beta_start, total, "linear")


_BETA3_SCHEDULES = {"half_life": _beta3_half_life, "linear": _beta3_linear}


def _cosine_lr(t, lr, total, warmup_steps):
    return lr_schedule(t, lr, "warmup_cosine", total, warmup_steps, 0.0)


def ema_kernel(beta: float, t: int, bias_correction: bool = False) -> Array:
    """Weights w[k], k = 0..t−1, of a single EMA m ← β m + (1−β) g after t steps: (1−β) β^k, ÷ (1−β^t) if corrected."""
    _check_steps(t)
    weights = (1.0 - beta) * _powers(beta, t)
    return weights / (1.0 - beta**t) if bias_correction else weights


def scheduled_ema_kernel(betas: Array) -> Array:
    """Weights of an EMA m ← β_j m + (1−β_j) g whose decay changes every step; ``betas[j−1]`` = β_j, j = 1..t.

        w[k] = (1−β_{t−k}) Π_{j=t−k+1..t} β_j,     k = 0..t−1,      Σ w = 1 − Π_{j=1..t} β_j

    The products are exp of a cumulative sum of ln β_j taken from the newest step backwards, so the rounding error
    at lag k grows with k only (about √k ulp of the log-product); 10^5 lags take about a millisecond.
    """
    betas = np.asarray(betas, dtype=np.float64)
    _check_steps(betas.size)
    newest_first = betas[::-1]  # newest_first[k] = β_{t−k}
    with np.errstate(divide="ignore"):  # β_j = 0 gives ln 0 = −inf, i.e. a product of exactly 0
        logs = np.log(newest_first[:-1])
    log_products = np.concatenate(([0.0], np.cumsum(logs)))  # log Π_{j=t−k+1..t} β_j; the empty product is 1
    return (1.0 - newest_first) * np.exp(log_products)


def _check_steps(t: int) -> None:
    if int(t) != t or t < 1:
        raise ValueError(f"the step t must be a positive integer, got {t!r}")


# ---------------------------------------------------------------------------------------------------------------------
# The kernel of an optimizer's update numerator
# ---------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Kernel:
    """Weights of g(t−k) in an optimizer's update numerator at step t, split into two named components.

    ``total = fast + slow``. Arrays are read-only and indexed by ``lags`` = 0..t−1. Fields that do not apply to an
    optimizer are None (e.g. ``beta3_t`` for Adam). Half-lives use the paper's convention ln 0.5 / ln β − 1.

    fast_mass, slow_mass      sums of the two components (AdEMAMix: 1 and α_t (1 − Π β3_j))
    fast_beta, slow_beta      decay rate of each component at step t (AdEMAMix: β1 and β3_t)
    alpha_t, beta3_t          the scheduled α and β3 at step t (AdEMAMix; simplified AdEMAMix reports its α)
    fast_label, slow_label    what each component is, for legends ("none" for an all-zero component)
    """

    t: int
    lags: Array
    fast: Array
    slow: Array
    total: Array
    fast_mass: float
    slow_mass: float
    fast_beta: float | None
    slow_beta: float | None
    fast_half_life: float | None
    slow_half_life: float | None
    alpha_t: float | None
    beta3_t: float | None
    fast_label: str
    slow_label: str

    @property
    def total_mass(self) -> float:
        return self.fast_mass + self.slow_mass


def _kernel(t, fast, slow, *, fast_beta, slow_beta, alpha_t=None, beta3_t=None, fast_label, slow_label) -> Kernel:
    fast, slow = np.asarray(fast, dtype=np.float64), np.asarray(slow, dtype=np.float64)
    return Kernel(
        t=int(t), lags=_frozen(np.arange(t), np.int64), fast=_frozen(fast), slow=_frozen(slow),
        total=_frozen(fast + slow), fast_mass=float(fast.sum()), slow_mass=float(slow.sum()),
        fast_beta=fast_beta, slow_beta=slow_beta,
        fast_half_life=_half_life_or_none(fast_beta), slow_half_life=_half_life_or_none(slow_beta),
        alpha_t=alpha_t, beta3_t=beta3_t, fast_label=fast_label, slow_label=slow_label,
    )


def beta3_per_step(cfg: OptimizerConfig, t: int) -> Array:
    """β3_j for j = 1..t as AdEMAMix uses them: the schedule from β_start = β1 over T_α,β3 steps (constant if T = 0)."""
    if cfg.t_alpha_beta3 == 0:
        return np.full(t, cfg.beta3)
    steps = np.arange(1, t + 1, dtype=np.float64)
    return _evaluate_schedule(_BETA3_SCHEDULES[cfg.beta3_scheduler], steps, cfg.beta3, cfg.beta1, cfg.t_alpha_beta3)


def optimizer_kernel(cfg: OptimizerConfig, t: int) -> Kernel:
    """Weights of g(t−k), k = 0..t−1, in the update numerator of ``cfg.name`` at the 1-based step t.

    Initial buffers (``initial_m1`` …), weight decay and the denominator are not gradients and are not part of it.

    adam, adamw           fast = (1−β1) β1^k / (1−β1^t) (÷ 1 if not bias_correction)          slow = 0
    ademamix              fast as Adam;  slow = α_t (1−β3_{t−k}) Π_{j=t−k+1..t} β3_j  (schedules at 1-based steps)
    simplified_ademamix   m ← β1 m + g, numerator m + α g:  slow = β1^k (the momentum plays the slow EMA),
                          fast = α at k = 0 (the current gradient); no schedules, no bias correction
    sgd_momentum          m ← β1 m + g, update m:                fast = β1^k,               slow = 0
    nesterov              m ← β1 m + g, update g + β1 m:         fast = [k = 0] + β1^(k+1), slow = 0

    The simplified split follows the identity of reference §4 (AdEMAMix with β1 = 0 ≡ Simplified AdEMAMix with
    β1 = β3): in both, the long-memory buffer is "slow" and the current-gradient term is "fast".
    """
    _check_steps(t)
    name, b1 = cfg.name, cfg.beta1
    zeros = np.zeros(t)
    if name in ("adam", "adamw", "ademamix"):
        fast = ema_kernel(b1, t, bias_correction=cfg.bias_correction)
        fast_label = "fast EMA m̂₁ (β₁)" if cfg.bias_correction else "fast EMA m₁ (β₁, no bias correction)"
        if name != "ademamix":
            return _kernel(t, fast, zeros, fast_beta=b1, slow_beta=None, fast_label=fast_label, slow_label="none")
        betas3 = beta3_per_step(cfg, t)
        alpha_t = float(alpha_schedule(float(t), cfg.alpha, cfg.t_alpha_beta3))
        # A constant β₃ uses exact powers; a scheduled one needs the per-step products.
        slow_ema = ema_kernel(cfg.beta3, t) if cfg.t_alpha_beta3 == 0 else scheduled_ema_kernel(betas3)
        beta3_t = float(betas3[-1])
        return _kernel(t, fast, alpha_t * slow_ema, fast_beta=b1, slow_beta=beta3_t, alpha_t=alpha_t,
                       beta3_t=beta3_t, fast_label=fast_label, slow_label="α_t · slow EMA m₂ (β₃)")
    if name == "simplified_ademamix":
        current = np.where(np.arange(t) == 0, cfg.alpha, 0.0)
        return _kernel(t, current, _powers(b1, t), fast_beta=None, slow_beta=b1, alpha_t=cfg.alpha,
                       fast_label="α · g (current gradient)", slow_label="momentum m = Σ β₁^k g (unnormalised)")
    if name == "sgd_momentum":
        return _kernel(t, _powers(b1, t), zeros, fast_beta=b1, slow_beta=None,
                       fast_label="momentum m = Σ β₁^k g", slow_label="none")
    if name == "nesterov":
        look_ahead = np.where(np.arange(t) == 0, 1.0, 0.0) + b1 * _powers(b1, t)
        return _kernel(t, look_ahead, zeros, fast_beta=b1, slow_beta=None,
                       fast_label="g + β₁ m (Nesterov)", slow_label="none")
    raise ValueError(f"no kernel for optimizer {name!r}")


# ---------------------------------------------------------------------------------------------------------------------
# The paper's comparison kernels
# ---------------------------------------------------------------------------------------------------------------------

def single_ema_kernels(betas=(0.9, 0.99, 0.999, 0.9999), t: int = 10_000) -> dict[float, Array]:
    """Fig. 3a: weights (1−β) β^k of single EMAs on g(t−k), k = 0..t−1, after t = 10k steps (no bias correction).

    The figure's point: no single β gives both a large weight to recent gradients and a non-negligible one to old
    gradients.
    """
    return {float(beta): ema_kernel(beta, t) for beta in betas}


@jax.jit
def _reverse_scan_chunk(values, discount, carry):
    def step(later, value):
        current = value + discount * later
        return current, current

    return jax.lax.scan(step, carry, values, reverse=True)


def _reverse_discounted_sums(values: Array, discount: float) -> Array:
    """x_s = values_s + discount · x_{s+1} (x after the last step = 0), i.e. x_s = Σ_{t ≥ s} discount^(t−s) values_t.

    A sequential scan (exact recursion, O(T)) over fixed-size chunks from the end, so it compiles once for all T.
    """
    values = np.asarray(values, dtype=np.float64)
    padded = np.concatenate([np.zeros(-values.size % _CHUNK), values])  # padding in front never reaches later sums
    carry, chunks = np.float64(0.0), []
    for chunk in padded.reshape(-1, _CHUNK)[::-1]:
        carry, sums = _reverse_scan_chunk(chunk, np.float64(discount), carry)
        chunks.append(np.asarray(sums))
    return np.concatenate(chunks[::-1])[padded.size - values.size:]


def lr_weighted_kernels(
    t_total: int = 256_000,
    alpha: float = 8.0,
    mix: Literal["sum", "convex"] = "sum",
    eta_max: float = 1e-3,
    beta1: float = 0.9,
    beta3: float = 0.9999,
    t_alpha: int | None = None,
    warmup_steps: int = 0,
    bias_correction: bool = False,
) -> dict[str, Array]:
    """Fig. 23: total weight of g(s) in the whole run's parameter change, Σ_t η_t · (weight of g(s) in the update).

        mix = "sum":     update_t = η_t (m1_t + α_t m2_t)          (AdEMAMix; the paper uses α = 8)
        mix = "convex":  update_t = η_t ((1−α_t) m1_t + α_t m2_t)  (the rejected alternative; the paper uses α = 0.9)

        W_fast(s) = (1−β1) Σ_{t≥s} η_t c1_t β1^(t−s) [/(1−β1^t)],   W_slow(s) = (1−β3) Σ_{t≥s} η_t α_t β3^(t−s)

    with c1 = 1 ("sum") or 1 − α_t ("convex"), computed for s = 1..T by the reverse recursion
    x_s = a_s + β x_{s+1} (O(T); 256k steps take about 10 ms once compiled, and nothing recompiles for a new T).

    Settings: cosine η from η_max to 0 over T (``lr_schedule("warmup_cosine")``, no warm-up by default); α_t linear
    from 0 to α over ``t_alpha`` steps (default T, the paper's practice T_α,β3 = total steps); constant β3.
    The paper states neither η_max nor T; we use η_max = 1e-3 and T = 256k, which fit the figure's axes.
    The notes on the figure list no β1/β3; we use the paper's defaults β1 = 0.9, β3 = 0.9999. m1 is not
    bias-corrected by default, as in the formula η(t)(m1 + α m2) (it only matters for the first ~50 steps).
    Returns ``step`` (s = 1..T), ``eta``, ``alpha`` (α_s), ``fast``, ``slow`` and ``total`` = fast + slow.
    """
    if mix not in ("sum", "convex"):
        raise ValueError(f"mix must be 'sum' or 'convex', got {mix!r}")
    _check_steps(t_total)
    steps = np.arange(1, t_total + 1, dtype=np.float64)
    eta = _evaluate_schedule(_cosine_lr, steps, eta_max, t_total, warmup_steps)
    alpha_t = _evaluate_schedule(alpha_schedule, steps, alpha, t_total if t_alpha is None else t_alpha)
    fast_coef = np.ones_like(steps) if mix == "sum" else 1.0 - alpha_t
    if bias_correction:
        fast_coef = fast_coef / (1.0 - beta1**steps)
    fast = (1.0 - beta1) * _reverse_discounted_sums(eta * fast_coef, beta1)
    slow = (1.0 - beta3) * _reverse_discounted_sums(eta * alpha_t, beta3)
    return {"step": steps.astype(np.int64), "eta": eta, "alpha": alpha_t, "fast": fast, "slow": slow,
            "total": fast + slow}


def nested_ema_kernel(beta_inner: float, beta_outer: float, max_lag: int) -> Array:
    """Weights of n on g(t−k), k = 0..max_lag, for m = EMA_inner(g), n = EMA_outer(m), in steady state (t → ∞).

    The convolution of the two EMA kernels, in closed form (a = β_inner, b = β_outer):
        w[k] = Σ_{i=0..k} (1−a) a^i (1−b) b^(k−i) = (1−a)(1−b) (a^(k+1) − b^(k+1)) / (a − b),   (k+1)(1−a)² a^k if a = b
    Unit mass; symmetric in a and b.
    """
    a, b = float(beta_inner), float(beta_outer)
    k = np.arange(max_lag + 1, dtype=np.float64)
    scale = (1.0 - a) * (1.0 - b)
    if a == b:
        return scale * (k + 1.0) * np.power(a, k)
    return scale * (np.power(a, k + 1.0) - np.power(b, k + 1.0)) / (a - b)


def nested_vs_sum_kernels(
    max_lag: int = 200,
    nested_betas: tuple[float, float] = (0.9, 0.4),
    sum_betas: tuple[float, float] = (0.9, 0.999),
    sum_coefficients: tuple[float, float] = (1.0, 1.0),
) -> dict[str, Array]:
    """Fig. 31: a nested EMA (as in AdMeta/DEMA-style optimizers) against a sum of two EMAs, lags 0..max_lag.

        nested[k] = weights of EMA_0.4(EMA_0.9(g))   (``nested_ema_kernel``; unit mass)
        sum[k]    = c1 (1−β1) β1^k + c2 (1−β2) β2^k,   β = (0.9, 0.999)   (steady state, no bias correction)

    The paper does not state how the sum is normalised. Default c = (1, 1): each EMA has unit mass and they are
    added as in AdEMAMix's m1 + α m2 with α = 1 (total mass 2); pass c = (0.5, 0.5) for a unit-mass average.
    Returns ``lags``, ``nested`` and ``sum``.
    """
    lags = np.arange(max_lag + 1)
    nested = nested_ema_kernel(nested_betas[0], nested_betas[1], max_lag)
    total = sum(c * (1.0 - b) * _powers(b, max_lag + 1) for c, b in zip(sum_coefficients, sum_betas))
    return {"lags": lags, "nested": nested, "sum": np.asarray(total, dtype=np.float64)}


def beta3_scheduler_curves(
    beta_start: float = 0.9, beta_ends=(0.999, 0.9999), num: int = 501
) -> dict[str, object]:
    """Fig. 7: β3 over x = t/T ∈ [0, 1] for the paper's half-life scheduler and the linear one, per β_end.

        half_life:  β3(x) = β((1−x) t_half(β_start) + x t_half(β_end)),
                    t_half(β) = ln 0.5/ln β − 1,  β(τ) = 0.5^(1/(τ+1))
        linear:     β3(x) = (1−x) β_start + x β_end
    Returns {"x": x, "half_life": {β_end: β3(x)}, "linear": {β_end: β3(x)}}.
    """
    x = np.linspace(0.0, 1.0, num)
    curves = {
        kind: {float(end): _evaluate_schedule(_BETA3_SCHEDULES[kind], x, end, beta_start, 1.0) for end in beta_ends}
        for kind in ("half_life", "linear")
    }
    return {"x": x, **curves}
