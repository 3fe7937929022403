"""Objectives: jax.grad against hand-derived gradients, exactness of the listed minima, metadata, numerical minima."""
from __future__ import annotations

import math
import typing

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from pydantic import ValidationError

import dynamics  # noqa: F401  (enables float64)
from dynamics.config import ObjectiveConfig, ObjectiveName
from dynamics.objectives import Objective, available_objectives, find_minima, get_objective

BUILT_IN = [n for n in typing.get_args(ObjectiveName) if n != "custom"]

# Parameter variants per objective (the defaults plus non-default values of the fields each one uses).
CONFIGS = [ObjectiveConfig(name=n) for n in BUILT_IN] + [
    ObjectiveConfig(name="rosenbrock", rosenbrock_a=-1.5, rosenbrock_b=3.0),
    ObjectiveConfig(name="quadratic", kappa=250.0, angle_deg=-70.0),
    ObjectiveConfig(name="quadratic", kappa=1.0, angle_deg=0.0),
    ObjectiveConfig(name="rastrigin", rastrigin_amplitude=3.5),
    ObjectiveConfig(name="rastrigin", rastrigin_amplitude=0.0),
]


# ---------------------------------------------------------------------------------------------------- hand gradients

def grad_rosenbrock(x, y, cfg):
    a, b = cfg.rosenbrock_a, cfg.rosenbrock_b
    return np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])


def grad_trap(x, y, cfg):
    return np.array([8 * x * (x - 1) * (5.2 * x + 3.4), y - 4])


def grad_beale(x, y, cfg):
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array([2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1),
                     2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y**2])


def grad_himmelblau(x, y, cfg):
    a, b = x * x + y - 11, x + y * y - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def grad_quadratic(x, y, cfg):
    theta = math.radians(cfg.angle_deg)
    c, s = math.cos(theta), math.sin(theta)
    u, v = c * x + s * y, -s * x + c * y
    return np.array([u / cfg.kappa * c - v * s, u / cfg.kappa * s + v * c])


def grad_saddle(x, y, cfg):
    return np.array([2 * x, -2 * y + y**3])


def grad_rastrigin(x, y, cfg):
    a = cfg.rastrigin_amplitude
    return np.array([2 * x + 2 * np.pi * a * np.sin(2 * np.pi * x), 2 * y + 2 * np.pi * a * np.sin(2 * np.pi * y)])


HAND_GRADIENTS = {"rosenbrock": grad_rosenbrock, "trap": grad_trap, "beale": grad_beale,
                  "himmelblau": grad_himmelblau, "quadratic": grad_quadratic, "saddle": grad_saddle,
                  "rastrigin": grad_rastrigin}


def jax_grad(obj: Objective, xy) -> np.ndarray:
    return np.asarray(jax.grad(obj.fn)(jnp.asarray(xy, dtype=jnp.float64), jnp.asarray(obj.params, jnp.float64)))


def values_on_grid(obj: Objective, n: int = 301) -> np.ndarray:
    xs = np.linspace(*obj.x_range, n)
    ys = np.linspace(*obj.y_range, n)
    pts = np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)
    p = jnp.asarray(obj.params, jnp.float64)
    return np.asarray(jax.vmap(lambda q: obj.fn(q, p))(jnp.asarray(pts)))


def ids(cfg: ObjectiveConfig) -> str:
    return f"{cfg.name}-{cfg.rosenbrock_a}-{cfg.rosenbrock_b}-{cfg.kappa}-{cfg.angle_deg}-{cfg.rastrigin_amplitude}"


# ---------------------------------------------------------------------------------------------------- tests

def test_every_config_name_has_an_objective_and_a_title():
    titles = available_objectives()
    assert list(titles) == list(typing.get_args(ObjectiveName))
    assert all(isinstance(t, str) and t for t in titles.values())
    for name in BUILT_IN:
        obj = get_objective(ObjectiveConfig(name=name))
        assert obj.name == name and obj.title == titles[name]
        assert obj.description and "\n" not in obj.description
        assert obj.latex.startswith("f(x,y) =")


