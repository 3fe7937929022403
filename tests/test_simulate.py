"""simulate(): the public API's shapes, gradient noise, divergence reporting and the recorded quantities."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynamics

API_EXAMPLE = {
    "objective": {"name": "rosenbrock"},
    "optimizer": {"name": "ademamix", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "beta3": 0.9999,
                  "alpha": 5.0, "t_alpha_beta3": 100, "eps": 1e-8, "weight_decay": 0.0},
    "start": [-1.5, 2.0],
    "steps": 10,
}


def run(steps=300, noise_sigma=0.0, seed=0, **optimizer):
    cfg = dynamics.RunConfig.model_validate(
        {"optimizer": {"name": "ademamix", "lr": 0.01, **optimizer}, "start": [-1.5, 2.0], "steps": steps,
         "noise_sigma": noise_sigma, "seed": seed})
    return dynamics.simulate(cfg)


def test_public_api_example_shapes_and_first_step():
    traj = dynamics.simulate(dynamics.RunConfig.model_validate(API_EXAMPLE))
    assert traj.params.shape == (11, 2) and traj.params.dtype == np.float64
    assert traj.loss.shape == (11,)
    assert traj.diverged_at is None
    np.testing.assert_array_equal(traj.params[0], [-1.5, 2.0])
    # Step 1 by hand: every EMA starts at zero, so m̂1 = g, m2 = (1 − β3_1) g, ν̂ = g², α_1 = 5/100.
    x, y = -1.5, 2.0
    g = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    mu = 1 / 100
    beta3_1 = np.exp(np.log(0.9) * np.log(0.9999) / ((1 - mu) * np.log(0.9999) + mu * np.log(0.9)))
    step = 0.01 * (g + 0.05 * (1 - beta3_1) * g) / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(traj.params[1], np.array([-1.5, 2.0]) - step, rtol=0, atol=1e-15)
    assert traj.loss[0] == pytest.approx((1 + 1.5) ** 2 + 100 * (2 - 1.5**2) ** 2, rel=1e-15)


def test_every_recorded_quantity_is_consistent():
    traj = run(steps=200, alpha=5.0, beta3=0.999, t_alpha_beta3=50)
    np.testing.assert_allclose(np.diff(traj.params, axis=0), traj.update[1:], rtol=1e-12, atol=1e-15)
    f = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2  # noqa: E731
    np.testing.assert_allclose(traj.loss, [f(p) for p in traj.params], rtol=1e-13)
    grads = np.asarray(jax.vmap(jax.grad(lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2))(
        jnp.asarray(traj.params[:-1])))
    np.testing.assert_allclose(traj.grad[1:], grads, rtol=1e-13)
    np.testing.assert_allclose(traj.m1_hat[1:], traj.m1[1:] / (1 - 0.9 ** np.arange(1, 201))[:, None], rtol=1e-13)
    assert traj.alpha[0] == 0.0 and traj.alpha[50] == 5.0 and traj.alpha[25] == pytest.approx(2.5)
    assert traj.beta3[0] == 0.9 and traj.beta3[50:].tolist() == [0.999] * 151
    assert np.all(traj.lr == 0.01)
    np.testing.assert_allclose(traj.distance, np.hypot(traj.params[:, 0] - 1, traj.params[:, 1] - 1), rtol=1e-14)


def test_noise_is_seeded_and_reproducible():
    a = run(noise_sigma=0.5, seed=7)
    b = run(noise_sigma=0.5, seed=7)
    c = run(noise_sigma=0.5, seed=8)
    assert np.array_equal(a.params, b.params) and np.array_equal(a.grad, b.grad)
    assert not np.allclose(a.params, c.params)
    noiseless = run()
    assert np.array_equal(run(noise_sigma=0.0, seed=123).params, noiseless.params)
    # The noise is additive: the recorded gradient minus the exact gradient has about the requested σ.
    exact = np.asarray(jax.vmap(jax.grad(lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2))(
        jnp.asarray(a.params[:-1])))
    residual = a.grad[1:] - exact
    assert 0.4 < residual.std() < 0.6 and abs(residual.mean()) < 0.1


def test_divergence_is_reported_and_masked_without_raising():
    traj = run(steps=400, name="sgd_momentum", lr=0.5, beta1=0.9)
    assert traj.diverged_at is not None and 1 <= traj.diverged_at <= 400
    k = traj.diverged_at
    assert np.all(np.isfinite(traj.params[:k])) and np.all(np.isnan(traj.params[k:]))
    assert np.all(np.isnan(traj.loss[k:])) and np.all(np.isnan(traj.m1[k:]))
    assert f"at step {k}" in traj.divergence_reason and "last finite point" in traj.divergence_reason
    np.testing.assert_array_equal(traj.final_params, traj.params[k - 1])


def test_a_run_shorter_than_its_bucket_ignores_the_extra_steps():
    """steps = 130 runs in the 200 bucket; a divergence after step 130 must not be reported."""
    long = run(steps=400, name="sgd_momentum", lr=0.5, beta1=0.9)
    short = run(steps=long.diverged_at - 1, name="sgd_momentum", lr=0.5, beta1=0.9)
    assert short.diverged_at is None
    np.testing.assert_array_equal(short.params, long.params[: long.diverged_at])


def test_initial_buffers_are_used():
    traj = run(steps=5, name="ademamix", initial_m1=(-3.0, 0.0), initial_m2=(-3.0, 0.0), initial_nu=(1.0, 1.0),
               bias_correction=False, alpha=2.0, beta3=0.999)
    np.testing.assert_array_equal(traj.m1[0], [-3.0, 0.0])
    np.testing.assert_array_equal(traj.m2[0], [-3.0, 0.0])
    g = traj.grad[1]
    np.testing.assert_allclose(traj.m1[1], 0.9 * np.array([-3.0, 0.0]) + 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(traj.nu[1], 0.999 * 1.0 + 0.001 * g**2, rtol=1e-15)


@pytest.mark.parametrize("name", ["adam", "adamw", "ademamix", "simplified_ademamix", "sgd_momentum", "nesterov"])
def test_every_optimizer_runs_on_every_builtin_objective(name):
    for objective in ("rosenbrock", "trap"):
        cfg = dynamics.RunConfig.model_validate(
            {"objective": {"name": objective}, "optimizer": {"name": name, "lr": 1e-4}, "steps": 50})
        traj = dynamics.simulate(cfg)
        assert traj.diverged_at is None and traj.params.shape == (51, 2)
