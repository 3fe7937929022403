"""Config models: bounds, NaN/inf, unknown fields, JSON round trip, and property tests on random input."""
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import dynamics
from dynamics.config import ObjectiveConfig, OptimizerConfig, RunConfig

FIELD_NAMES = sorted(set(OptimizerConfig.model_fields) | set(RunConfig.model_fields) | {"name", "bogus"})
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.9, 0.999, 0.9999, 1.0, -1.0, 1e308, 1e-320]))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(FIELD_NAMES), inner, max_size=4), max_leaves=8)


def test_defaults_validate_and_round_trip_through_json():
    cfg = RunConfig()
    assert RunConfig.model_validate_json(cfg.model_dump_json()) == cfg
    assert hash(cfg) == hash(RunConfig.model_validate(json.loads(cfg.model_dump_json())))


@pytest.mark.parametrize("field,value", [
    ("lr", float("nan")), ("lr", float("inf")), ("lr", 0.0), ("lr", 11.0), ("beta1", 1.0), ("beta3", -0.1),
    ("alpha", -1.0), ("eps", -1e-9), ("t_alpha_beta3", -1), ("name", "sgd"), ("initial_nu", (-1.0, 0.0)),
    ("initial_m1", (1e308, 0.0)),
])
def test_out_of_range_optimizer_values_name_the_field(field, value):
    with pytest.raises(ValidationError) as err:
        OptimizerConfig.model_validate({field: value})
    assert field in str(err.value)


@pytest.mark.parametrize("update", [{"steps": 0}, {"steps": 100_001}, {"steps": -5}, {"noise_sigma": -1.0},
                                    {"seed": -1}, {"start": (float("nan"), 0.0)}, {"unknown": 1}])
def test_out_of_range_run_values_are_rejected(update):
    with pytest.raises(ValidationError):
        RunConfig.model_validate(update)


def test_models_are_frozen_and_forbid_extra_fields():
    cfg = RunConfig()
    with pytest.raises(ValidationError):
        cfg.steps = 5
    with pytest.raises(ValidationError) as err:
        ObjectiveConfig.model_validate({"name": "rosenbrock", "c": 3})
    assert "c" in str(err.value)


def test_objective_ranges_must_increase():
    with pytest.raises(ValidationError, match="x_range must be increasing"):
        ObjectiveConfig(x_range=(1.0, -1.0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["objective", "optimizer", "start", "steps", "noise_sigma", "seed", "x"]),
                       JSON_VALUES, max_size=5))
def test_random_json_either_validates_or_raises_validation_error(data):
    try:
        cfg = RunConfig.model_validate(data)
    except ValidationError:
        return
    assert RunConfig.model_validate_json(cfg.model_dump_json()) == cfg


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_as_json_either_validates_or_raises_validation_error(text):
    try:
        RunConfig.model_validate_json(text)
    except ValidationError:
        pass


FINITE = st.floats(allow_nan=False, allow_infinity=False)
UNIT = st.floats(0.0, 0.99999, allow_nan=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["adam", "adamw", "ademamix", "simplified_ademamix", "sgd_momentum", "nesterov"]),
       objective=st.sampled_from(["rosenbrock", "trap", "beale", "himmelblau", "quadratic", "saddle", "rastrigin"]),
       lr=st.floats(1e-6, 10.0), beta1=UNIT, beta2=UNIT, beta3=UNIT, alpha=st.floats(0.0, 1000.0),
       t_ab=st.integers(0, 1000), start=st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
       sigma=st.floats(0.0, 1e3))
def test_any_valid_config_simulates_without_raising(name, objective, lr, beta1, beta2, beta3, alpha, t_ab, start,
                                                    sigma):
    cfg = RunConfig.model_validate({
        "objective": {"name": objective}, "start": start, "steps": 60, "noise_sigma": sigma,
        "optimizer": {"name": name, "lr": lr, "beta1": beta1, "beta2": beta2, "beta3": beta3, "alpha": alpha,
                      "t_alpha_beta3": t_ab}})
    traj = dynamics.simulate(cfg)
    last = traj.last_finite_step
    assert np.all(np.isfinite(traj.params[: last + 1]))
    if traj.diverged_at is not None:
        assert np.all(np.isnan(traj.params[traj.diverged_at:])) and traj.divergence_reason
    assert not math.isnan(traj.loss[0]) or traj.diverged_at == 0


@pytest.mark.parametrize("text,fragment", [("__import__('os')", "__import__"), ("x.real", "attribute"),
                                           ("z + 1", "'z'"), ("x" * 400, "300")])
def test_unsafe_or_invalid_formulas_are_validation_errors_that_say_what(text, fragment):
    with pytest.raises(ValidationError) as err:
        ObjectiveConfig(name="custom", expression=text)
    assert fragment in str(err.value)


FORMULA_PIECES = st.sampled_from(["x", "y", "1", "2.5", "pi", "e", "+", "-", "*", "/", "**", "(", ")", "sin(", "exp(",
                                  "log(", "sqrt(", "abs(", "max(", ",", " ", "z", ".", "[", "'", "__", "lambda"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(FORMULA_PIECES, max_size=14).map("".join)))
def test_random_formula_text_validates_or_raises_validation_error_and_valid_ones_simulate(text):
    try:
        objective = ObjectiveConfig(name="custom", expression=text)
    except ValidationError:
        return
    traj = dynamics.simulate(RunConfig(objective=objective, steps=20, optimizer={"name": "adam", "lr": 0.01}))
    assert traj.params.shape == (21, 2)