@pytest.mark.parametrize("cfg", CONFIGS, ids=ids)
def test_jax_gradient_matches_hand_derived_gradient(cfg):
    obj = get_objective(cfg)
    rng = np.random.default_rng(0)
    for x, y in zip(rng.uniform(*obj.x_range, 25), rng.uniform(*obj.y_range, 25)):
        expected = HAND_GRADIENTS[cfg.name](x, y, cfg)
        np.testing.assert_allclose(jax_grad(obj, (x, y)), expected, rtol=1e-11, atol=1e-11 * (1 + abs(expected).max()))


@pytest.mark.parametrize("cfg", CONFIGS, ids=ids)
def test_listed_minima_are_stationary_minima_and_globals_are_lowest(cfg):
    obj = get_objective(cfg)
    assert obj.minima and any(m.kind == "global" for m in obj.minima)
    p = jnp.asarray(obj.params, jnp.float64)
    values = {}
    for m in obj.minima:
        assert m.kind in ("global", "local")
        assert obj.x_range[0] < m.x < obj.x_range[1] and obj.y_range[0] < m.y < obj.y_range[1]
        np.testing.assert_allclose(jax_grad(obj, (m.x, m.y)), 0.0, atol=1e-9)
        assert np.all(np.linalg.eigvalsh(np.asarray(jax.hessian(obj.fn)(jnp.array([m.x, m.y]), p))) >= -1e-9)
        values[m] = float(obj.value((m.x, m.y)))
    lowest = min(values[m] for m in obj.minima if m.kind == "global")
    for m, v in values.items():
        assert v == pytest.approx(lowest, abs=1e-12) if m.kind == "global" else v > lowest + 1e-6
    assert values_on_grid(obj).min() >= lowest - 1e-12  # nothing in the box is lower than the global minimum


def test_trap_minima_and_ridge_are_exact():
    obj = get_objective(ObjectiveConfig(name="trap"))
    assert [(m.x, m.y, m.kind) for m in obj.minima] == [(1.0, 4.0, "global"), (-17 / 26, 4.0, "local")]
    assert float(obj.value((-17 / 26, 4.0))) == pytest.approx(5.43, abs=0.01)
    np.testing.assert_allclose(jax_grad(obj, (0.0, 4.0)), 0.0, atol=1e-15)  # the ridge between the two basins
    assert obj.default_start == (0.3, 1.5)


def test_rosenbrock_keeps_the_papers_start():
    obj = get_objective(ObjectiveConfig())
    assert obj.default_start == (-3.0, 5.0) and (obj.minima[0].x, obj.minima[0].y) == (1.0, 1.0)


@pytest.mark.parametrize("kappa, angle", [(1.0, 0.0), (10.0, 30.0), (250.0, -70.0), (1e4, 90.0)])
def test_quadratic_has_condition_number_kappa_and_its_flat_direction_at_angle(kappa, angle):
    obj = get_objective(ObjectiveConfig(name="quadratic", kappa=kappa, angle_deg=angle))
    hessian = np.asarray(jax.hessian(obj.fn)(jnp.array([0.3, -0.7]), jnp.asarray(obj.params, jnp.float64)))
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    np.testing.assert_allclose(eigenvalues, [1 / kappa, 1.0], rtol=1e-12)
    if kappa > 1:
        flat = eigenvectors[:, 0]
        theta = math.radians(angle)
        assert abs(flat @ [math.cos(theta), math.sin(theta)]) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", BUILT_IN)
def test_default_start_is_inside_the_box_and_not_a_minimum(name):
    obj = get_objective(ObjectiveConfig(name=name))
    (x, y), (x0, x1), (y0, y1) = obj.default_start, obj.x_range, obj.y_range
    assert x0 < x < x1 and y0 < y < y1
    assert np.min(np.linalg.norm(obj.minima_array - [x, y], axis=1)) > 0.5


