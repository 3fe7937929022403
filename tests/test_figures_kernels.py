"""Kernel figures: the plotted numbers are the paper's formulas (re-derived here), at the lags shown."""
import math

import numpy as np
import pytest

import dynamics  # noqa: F401  (float64)
from dynamics.config import OptimizerConfig
from figures.kernels import (
    animation_steps,
    display_lags,
    fig3a_data,
    fig3a_figure,
    fig23_data,
    fig23_figure,
    fig31_data,
    fig31_figure,
    kernel_animation_figure,
    kernel_figure,
    kernel_table_for_export,
    lag_x,
)
from figures.style import DEFAULT_STYLE, run_color


def t_half(beta):
    return math.log(0.5) / math.log(beta) - 1.0


def traces(fig, **meta):
    return [tr for tr in fig.data if tr.meta and all(tr.meta.get(k) == v for k, v in meta.items())]


def test_display_lags():
    assert np.array_equal(display_lags(100), np.arange(100))
    lags = display_lags(100_000)
    assert lags[0] == 0 and lags[-1] == 99_999 and np.all(np.diff(lags) > 0)
    assert np.array_equal(lags[:300], np.arange(300)) and lags.size <= 1500
    assert np.array_equal(lag_x(np.array([0, 9]), True), [1, 10])
    assert np.array_equal(lag_x(np.array([0, 9]), False), [0, 9])


@pytest.mark.parametrize("log_x", [True, False])
def test_fig3a_weights_are_one_minus_beta_times_beta_to_the_k(log_x):
    fig = fig3a_figure(log_x=log_x, log_y=False)
    curves = traces(fig, component="single")
    assert [tr.meta["beta"] for tr in curves] == [0.9, 0.99, 0.999, 0.9999]
    for tr in curves:
        beta, k = tr.meta["beta"], np.asarray(tr.customdata)
        assert tr.meta["t"] == 10_000 and k.max() == 9_999
        np.testing.assert_allclose(tr.y, (1 - beta) * beta ** k.astype(float), rtol=1e-12, atol=0)
        np.testing.assert_array_equal(tr.x, k + 1 if log_x else k)
    for tr in traces(fig, component="half_life"):
        assert tr.customdata[0] == pytest.approx(t_half(tr.meta["beta"]))
    # Full-resolution data for export.
    data = fig3a_data()
    assert data["lag"].size == 10_000
    np.testing.assert_allclose(data["beta_0.9999"], 1e-4 * 0.9999 ** np.arange(10_000), rtol=1e-12)


def test_fig3a_log_y_hides_zeros_only():
    fig = fig3a_figure(log_y=True)
    tr = traces(fig, component="single", beta=0.9)[0]
    y = np.asarray(tr.y, dtype=float)
    k = np.asarray(tr.customdata)
    finite = np.isfinite(y)
    np.testing.assert_allclose(y[finite], 0.1 * 0.9 ** k[finite].astype(float), rtol=1e-12, atol=1e-300)
    assert np.all(0.1 * 0.9 ** k[~finite].astype(float) == 0)  # only underflowed weights are hidden


def test_kernel_figure_adam_and_ademamix_constant_schedules():
    alpha, b1, b3, t = 5.0, 0.9, 0.999, 3000
    runs = [("AdEMAMix", OptimizerConfig(alpha=alpha, beta1=b1, beta3=b3)), ("Adam", OptimizerConfig(name="adam"))]
    fig = kernel_figure(runs, t, slots=[0, 3], log_y=False)
    total = traces(fig, run="AdEMAMix", component="total")[0]
    k = np.asarray(total.customdata).astype(float)
    expected = (1 - b1) * b1**k / (1 - b1**t) + alpha * (1 - b3) * b3**k
    np.testing.assert_allclose(total.y, expected, rtol=1e-12)
    slow = traces(fig, run="AdEMAMix", component="slow")[0]
    np.testing.assert_allclose(slow.y, alpha * (1 - b3) * b3**k, rtol=1e-12)
    # Masses: fast 1, slow α(1−β₃^t), shown in the legend.
    assert f"mass {alpha * (1 - b3**t):.3g}" in slow.name
    fast = traces(fig, run="AdEMAMix", component="fast")[0]
    assert "mass 1" in fast.name
    adam = traces(fig, run="Adam", component="total")[0]
    assert adam.line.color == run_color(3) and total.line.color == run_color(0)
    assert not traces(fig, run="Adam", component="slow")  # Adam has no slow EMA
    # Half-lives marked: β₁ for both, β₃ for AdEMAMix.
    hl = {(tr.meta["run"], tr.meta["component"]): tr.customdata[0] for tr in fig.data
          if tr.meta and tr.meta["component"].endswith("half_life")}
    assert hl[("AdEMAMix", "slow_half_life")] == pytest.approx(t_half(b3))
    assert hl[("Adam", "fast_half_life")] == pytest.approx(t_half(b1))
    box = fig.layout.annotations[-1].text
    assert "masses at t = 3,000" in box and f"slow {alpha * (1 - b3**t):.3g}" in box


