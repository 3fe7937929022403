"""The paper's α and β3 schedulers (App. A.1), checked against independent arithmetic."""
import math

import numpy as np
import pytest

import dynamics  # noqa: F401  (enables float64)
from dynamics import schedules


def paper_beta3(t, beta3, beta_start, total):
    """Direct transcription of the half-life interpolation with math.log (no JAX)."""
    if t >= total:
        return beta3
    mu = t / total
    t_half = lambda b: math.log(0.5) / math.log(b) - 1.0  # noqa: E731
    tau = (1 - mu) * t_half(beta_start) + mu * t_half(beta3)
    return 0.5 ** (1.0 / (tau + 1.0))


@pytest.mark.parametrize("beta3,beta_start,total", [(0.9999, 0.9, 1000), (0.999, 0.9, 50), (0.99999, 0.95, 10_000)])
def test_half_life_scheduler_matches_the_definition(beta3, beta_start, total):
    ts = np.arange(0, 2 * total + 1, max(1, total // 97), dtype=np.float64)
    ours = np.asarray(schedules.beta3_schedule(ts, beta3, beta_start, total))
    expected = np.array([paper_beta3(t, beta3, beta_start, total) for t in ts])
    np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=0)


def test_closed_form_of_the_reference_doc():
    beta3, beta_start, total = 0.9999, 0.9, 400
    t = np.arange(1, total, dtype=np.float64)
    mu = t / total
    closed = np.exp(np.log(beta_start) * np.log(beta3) / ((1 - mu) * np.log(beta3) + mu * np.log(beta_start)))
    np.testing.assert_allclose(np.asarray(schedules.beta3_schedule(t, beta3, beta_start, total)), closed, rtol=1e-13)


def test_values_at_and_after_the_warm_up_are_the_targets():
    t = np.array([100.0, 101.0, 5000.0])
    assert np.all(np.asarray(schedules.beta3_schedule(t, 0.9999, 0.9, 100)) == 0.9999)
    assert np.all(np.asarray(schedules.alpha_schedule(t, 8.0, 100)) == 8.0)
    np.testing.assert_allclose(np.asarray(schedules.alpha_schedule(np.array([1.0, 50.0]), 8.0, 100)), [0.08, 4.0])


def test_half_life_is_linear_in_t_during_warm_up():
    t = np.arange(1, 1000, dtype=np.float64)
    halves = np.asarray(schedules.half_life(schedules.beta3_schedule(t, 0.9999, 0.9, 1000)))
    second_differences = np.diff(halves, 2)
    assert np.max(np.abs(second_differences)) < 1e-7 * np.max(halves)
    slope = (math.log(0.5) / math.log(0.9999) - math.log(0.5) / math.log(0.9)) / 1000
    np.testing.assert_allclose(np.diff(halves), slope, rtol=1e-7)


def test_reference_half_lives():
    got = np.asarray(schedules.half_life(np.array([0.9, 0.999, 0.9999])))
    # The reference doc's rounded values: 0.9 → 5.58, 0.999 → 692, 0.9999 → 6930 (the "−1" is in the definition).
    assert np.all(np.abs(got - [5.58, 692.0, 6930.0]) <= [0.005, 0.5, 0.5])
    np.testing.assert_allclose(np.asarray(schedules.beta_from_half_life(got)), [0.9, 0.999, 0.9999], rtol=1e-14)


def test_schedules_off_when_total_is_zero():
    t = np.array([0.0, 1.0, 10.0])
    assert np.all(np.asarray(schedules.alpha_schedule(t, 5.0, 0)) == 5.0)
    assert np.all(np.asarray(schedules.beta3_schedule(t, 0.9999, 0.9, 0)) == 0.9999)


def test_linear_scheduler_interpolates_beta():
    t = np.array([0.0, 25.0, 50.0, 100.0])
    np.testing.assert_allclose(np.asarray(schedules.beta3_schedule(t, 0.9999, 0.9, 100, "linear")),
                               [0.9, 0.924975, 0.94995, 0.9999], rtol=1e-14)


def test_beta_start_zero_starts_at_zero_and_keeps_half_life_linear():
    t = np.array([0.0, 250.0, 500.0, 1000.0])
    got = np.asarray(schedules.beta3_schedule(t, 0.999, 0.0, 1000))
    assert got[0] == 0.0 and got[-1] == 0.999
    # t_half(0) = −1, so τ(μ) = μ (t_half(β3) + 1) − 1.
    expected_tau = np.array([0.25, 0.5]) * (math.log(0.5) / math.log(0.999)) - 1
    np.testing.assert_allclose(got[1:3], 0.5 ** (1 / (expected_tau + 1)), rtol=1e-13)