@pytest.mark.parametrize("name", BUILT_IN)
def test_fn_is_stable_and_parameters_do_not_recompile(name):
    traces = []

    @jax.jit
    def value(xy, p):
        traces.append(1)
        return first.fn(xy, p)

    first = get_objective(ObjectiveConfig(name=name))
    other = get_objective(ObjectiveConfig(name=name, rosenbrock_a=2.0, kappa=50.0, angle_deg=-10.0,
                                          rastrigin_amplitude=1.0))
    assert first.fn is other.fn
    for obj in (first, other):
        value(jnp.array([0.1, 0.2]), jnp.asarray(obj.params, jnp.float64))
    assert len(traces) == 1


@pytest.mark.parametrize("name", BUILT_IN)
def test_find_minima_recovers_the_listed_minima(name):
    obj = get_objective(ObjectiveConfig(name=name))
    found = find_minima(obj)
    assert 1 <= len(found) <= 10
    found_xy = np.array([[m.x, m.y] for m in found])
    for m in obj.minima:
        distances = np.linalg.norm(found_xy - [m.x, m.y], axis=1)
        assert distances.min() < 1e-6, (m, found)
        assert found[int(distances.argmin())].kind == m.kind
    if name == "rastrigin":  # many ripples: only the lowest 10 are kept, the origin first
        assert len(found) == 10 and found[0].kind == "global" and all(m.kind == "local" for m in found[1:])


def custom(expression: str, box=(-3.0, 3.0), ybox=None) -> Objective:
    return get_objective(ObjectiveConfig(name="custom", expression=expression, x_range=box, y_range=ybox or box))


def test_custom_bowl_has_its_minimum_found():
    obj = custom("(x-1)**2 + (y+0.5)**2")
    assert [(m.kind) for m in obj.minima] == ["global"]
    np.testing.assert_allclose(obj.minima_array, [[1.0, -0.5]], atol=1e-6)
    assert obj.latex == r"f(x,y) = \left(x - 1\right)^{2} + \left(y + 0.5\right)^{2}"
    assert obj.params == () and obj.x_range == (-3.0, 3.0)
    x, y = obj.default_start
    assert -3 < x < 3 and -3 < y < 3 and np.hypot(x - 1, y + 0.5) > 1


def test_custom_himmelblau_has_four_global_minima():
    obj = custom("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", box=(-5.0, 5.0))
    reference = get_objective(ObjectiveConfig(name="himmelblau")).minima_array
    assert len(obj.minima) == 4 and all(m.kind == "global" for m in obj.minima)
    for xy in reference:
        assert np.linalg.norm(obj.minima_array - xy, axis=1).min() < 1e-6


def test_custom_trap_reports_the_local_minimum_as_local():
    obj = custom("8*(x-1)**2*(1.3*x**2 + 2*x + 1) + 0.5*(y-4)**2", box=(-1.5, 1.5), ybox=(-3.0, 6.0))
    assert [m.kind for m in obj.minima] == ["global", "local"]
    np.testing.assert_allclose(obj.minima_array, [[1.0, 4.0], [-17 / 26, 4.0]], atol=1e-6)


@pytest.mark.parametrize("expression", ["x + y", "3", "x**2", "log(x) + y**2", "-1/(x**2 + y**2)", "exp(x)*y"])
def test_custom_without_isolated_minimum_in_the_box_has_none(expression):
    assert custom(expression).minima == ()


def test_custom_minimum_outside_the_box_is_not_reported():
    assert custom("(x-5)**2 + y**2").minima == ()
    assert len(custom("(x-2)**2 + y**2").minima) == 1


def test_custom_non_smooth_minimum_is_found():
    obj = custom("abs(x - 0.25) + 2*abs(y)")
    np.testing.assert_allclose(obj.minima_array, [[0.25, 0.0]], atol=1e-6)


def test_custom_objective_is_cached_with_a_stable_fn():
    assert custom("x**2 + sin(y)").fn is custom("x**2 + sin(y)").fn
    assert custom("x**2 + sin(y)") is custom("x**2 + sin(y)")


def test_custom_invalid_expression_is_rejected_by_the_config_with_the_parser_message():
    with pytest.raises(ValidationError, match="name 'z' is not allowed at column 5"):
        custom("x + z")
