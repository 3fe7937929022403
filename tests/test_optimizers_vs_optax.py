"""The engine against optax (an independent implementation) in float64 over 1,000+ Rosenbrock steps."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optax import contrib

import dynamics
from dynamics import schedules

START = (-1.5, 2.0)
STEPS = 1500


def rosenbrock(p):
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2


def optax_path(tx, steps=STEPS, start=START):
    """θ_0..θ_steps from a jitted optax update in a Python-free lax.scan."""
    theta0 = jnp.asarray(start, jnp.float64)

    def step(carry, _):
        theta, state = carry
        updates, state = tx.update(jax.grad(rosenbrock)(theta), state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), theta

    _, path = jax.lax.scan(step, (theta0, tx.init(theta0)), None, length=steps)
    return np.vstack([np.asarray(start)[None], np.asarray(path)])


def engine_path(steps=STEPS, start=START, **optimizer):
    cfg = dynamics.RunConfig.model_validate(
        {"objective": {"name": "rosenbrock"}, "optimizer": optimizer, "start": list(start), "steps": steps})
    return dynamics.simulate(cfg)


def assert_same(traj, expected):
    assert traj.diverged_at is None
    assert np.max(np.abs(traj.params - expected)) <= 1e-12


def paper_schedules(alpha, beta3, beta_start, total):
    """The paper's schedulers, written independently of dynamics.schedules, at the 1-based t = count + 1."""
    def alpha_t(count):
        t = count + 1.0
        return alpha * jnp.minimum(t / total, 1.0)

    def beta3_t(count):
        t = count + 1.0
        mu = jnp.minimum(t / total, 1.0)
        t_half = lambda b: jnp.log(0.5) / jnp.log(b) - 1.0  # noqa: E731
        tau = (1.0 - mu) * t_half(beta_start) + mu * t_half(beta3)
        return jnp.power(0.5, 1.0 / (tau + 1.0))

    return alpha_t, beta3_t


def test_adam_matches_optax():
    expected = optax_path(optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8))
    assert_same(engine_path(name="adam", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8), expected)


def test_adamw_matches_optax():
    expected = optax_path(optax.adamw(0.01, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.05))
    assert_same(engine_path(name="adamw", lr=0.01, weight_decay=0.05), expected)


@pytest.mark.parametrize("beta3,alpha", [(0.9999, 5.0), (0.999, 8.0)])
def test_ademamix_without_schedules_matches_optax(beta3, alpha):
    expected = optax_path(contrib.ademamix(0.005, b1=0.9, b2=0.999, b3=beta3, alpha=alpha, eps=1e-8))
    assert_same(engine_path(name="ademamix", lr=0.005, beta3=beta3, alpha=alpha, t_alpha_beta3=0), expected)


def test_ademamix_with_schedules_matches_optax_at_one_based_step():
    alpha_t, beta3_t = paper_schedules(8.0, 0.9999, 0.9, 1000.0)
    expected = optax_path(contrib.ademamix(0.005, b1=0.9, b2=0.999, b3=beta3_t, alpha=alpha_t, eps=1e-8))
    traj = engine_path(name="ademamix", lr=0.005, beta3=0.9999, alpha=8.0, t_alpha_beta3=1000)
    assert_same(traj, expected)
    # The same optax run fed the 0-based count (trap 1 of the reference) is measurably different.
    shifted = paper_schedules(8.0, 0.9999, 0.9, 1000.0)
    wrong = optax_path(contrib.ademamix(0.005, b3=lambda c: shifted[1](c - 1), alpha=lambda c: shifted[0](c - 1)))
    assert np.max(np.abs(traj.params - wrong)) > 1e-6


