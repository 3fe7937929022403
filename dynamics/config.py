"""Pydantic v2 configuration models: the single source of truth for defaults, bounds and descriptions.

Every model is frozen (hashable, usable as a cache key), forbids unknown fields and rejects NaN/inf.
The app derives slider bounds, URL parameters and presets from these fields; notebook users validate
plain dicts or JSON with ``RunConfig.model_validate`` / ``model_validate_json``.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OptimizerName = Literal["adam", "adamw", "ademamix", "simplified_ademamix", "sgd_momentum", "nesterov"]
ObjectiveName = Literal["rosenbrock", "trap", "beale", "himmelblau", "quadratic", "saddle", "rastrigin", "custom"]
LRScheduleName = Literal["constant", "warmup_cosine", "linear_decay"]
Beta3SchedulerName = Literal["half_life", "linear"]

MAX_STEPS = 100_000
MAX_EXPRESSION_LENGTH = 300
COORD_LIMIT = 1e6  # start points and initial buffers must be ordinary numbers

Vec2 = tuple[
    float,
    float,
]


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True)


def _check_vec2(value: Vec2 | None, what: str) -> None:
    if value is not None and any(abs(c) > COORD_LIMIT for c in value):
        raise ValueError(f"{what} must lie within ±{COORD_LIMIT:g}, got {value}")


class ObjectiveConfig(FrozenModel):
    """Which 2D loss surface to optimise, with its parameters (each used by the objective it names)."""

    name: ObjectiveName = Field("rosenbrock", description="Loss surface")
    rosenbrock_a: float = Field(1.0, ge=-5.0, le=5.0, description="Rosenbrock a: minimum at (a, a²)")
    rosenbrock_b: float = Field(100.0, ge=0.0, le=1000.0, description="Rosenbrock b: steepness of the valley walls")
    kappa: float = Field(10.0, ge=1.0, le=1e4, description="Quadratic condition number κ")
    angle_deg: float = Field(30.0, ge=-90.0, le=90.0, description="Quadratic rotation angle in degrees")
    rastrigin_amplitude: float = Field(10.0, ge=0.0, le=50.0, description="Rastrigin cosine amplitude A")
    expression: str = Field(
        "x**2 + 3*y**2",
        max_length=MAX_EXPRESSION_LENGTH,
        description="Custom f(x, y): numbers, x, y, pi, e, + - * / ** (powers as **), parentheses, "
                    "sin cos tan arctan sinh cosh tanh exp log sqrt abs, min(a, b), max(a, b)",
    )
    x_range: Vec2 = Field((-3.0, 3.0), description="Custom objective: plotted x range")
    y_range: Vec2 = Field((-3.0, 3.0), description="Custom objective: plotted y range")

    @field_validator("expression")
    @classmethod
    def _expression_is_safe(cls, text: str) -> str:
        from .formula import validate_expression  # formula imports this module's limits

        validate_expression(text)  # FormulaError is a ValueError: pydantic reports it with its position
        return text

    @model_validator(mode="after")
    def _ranges_ordered(self) -> "ObjectiveConfig":
        for what, (lo, hi) in (("x_range", self.x_range), ("y_range", self.y_range)):
            if not lo < hi:
                raise ValueError(f"{what} must be increasing, got ({lo}, {hi})")
            _check_vec2((lo, hi), what)
        return self


class OptimizerConfig(FrozenModel):
    """One optimizer and its hyperparameters. Fields an optimizer does not use are ignored by it."""

    name: OptimizerName = Field("ademamix", description="Update rule")
    lr: float = Field(0.01, gt=0.0, le=10.0, description="Peak learning rate η")
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="β₁: fast EMA of gradients (momentum for SGD)")
    beta2: float = Field(0.999, ge=0.0, lt=1.0, description="β₂: EMA of squared gradients")
    beta3: float = Field(0.9999, ge=0.0, lt=1.0, description="β₃: slow EMA of gradients (AdEMAMix)")
    alpha: float = Field(5.0, ge=0.0, le=1000.0, description="α: weight of the slow EMA (AdEMAMix)")
    t_alpha_beta3: int = Field(0, ge=0, le=10 * MAX_STEPS,
                               description="T_α,β₃: warm-up length of α and β₃ in steps; 0 = no schedules")
    beta3_scheduler: Beta3SchedulerName = Field(
        "half_life", description="β₃ warm-up: the paper's half-life interpolation, or linear in β (Fig. 7)")
    eps: float = Field(1e-8, ge=0.0, le=1.0, description="ε added to sqrt(ν̂), outside the square root")
    weight_decay: float = Field(0.0, ge=0.0, le=10.0, description="λ: decoupled weight decay, multiplied by η")
    bias_correction: bool = Field(True, description="Divide m1 and ν by (1−β^t) (Adam's bias correction)")
    lr_schedule: LRScheduleName = Field("constant", description="Learning-rate schedule η(t)")
    warmup_steps: int = Field(0, ge=0, le=MAX_STEPS, description="Linear warm-up steps (warmup_cosine)")
    lr_final_ratio: float = Field(0.0, ge=0.0, le=1.0, description="η at the last step as a fraction of peak η")
    initial_m1: Vec2 | None = Field(None, description="m1 at step 0 (None = zeros); Fig. 18 starts with momentum")
    initial_m2: Vec2 | None = Field(None, description="m2 at step 0 (None = zeros)")
    initial_nu: Vec2 | None = Field(None, description="ν at step 0 (None = zeros); must be ≥ 0")

    @model_validator(mode="after")
    def _buffers_ok(self) -> "OptimizerConfig":
        _check_vec2(self.initial_m1, "initial_m1")
        _check_vec2(self.initial_m2, "initial_m2")
        _check_vec2(self.initial_nu, "initial_nu")
        if self.initial_nu is not None and min(self.initial_nu) < 0:
            raise ValueError(f"initial_nu must be non-negative, got {self.initial_nu}")
        return self


class RunConfig(FrozenModel):
    """One optimisation run: objective, optimizer, start point, length and gradient noise."""

    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    start: Vec2 | None = Field(None, description="Start point (None = the objective's default start)")
    steps: int = Field(1000, ge=1, le=MAX_STEPS, description="Number of optimizer steps")
    noise_sigma: float = Field(0.0, ge=0.0, le=1e3, description="σ of additive Gaussian gradient noise")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the gradient noise")

    @model_validator(mode="after")
    def _start_ok(self) -> "RunConfig":
        _check_vec2(self.start, "start")
        return self


SweepParam = Literal[
    "lr", "beta1", "beta2", "beta3", "alpha", "t_alpha_beta3", "eps", "weight_decay",
    "noise_sigma", "start_x", "start_y",
]


class SweepAxis(FrozenModel):
    """A grid axis: `num` values of one hyperparameter from `low` to `high`, log- or linearly spaced."""

    param: SweepParam = Field("alpha", description="Swept quantity")
    low: float = Field(1.0, description="First value")
    high: float = Field(10.0, description="Last value")
    num: int = Field(16, ge=1, le=256, description="Number of grid values")
    log: bool = Field(False, description="Log-spaced values (both ends must be > 0)")

    @model_validator(mode="after")
    def _range_ok(self) -> "SweepAxis":
        if self.log and (self.low <= 0 or self.high <= 0):
            raise ValueError(f"a log axis of {self.param} needs positive ends, got {self.low} … {self.high}")
        return self

    def values(self) -> "np.ndarray":
        """The grid values (float64); rounded to integers for integer fields such as t_alpha_beta3."""
        import numpy as np

        spaced = (np.geomspace if self.log else np.linspace)(self.low, self.high, self.num)
        return np.round(spaced) if self.param == "t_alpha_beta3" else spaced  # an integer field

    def applied(self, base: "RunConfig", value: float) -> "RunConfig":
        """`base` with this axis' quantity set to `value`, validated by the models (raises ValidationError)."""
        data = {name: getattr(base, name) for name in RunConfig.model_fields}  # sub-models are not re-validated
        if self.param in ("start_x", "start_y"):
            from .objectives import get_objective  # lazy: objectives imports this module

            start = list(base.start if base.start is not None else get_objective(base.objective).default_start)
            start[self.param == "start_y"] = float(value)
            data["start"] = start
        elif self.param == "noise_sigma":
            data["noise_sigma"] = float(value)
        else:
            data["optimizer"] = {**base.optimizer.model_dump(), self.param: float(value)}
        return RunConfig.model_validate(data)