def test_kernel_figure_under_warm_up_matches_the_update_rule():
    """Scheduled β3/α: the kernel of the numerator equals what the recursion m2 ← β3_t m2 + (1−β3_t) g gives for
    unit impulses (computed here by brute force)."""
    cfg = OptimizerConfig(alpha=8.0, beta1=0.9, beta3=0.999, t_alpha_beta3=400)
    t = 300
    fig = kernel_figure([("A", cfg)], t, log_y=False, log_x=False)
    slow = traces(fig, run="A", component="slow")[0]
    k = np.asarray(slow.customdata)

    def b3(j):
        mu = min(j / 400, 1.0)
        return 0.5 ** (1 / ((1 - mu) * t_half(0.9) + mu * t_half(0.999) + 1))

    weights = []
    for lag in range(t):
        m2 = 0.0
        for j in range(1, t + 1):
            g = 1.0 if j == t - lag else 0.0
            m2 = b3(j) * m2 + (1 - b3(j)) * g
        weights.append(8.0 * min(t / 400, 1.0) * m2)
    np.testing.assert_allclose(slow.y, np.asarray(weights)[k], rtol=1e-9)


def test_kernel_export_table_is_full_resolution():
    runs = [("A", OptimizerConfig()), ("B", OptimizerConfig(name="adam"))]
    tables = kernel_table_for_export(runs, 20_000)
    assert tables["A"]["lag"].size == 20_000
    np.testing.assert_allclose(tables["A"]["total"], tables["A"]["fast"] + tables["A"]["slow"])
    assert np.all(tables["B"]["slow"] == 0)


def test_kernel_animation_frames():
    runs = [("A", OptimizerConfig(t_alpha_beta3=1000))]
    steps = animation_steps(10_000, 12)
    fig = kernel_animation_figure(runs, steps, log_y=False)
    assert [f.name for f in fig.frames] == [str(s) for s in steps]
    assert len(fig.layout.sliders[0].steps) == len(steps)
    first = fig.frames[0]
    total = first.data[0]
    y = np.asarray(total.y, dtype=float)
    k = np.asarray(total.customdata)
    assert np.all(np.isnan(y[k >= steps[0]]))  # lags beyond t do not exist yet
    assert "masses at t = 1" in first.layout.annotations[0].text


def test_fig23_matches_a_brute_force_sum():
    """Σ_{t ≥ s} η_t (1−β)β^(t−s) c_t computed directly (O(T²)) for a short run."""
    T, alpha, b1, b3 = 400, 8.0, 0.9, 0.9999
    data = fig23_data(t_total=T, alpha_sum=alpha, alpha_convex=0.9)
    steps = np.arange(1, T + 1, dtype=float)
    eta = 1e-3 * 0.5 * (1 + np.cos(np.pi * steps / T))
    alpha_t = alpha * np.minimum(steps / T, 1.0)
    fast = [sum(eta[t - 1] * (1 - b1) * b1 ** (t - s) for t in range(s, T + 1)) for s in range(1, T + 1)]
    slow = [sum(eta[t - 1] * alpha_t[t - 1] * (1 - b3) * b3 ** (t - s) for t in range(s, T + 1)) for s in range(1, T + 1)]
    np.testing.assert_allclose(data["sum"]["fast"], fast, rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(data["sum"]["slow"], slow, rtol=1e-10, atol=1e-18)
    fig = fig23_figure(data=data)
    assert {tr.meta["mix"] for tr in fig.data} == {"sum", "convex"}
    total = traces(fig, mix="sum", component="total")[0]
    np.testing.assert_allclose(total.y, np.asarray(fast) + np.asarray(slow), rtol=1e-10)


def test_fig31_nested_is_the_convolution_and_sum_is_two_emas():
    data = fig31_data(200)
    k = np.arange(201)
    a = 0.1 * 0.9**k
    b = 0.6 * 0.4**k
    conv = np.convolve(a, b)[:201]
    np.testing.assert_allclose(data["nested"], conv, rtol=1e-12)
    np.testing.assert_allclose(data["sum"], 0.1 * 0.9**k + 0.001 * 0.999**k, rtol=1e-12)
    fig = fig31_figure()
    assert len(fig.data) == 4
    assert fig.layout.yaxis.type in (None, "linear", "-") and fig.layout.yaxis2.type == "log"
    assert list(fig.data[0].x) == list(range(201))


def test_lecture_style_is_larger():
    normal = fig3a_figure()
    lecture = fig3a_figure(style=DEFAULT_STYLE.lecture())
    assert lecture.data[0].line.width > normal.data[0].line.width
    assert lecture.layout.font.size > normal.layout.font.size