def test_ademamix_with_weight_decay_matches_optax():
    alpha_t, beta3_t = paper_schedules(5.0, 0.999, 0.9, 500.0)
    expected = optax_path(contrib.ademamix(0.005, b3=beta3_t, alpha=alpha_t, weight_decay=0.1))
    traj = engine_path(name="ademamix", lr=0.005, beta3=0.999, alpha=5.0, t_alpha_beta3=500, weight_decay=0.1)
    assert_same(traj, expected)


def test_ademamix_with_beta1_zero_matches_optax():
    alpha_t, beta3_t = paper_schedules(5.0, 0.9999, 0.0, 800.0)
    expected = optax_path(contrib.ademamix(0.003, b1=0.0, b3=beta3_t, alpha=alpha_t))
    traj = engine_path(name="ademamix", lr=0.003, beta1=0.0, beta3=0.9999, alpha=5.0, t_alpha_beta3=800)
    assert_same(traj, expected)


@pytest.mark.parametrize("lr,beta1,beta2,alpha", [(3e-4, 0.9, 0.999, 2.0), (1e-4, 0.99, 0.999, 5.0)])
def test_simplified_ademamix_matches_optax(lr, beta1, beta2, alpha):
    # Non-chaotic settings: optax writes the ν EMA as g² + β2(ν − g²), and in a chaotic regime (e.g. β2 = 0.95 with
    # undamped momentum near the minimum) that last-bit difference grows to 1e-1 within 1,000 steps.
    expected = optax_path(contrib.simplified_ademamix(lr, b1=beta1, b2=beta2, alpha=alpha, eps=1e-8))
    assert_same(engine_path(name="simplified_ademamix", lr=lr, beta1=beta1, beta2=beta2, alpha=alpha), expected)


@pytest.mark.parametrize("name,nesterov", [("sgd_momentum", False), ("nesterov", True)])
def test_momentum_sgd_matches_optax(name, nesterov):
    expected = optax_path(optax.sgd(2e-4, momentum=0.9, nesterov=nesterov))
    assert_same(engine_path(name=name, lr=2e-4, beta1=0.9), expected)


def test_ademamix_with_alpha_zero_is_adam():
    adam = engine_path(name="adam", lr=0.01)
    ademamix = engine_path(name="ademamix", lr=0.01, alpha=0.0, beta3=0.9999, t_alpha_beta3=300)
    assert np.max(np.abs(adam.params - ademamix.params)) == 0.0


def test_ademamix_beta1_zero_equals_simplified_ademamix():
    """Reference §4: AdEMAMix(β1=0, β3, α_A, η_A) = Simplified(β1=β3, α_S=1/(α_A(1−β3)), η_S=η_A α_A (1−β3))."""
    beta3, alpha_a, lr_a = 0.99, 4.0, 0.002
    ademamix = engine_path(steps=1000, name="ademamix", lr=lr_a, beta1=0.0, beta3=beta3, alpha=alpha_a)
    simplified = engine_path(steps=1000, name="simplified_ademamix", lr=lr_a * alpha_a * (1 - beta3), beta1=beta3,
                             alpha=1.0 / (alpha_a * (1 - beta3)))
    assert np.max(np.abs(ademamix.params - simplified.params)) <= 1e-12


def test_lr_schedules_match_optax_schedules():
    cosine = optax.warmup_cosine_decay_schedule(0.0, 0.01, warmup_steps=100, decay_steps=1000, end_value=0.001)
    t = np.arange(1, 1001, dtype=np.float64)
    ours = np.asarray(schedules.lr_schedule(t, 0.01, "warmup_cosine", 1000, 100, 0.1))
    np.testing.assert_allclose(ours, np.asarray(jax.vmap(cosine)(t)), rtol=1e-12, atol=1e-15)
    linear = optax.linear_schedule(0.01, 0.0, transition_steps=999)
    ours = np.asarray(schedules.lr_schedule(t, 0.01, "linear_decay", 1000, 0, 0.0))
    np.testing.assert_allclose(ours, np.asarray(jax.vmap(linear)(t - 1)), rtol=1e-12, atol=1e-15)