class SweepConfig(FrozenModel):
    """A one- or two-dimensional grid of runs around `base`, reduced to per-cell metrics."""

    base: RunConfig = Field(default_factory=RunConfig)
    x: SweepAxis = Field(default_factory=SweepAxis)
    y: SweepAxis | None = Field(None, description="Second axis (None = a 1D sweep)")
    tolerance: float = Field(1e-3, gt=0.0, le=10.0,
                             description="ε: a run has converged once within this distance of a minimum")

    @model_validator(mode="after")
    def _axes_ok(self) -> "SweepConfig":
        from pydantic import ValidationError

        from .optimizers import USED_FIELDS  # lazy: optimizers imports this module

        axes = {"x": self.x} if self.y is None else {"x": self.x, "y": self.y}
        if self.y is not None and self.y.param == self.x.param:
            raise ValueError(f"the x and y axes must sweep different quantities, both sweep {self.x.param}")
        base = self.base
        if base.start is None and any(axis.param in ("start_x", "start_y") for axis in axes.values()):
            from .objectives import get_objective

            base = base.model_copy(update={"start": get_objective(base.objective).default_start})  # once, not per value
        for name, axis in axes.items():
            optimizer = base.optimizer.name
            if axis.param in OptimizerConfig.model_fields and axis.param not in USED_FIELDS[optimizer]:
                raise ValueError(f"{name} axis: {optimizer} does not use {axis.param}, sweeping it changes nothing")
            for value in axis.values():  # every cell must be a valid RunConfig: the models hold the bounds
                try:
                    axis.applied(base, value)
                except ValidationError as err:
                    first = err.errors()[0]
                    raise ValueError(f"{name} axis: {axis.param} = {value:g} is invalid "
                                     f"({'.'.join(map(str, first['loc']))}: {first['msg']})") from None
        return self
