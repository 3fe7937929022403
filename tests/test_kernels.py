"""Kernels against independent computations: plain-Python recursions, closed-form masses, the paper's numbers.

The reference recursions and schedules below are re-derived from the paper (reference §1, §2) and deliberately do
not use dynamics.schedules.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynamics  # noqa: F401  (enables float64)
from dynamics.config import OptimizerConfig
from dynamics.kernels import (
    beta3_scheduler_curves,
    ema_kernel,
    lr_weighted_kernels,
    nested_ema_kernel,
    nested_vs_sum_kernels,
    optimizer_kernel,
    scheduled_ema_kernel,
    single_ema_kernels,
)


# --------------------------------------------------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------------------------------------------------

def paper_half_life(beta):
    return math.log(0.5) / math.log(beta) - 1.0


def paper_alpha(t, alpha, total):
    return alpha if total == 0 or t >= total else alpha * t / total


def paper_beta3(t, beta3, beta_start, total, kind):
    """App. A.1 by definition: interpolate half-lives linearly (or β itself), then map back with 0.5^(1/(τ+1))."""
    if total == 0 or t >= total:
        return beta3
    mu = t / total
    if kind == "linear":
        return (1 - mu) * beta_start + mu * beta3
    start_half_life = -1.0 if beta_start == 0 else paper_half_life(beta_start)  # ln 0 = −inf
    tau = (1 - mu) * start_half_life + mu * paper_half_life(beta3)
    return 0.5 ** (1.0 / (tau + 1.0))


def numerator_response(cfg, t, impulse_step):
    """Run the optimizer's numerator recursion in plain Python for g(s) = [s == impulse_step]; value at step t."""
    b1, m1, m2 = cfg.beta1, 0.0, 0.0
    numerator = 0.0
    for s in range(1, t + 1):
        g = 1.0 if s == impulse_step else 0.0
        if cfg.name in ("adam", "adamw", "ademamix"):
            m1 = b1 * m1 + (1 - b1) * g
            fast = m1 / (1 - b1**s) if cfg.bias_correction else m1
            if cfg.name == "ademamix":
                b3 = paper_beta3(s, cfg.beta3, b1, cfg.t_alpha_beta3, cfg.beta3_scheduler)
                m2 = b3 * m2 + (1 - b3) * g
                numerator = fast + paper_alpha(s, cfg.alpha, cfg.t_alpha_beta3) * m2
            else:
                numerator = fast
        elif cfg.name == "simplified_ademamix":
            m1 = b1 * m1 + g
            numerator = m1 + cfg.alpha * g
        elif cfg.name == "sgd_momentum":
            m1 = b1 * m1 + g
            numerator = m1
        elif cfg.name == "nesterov":
            m1 = b1 * m1 + g
            numerator = g + b1 * m1
    return numerator


def reference_ademamix_kernel(cfg, t):
    """AdEMAMix, all lags at once: the plain recursion driven by t impulses in parallel (component k = lag k)."""
    b1 = cfg.beta1
    m1, m2 = np.zeros(t), np.zeros(t)
    for s in range(1, t + 1):
        g = (np.arange(t) == t - s).astype(float)  # g(s) is the gradient at lag t − s
        if cfg.name == "ademamix":
            b3 = paper_beta3(s, cfg.beta3, b1, cfg.t_alpha_beta3, cfg.beta3_scheduler)
            m1 = b1 * m1 + (1 - b1) * g
            m2 = b3 * m2 + (1 - b3) * g
    fast = m1 / (1 - b1**t) if cfg.bias_correction else m1
    return fast + paper_alpha(t, cfg.alpha, cfg.t_alpha_beta3) * m2


def close(a, b, rel=1e-12):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


# --------------------------------------------------------------------------------------------------------------------
# (a) impulse responses of the optimizers' recursions equal the kernel weights
# --------------------------------------------------------------------------------------------------------------------

ADEMAMIX_CASES = [
    dict(alpha=8.0, beta3=0.999, t_alpha_beta3=0),  # constant schedules
    dict(alpha=5.0, beta3=0.9999, t_alpha_beta3=200),  # schedules still running at t
    dict(alpha=5.0, beta3=0.999, t_alpha_beta3=120, beta3_scheduler="linear"),
    dict(alpha=5.0, beta3=0.9999, t_alpha_beta3=100),  # schedules finished before t
    dict(alpha=5.0, beta3=0.999, t_alpha_beta3=200, beta1=0.0),  # β1 = 0: m̂1 = g, β_start = 0
    dict(alpha=5.0, beta3=0.999, t_alpha_beta3=0, beta1=0.0),
    dict(alpha=3.0, beta3=0.99, t_alpha_beta3=80, bias_correction=False),
]


@pytest.mark.parametrize("params", ADEMAMIX_CASES)
def test_ademamix_kernel_is_the_impulse_response(params):
    cfg = OptimizerConfig(name="ademamix", **params)
    t = 150
    kernel = optimizer_kernel(cfg, t)
    for lag in (0, 1, 2, 7, 40, 99, 149):
        assert close(kernel.total[lag], numerator_response(cfg, t, t - lag)), lag
    np.testing.assert_allclose(kernel.total, reference_ademamix_kernel(cfg, t), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["adam", "adamw", "simplified_ademamix", "sgd_momentum", "nesterov"])
@pytest.mark.parametrize("beta1", [0.0, 0.9, 0.99])
def test_other_kernels_are_the_impulse_response(name, beta1):
    cfg = OptimizerConfig(name=name, beta1=beta1, alpha=2.5)
    t = 60
    kernel = optimizer_kernel(cfg, t)
    expected = [numerator_response(cfg, t, t - lag) for lag in range(t)]
    np.testing.assert_allclose(kernel.total, expected, rtol=1e-12, atol=0)


@settings(max_examples=25, deadline=None)
@given(
    beta1=st.sampled_from([0.0, 0.5, 0.9, 0.95]),
    beta3=st.sampled_from([0.95, 0.99, 0.999, 0.9999]),
    alpha=st.floats(0.0, 20.0),
    total=st.integers(0, 90),
    t=st.integers(1, 70),
    kind=st.sampled_from(["half_life", "linear"]),
    bias_correction=st.booleans(),
)
def test_ademamix_kernel_property(beta1, beta3, alpha, total, t, kind, bias_correction):
    cfg = OptimizerConfig(name="ademamix", beta1=beta1, beta3=beta3, alpha=alpha, t_alpha_beta3=total,
                          beta3_scheduler=kind, bias_correction=bias_correction)
    expected = reference_ademamix_kernel(cfg, t)
    np.testing.assert_allclose(optimizer_kernel(cfg, t).total, expected, rtol=1e-12, atol=1e-300)


def test_long_scheduled_kernel_matches_recursion():
    # 3000 steps through the schedule: the log-cumsum products keep 1e-12 relative accuracy.
    cfg = OptimizerConfig(name="ademamix", beta1=0.9, beta3=0.9999, alpha=8.0, t_alpha_beta3=5000)
    t = 3000
    kernel = optimizer_kernel(cfg, t)
    np.testing.assert_allclose(kernel.total, reference_ademamix_kernel(cfg, t), rtol=1e-12, atol=0)
    assert kernel.alpha_t == pytest.approx(8.0 * 3000 / 5000, rel=1e-15)
    assert kernel.beta3_t == pytest.approx(paper_beta3(3000, 0.9999, 0.9, 5000, "half_life"), rel=1e-14)


# --------------------------------------------------------------------------------------------------------------------
# (b) masses
# --------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("t", [1, 10, 1000, 20_000])
@pytest.mark.parametrize("alpha,beta3", [(5.0, 0.999), (8.0, 0.9999), (2.0, 0.5)])
def test_masses_for_constant_schedules(t, alpha, beta3):
    kernel = optimizer_kernel(OptimizerConfig(name="ademamix", alpha=alpha, beta3=beta3), t)
    assert kernel.fast_mass == pytest.approx(1.0, rel=1e-12)
    assert kernel.slow_mass == pytest.approx(alpha * (1 - beta3**t), rel=1e-12)
    assert kernel.total_mass == pytest.approx(1.0 + alpha * (1 - beta3**t), rel=1e-12)
    assert kernel.alpha_t == alpha and kernel.beta3_t == beta3


def test_masses_under_schedules_telescope():
    # Σ_s (1−β_s) Π_{j>s} β_j = 1 − Π_{j≤t} β_j.
    cfg = OptimizerConfig(name="ademamix", alpha=6.0, beta3=0.9999, t_alpha_beta3=8000)
    t = 5000
    product = math.prod(paper_beta3(s, 0.9999, 0.9, 8000, "half_life") for s in range(1, t + 1))
    kernel = optimizer_kernel(cfg, t)
    assert kernel.slow_mass == pytest.approx(6.0 * t / 8000 * (1 - product), rel=1e-11)


@pytest.mark.parametrize("beta1", [0.0, 0.9, 0.999])
def test_masses_of_momentum_kernels(beta1):
    t = 500
    geometric = t if beta1 == 1 else (1 - beta1**t) / (1 - beta1)
    adam_no_bc = optimizer_kernel(OptimizerConfig(name="adam", beta1=beta1, bias_correction=False), t)
    assert adam_no_bc.fast_mass == pytest.approx(1 - beta1**t, rel=1e-12)
    assert optimizer_kernel(OptimizerConfig(name="sgd_momentum", beta1=beta1), t).fast_mass == pytest.approx(
        geometric, rel=1e-12)
    assert optimizer_kernel(OptimizerConfig(name="nesterov", beta1=beta1), t).fast_mass == pytest.approx(
        1 + beta1 * geometric, rel=1e-12)
    simplified = optimizer_kernel(OptimizerConfig(name="simplified_ademamix", beta1=beta1, alpha=3.0), t)
    assert simplified.slow_mass == pytest.approx(geometric, rel=1e-12)
    assert simplified.fast_mass == 3.0


# --------------------------------------------------------------------------------------------------------------------
# (c) Fig. 3a, (d) half-lives, (g) Adam = bias-corrected EMA
# --------------------------------------------------------------------------------------------------------------------

def test_single_ema_kernels_fig3a():
    kernels = single_ema_kernels()
    assert sorted(kernels) == [0.9, 0.99, 0.999, 0.9999]
    for beta, weights in kernels.items():
        assert weights.shape == (10_000,)
        for k in (0, 1, 10, 500, 9999):
            assert close(weights[k], (1 - beta) * beta**k)
        assert weights.sum() == pytest.approx(1 - beta**10_000, rel=1e-12)


def test_ema_kernel_bias_correction_and_zero_beta():
    np.testing.assert_allclose(ema_kernel(0.8, 30, bias_correction=True).sum(), 1.0, rtol=1e-14)
    assert list(ema_kernel(0.0, 4)) == [1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        ema_kernel(0.9, 0)


@pytest.mark.parametrize("beta,expected,tol", [(0.9, 5.58, 0.005), (0.999, 692.0, 0.5), (0.9999, 6930.0, 0.5)])
def test_half_lives(beta, expected, tol):
    fast = optimizer_kernel(OptimizerConfig(name="adam", beta1=beta), 3)
    slow = optimizer_kernel(OptimizerConfig(name="ademamix", beta3=beta), 3)
    assert fast.fast_half_life == pytest.approx(expected, abs=tol)
    assert slow.slow_half_life == pytest.approx(expected, abs=tol)
    assert fast.slow_half_life is None and fast.beta3_t is None


@pytest.mark.parametrize("name", ["adam", "adamw"])
@pytest.mark.parametrize("beta1", [0.0, 0.9, 0.999])
def test_adam_kernel_is_bias_corrected_ema(name, beta1):
    kernel = optimizer_kernel(OptimizerConfig(name=name, beta1=beta1), 777)
    np.testing.assert_array_equal(kernel.fast, ema_kernel(beta1, 777, bias_correction=True))
    np.testing.assert_array_equal(kernel.total, kernel.fast)
    assert not kernel.slow.any() and kernel.slow_mass == 0.0


def test_ademamix_with_alpha_zero_is_adam():
    adam = optimizer_kernel(OptimizerConfig(name="adam"), 300)
    ademamix = optimizer_kernel(OptimizerConfig(name="ademamix", alpha=0.0, t_alpha_beta3=100), 300)
    np.testing.assert_array_equal(ademamix.total, adam.total)


def test_simplified_matches_ademamix_with_zero_beta1():
    # Reference §4: AdEMAMix(β1 = 0, β3, α_A) ≡ Simplified(β1 = β3, α_S = 1/(α_A(1−β3))) up to the factor α_A(1−β3).
    beta3, alpha_a, t = 0.99, 4.0, 400
    ademamix = optimizer_kernel(OptimizerConfig(name="ademamix", beta1=0.0, beta3=beta3, alpha=alpha_a), t)
    simplified = optimizer_kernel(
        OptimizerConfig(name="simplified_ademamix", beta1=beta3, alpha=1 / (alpha_a * (1 - beta3))), t)
    np.testing.assert_allclose(ademamix.fast, simplified.fast * alpha_a * (1 - beta3), rtol=1e-13)
    np.testing.assert_allclose(ademamix.slow, simplified.slow * alpha_a * (1 - beta3), rtol=1e-13)


def test_kernel_is_read_only():
    kernel = optimizer_kernel(OptimizerConfig(), 10)
    with pytest.raises(ValueError):
        kernel.total[0] = 1.0
    assert kernel.lags.dtype == np.int64 and list(kernel.lags[:3]) == [0, 1, 2]


def test_scheduled_ema_kernel_with_a_zero_beta():
    # β_t = 0 cuts off everything older than the newest gradient, with no NaN from ln 0.
    np.testing.assert_array_equal(scheduled_ema_kernel([0.5, 0.5, 0.0]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(scheduled_ema_kernel([0.0, 0.5, 0.5]), [0.5, 0.25, 0.25], rtol=1e-15)


# --------------------------------------------------------------------------------------------------------------------
# (e) Fig. 7, (f) long kernels
# --------------------------------------------------------------------------------------------------------------------

def test_beta3_scheduler_curves_fig7():
    curves = beta3_scheduler_curves(num=101)
    x = curves["x"]
    assert x[0] == 0.0 and x[-1] == 1.0 and len(x) == 101
    for end in (0.999, 0.9999):
        for kind in ("half_life", "linear"):
            beta = curves[kind][end]
            assert beta[0] == pytest.approx(0.9, rel=1e-14) and beta[-1] == pytest.approx(end, rel=1e-14)
            assert np.all(np.diff(beta) > 0)
        np.testing.assert_allclose(curves["linear"][end], 0.9 + x * (end - 0.9), rtol=1e-14)
        half_lives = np.log(0.5) / np.log(curves["half_life"][end]) - 1
        linear_in_x = (1 - x) * paper_half_life(0.9) + x * paper_half_life(end)
        np.testing.assert_allclose(half_lives, linear_in_x, rtol=1e-10)
        # Fig. 7's point: linear-in-β keeps the half-life short until the very end; the paper's scheduler does not.
        assert np.all(curves["half_life"][end][1:-1] > curves["linear"][end][1:-1])


def test_hundred_thousand_lags():
    cfg = OptimizerConfig(name="ademamix", alpha=8.0, beta3=0.9999, t_alpha_beta3=100_000)
    kernel = optimizer_kernel(cfg, 100_000)
    assert kernel.total.shape == (100_000,) and np.all(np.isfinite(kernel.total))
    assert kernel.alpha_t == 8.0 and kernel.beta3_t == 0.9999
    assert kernel.slow_mass == pytest.approx(8.0, rel=1e-3)  # Π β3_j over the warm-up is tiny but not zero


# --------------------------------------------------------------------------------------------------------------------
# Fig. 23 and Fig. 31
# --------------------------------------------------------------------------------------------------------------------

def brute_force_lr_weighted(t_total, alpha, mix, eta_max, beta1, beta3, bias_correction=False):
    """Σ_t η_t (weight of g(s) in the update at t), by explicit double loop (independent schedules)."""
    fast, slow = np.zeros(t_total), np.zeros(t_total)
    for t in range(1, t_total + 1):
        eta = eta_max * 0.5 * (1 + math.cos(math.pi * t / t_total))
        a = alpha * t / t_total
        c1 = 1.0 if mix == "sum" else 1.0 - a
        bc = 1 - beta1**t if bias_correction else 1.0
        for s in range(1, t + 1):
            fast[s - 1] += eta * c1 * (1 - beta1) * beta1 ** (t - s) / bc
            slow[s - 1] += eta * a * (1 - beta3) * beta3 ** (t - s)
    return fast, slow


@pytest.mark.parametrize("mix,alpha", [("sum", 8.0), ("convex", 0.9)])
@pytest.mark.parametrize("bias_correction", [False, True])
def test_lr_weighted_kernels_fig23(mix, alpha, bias_correction):
    out = lr_weighted_kernels(t_total=300, alpha=alpha, mix=mix, eta_max=1e-3, beta1=0.9, beta3=0.99,
                              bias_correction=bias_correction)
    fast, slow = brute_force_lr_weighted(300, alpha, mix, 1e-3, 0.9, 0.99, bias_correction)
    nonzero = np.abs(fast) > 1e-200
    np.testing.assert_allclose(out["fast"][nonzero], fast[nonzero], rtol=1e-11)
    np.testing.assert_allclose(out["slow"], slow, rtol=1e-11, atol=1e-300)
    np.testing.assert_allclose(out["total"], out["fast"] + out["slow"], rtol=0)
    assert list(out["step"][:2]) == [1, 2] and out["eta"][-1] == pytest.approx(0.0, abs=1e-18)


def test_lr_weighted_kernels_default_size_runs():
    out = lr_weighted_kernels()
    assert out["total"].shape == (256_000,) and np.all(np.isfinite(out["total"]))
    # With the sum, old gradients keep far more weight than with the convex mix (the figure's point).
    convex = lr_weighted_kernels(alpha=0.9, mix="convex")
    assert out["total"][128_000] > 2 * convex["total"][128_000]
    assert out["fast"][0] == pytest.approx(1e-3, rel=1e-6)  # the fast EMA passes an early gradient on at η ≈ η_max
    with pytest.raises(ValueError):
        lr_weighted_kernels(t_total=10, mix="product")


@pytest.mark.parametrize("a,b", [(0.9, 0.4), (0.4, 0.9), (0.7, 0.7), (0.0, 0.5)])
def test_nested_ema_is_the_convolution(a, b):
    n = 200
    ema_a, ema_b = (1 - a) * a ** np.arange(n + 1.0), (1 - b) * b ** np.arange(n + 1.0)
    np.testing.assert_allclose(nested_ema_kernel(a, b, n), np.convolve(ema_a, ema_b)[: n + 1], rtol=1e-11,
                               atol=1e-300)


def test_nested_ema_is_ema_of_ema():
    # m = EMA_0.9(g), n = EMA_0.4(m), driven long enough to be in steady state at lags ≤ 50.
    t, lag = 3000, 37
    m = n = 0.0
    for s in range(1, t + 1):
        g = 1.0 if s == t - lag else 0.0
        m = 0.9 * m + 0.1 * g
        n = 0.4 * n + 0.6 * m
    assert close(nested_vs_sum_kernels()["nested"][lag], n)


def test_nested_vs_sum_fig31():
    out = nested_vs_sum_kernels()
    k = np.arange(201)
    assert list(out["lags"]) == list(k)
    np.testing.assert_allclose(out["sum"], 0.1 * 0.9**k + 0.001 * 0.999**k, rtol=1e-14)
    average = nested_vs_sum_kernels(sum_coefficients=(0.5, 0.5))
    np.testing.assert_allclose(average["sum"], out["sum"] / 2, rtol=1e-15)
    # The sum keeps weight on old gradients; the nested EMA's tail dies like 0.9^k.
    assert out["sum"][200] > 100 * out["nested"][200]


# --------------------------------------------------------------------------------------------------------------------
# The engine's own update rule has the same kernel (guards against the two drifting apart)
# --------------------------------------------------------------------------------------------------------------------

ENGINE_CASES = [
    dict(name="adam"), dict(name="adamw", bias_correction=False), dict(name="sgd_momentum"),
    dict(name="nesterov"), dict(name="simplified_ademamix", beta1=0.95, alpha=2.0),
    dict(name="ademamix", alpha=6.0, beta3=0.99, t_alpha_beta3=30),
    dict(name="ademamix", alpha=6.0, beta3=0.999, t_alpha_beta3=50, beta3_scheduler="linear", beta1=0.0),
]


@pytest.mark.parametrize("params", ENGINE_CASES, ids=lambda p: p["name"])
def test_engine_update_has_the_kernel(params):
    from dynamics import optimizers

    # A tiny impulse and ε = 1 make the denominator 1 up to ~1e-9, so the update direction is the numerator.
    cfg = OptimizerConfig(lr=1.0, eps=1.0, **params)
    t, scale = 40, 1e-9
    rule, hyper = optimizers.rule_of(cfg), optimizers.hyper_of(cfg, t)
    kernel = optimizer_kernel(cfg, t)
    for lag in (0, 1, 5, 39):
        state, params_ = optimizers.init(cfg), np.zeros(2)
        for s in range(1, t + 1):
            g = np.full(2, scale if s == t - lag else 0.0)
            step, state, _ = optimizers.update(rule, g, state, params_, hyper, s)
        np.testing.assert_allclose(-np.asarray(step) / scale, kernel.total[lag], rtol=1e-7, atol=1e-300)
