"""The Trajectories page's state (``Scene``), its flat widget state and its URL codec — pure, no Streamlit.

A ``Scene`` is everything the page shows: the objective, the start point, steps, gradient noise, up to 8 runs (each
an ``OptimizerConfig`` with a name and a palette slot), the scrubbed step and the explained run. It is a frozen
pydantic model like the engine's configs, so presets (``presets/*.json``) are validated by it, and each run becomes
an engine ``RunConfig`` with ``Scene.run_configs()``.

Three representations, one source of truth (the control tables below, derived from the models' fields):

* ``Scene``                      validated model (presets, engine input)
* flat state ``{key: value}``    one entry per widget; keys are the URL keys (``obj``, ``r1_lr``, …)
* URL ``{key: text}``            only values that differ from the defaults (``encode``); ``decode`` reads any
                                 query string back, with a specific message for every value it could not use.

URL key scheme (per-run keys carry the run number, 1…8)::

    obj rb_a rb_b kappa angle ras_a expr xmin xmax ymin ymax    objective and its parameters
    x0 y0 steps sigma seed                                       start point, length, gradient noise
    runs  r{k}_opt r{k}_lr r{k}_b1 r{k}_b2 r{k}_b3 r{k}_alpha r{k}_T r{k}_wd r{k}_eps r{k}_bc r{k}_b3s
          r{k}_lrs r{k}_wu r{k}_lrf r{k}_m1x r{k}_m1y r{k}_m2x r{k}_m2y r{k}_name r{k}_c  the runs
    t focus                                                      scrubbed step, explained run
    reserved for all pages: preset lecture hide (and Streamlit's embed, embed_options)
"""
from __future__ import annotations

import copy
import re
import typing
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from pydantic import Field, ValidationError, field_validator, model_validator

from dynamics.config import (
    MAX_STEPS, FrozenModel, ObjectiveConfig, OptimizerConfig, RunConfig, Vec2,
)
from dynamics.optimizers import LR_FIELDS, USED_FIELDS
from dynamics.simulate import STEP_BUCKETS
from figures.common import MAX_RUNS, RUN_COLOR_NAMES

from .controls import Control, ParseError, escape_markdown, pydantic_reason
from .fields import BETA_GRID, bounds_of, clean, default_of, half_life, log_grid, within

RESERVED_KEYS = frozenset({"preset", "lecture", "hide", "embed", "embed_options"})

OPTIMIZER_NAMES = typing.get_args(OptimizerConfig.model_fields["name"].annotation)
OBJECTIVE_NAMES = typing.get_args(ObjectiveConfig.model_fields["name"].annotation)
OPTIMIZER_LABELS = {
    "adam": "Adam", "adamw": "AdamW", "ademamix": "AdEMAMix", "simplified_ademamix": "Simplified AdEMAMix",
    "sgd_momentum": "SGD + momentum", "nesterov": "Nesterov",
}
OBJECTIVE_LABELS = {
    "rosenbrock": "Rosenbrock", "trap": "Trap (paper Fig. 18)", "beale": "Beale", "himmelblau": "Himmelblau",
    "quadratic": "Quadratic (κ, angle)", "saddle": "Saddle", "rastrigin": "Rastrigin", "custom": "Custom formula",
}
# Which ObjectiveConfig fields each objective reads (the others are hidden and left out of the URL).
OBJECTIVE_PARAMS: dict[str, tuple[str, ...]] = {
    "rosenbrock": ("rosenbrock_a", "rosenbrock_b"),
    "quadratic": ("kappa", "angle_deg"),
    "rastrigin": ("rastrigin_amplitude",),
    "custom": ("expression", "x_range", "y_range"),
}


def _inherit(model, name: str, **overrides):
    """A copy of ``model``'s field (type constraints, description), optionally with a new default."""
    info = copy.copy(model.model_fields[name])
    for k, v in overrides.items():
        setattr(info, k, v)
    return info


# ------------------------------------------------------------------------------------------------ the models


class RunSpec(FrozenModel):
    """One run on the page: an optimizer with its hyperparameters, a display name and a palette slot."""

    name: str = Field("", max_length=40, description="Run name shown in legends (empty: generated from the settings)")
    color: int = Field(0, ge=0, le=MAX_RUNS - 1, description="Palette slot: the run's colour on every page")
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)

    @field_validator("name")
    @classmethod
    def _printable(cls, v: str) -> str:
        return "".join(ch for ch in v if ch.isprintable()).strip()


DEFAULT_RUNS: tuple[RunSpec, ...] = (
    RunSpec(color=0, optimizer=OptimizerConfig(name="adam")),
    RunSpec(color=1, optimizer=OptimizerConfig(name="ademamix")),
)


def slot_default(k: int) -> RunSpec:
    """Default of run k (1-based) — what its URL keys are relative to: run 1 Adam, every later run AdEMAMix."""
    if k <= len(DEFAULT_RUNS):
        return DEFAULT_RUNS[k - 1]
    return RunSpec(color=(k - 1) % MAX_RUNS, optimizer=DEFAULT_RUNS[-1].optimizer)


class Scene(FrozenModel):
    """Everything the Trajectories page shows (and what a preset or a URL describes)."""

    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    start: Vec2 | None = _inherit(RunConfig, "start")
    steps: int = _inherit(RunConfig, "steps", default=5000)
    noise_sigma: float = _inherit(RunConfig, "noise_sigma")
    seed: int = _inherit(RunConfig, "seed")
    runs: tuple[RunSpec, ...] = Field(DEFAULT_RUNS, min_length=1, max_length=MAX_RUNS,
                                      description="The compared runs (1 to 8)")
    t: int | None = Field(None, ge=0, le=MAX_STEPS,
                          description="Step shown by the scrubber (None: a tenth of the run)")
    focus: int | None = Field(None, ge=1, le=MAX_RUNS,
                              description="Run whose step is drawn as arrows and explained (None: last AdEMAMix run)")

    @model_validator(mode="after")
    def _consistent(self) -> "Scene":
        if self.focus is not None and self.focus > len(self.runs):
            raise ValueError(f"focus={self.focus} but there are only {len(self.runs)} runs")
        if self.t is not None and self.t > self.steps:
            raise ValueError(f"t={self.t} is beyond the last step ({self.steps})")
        RunConfig(objective=self.objective, start=self.start, steps=self.steps)  # start within limits
        return self

    def run_configs(self) -> list[RunConfig]:
        return [RunConfig(objective=self.objective, optimizer=r.optimizer, start=self.start, steps=self.steps,
                          noise_sigma=self.noise_sigma, seed=self.seed) for r in self.runs]

    @property
    def resolved_t(self) -> int:
        return auto_t(self.steps) if self.t is None else self.t

    @property
    def resolved_focus(self) -> int:
        return auto_focus(self.runs) if self.focus is None else self.focus


def auto_t(steps: int) -> int:
    """Default scrubber position: a tenth of the run (early enough that the buffers are still moving)."""
    return max(1, steps // 10) if steps >= 1 else 0


def auto_focus(runs: Sequence[RunSpec]) -> int:
    """Default explained run: the last AdEMAMix run, else the last run (1-based)."""
    for k in range(len(runs), 0, -1):
        if runs[k - 1].optimizer.name == "ademamix":
            return k
    return len(runs)


def run_label(spec: RunSpec, k: int | None = None, all_runs: Sequence[RunSpec] = ()) -> str:
    """The run's name, or one generated from its settings ('AdEMAMix η=0.01 β₃=0.9999 α=5')."""
    if spec.name:
        return spec.name
    o = spec.optimizer
    parts = [OPTIMIZER_LABELS[o.name], f"η={_short(o.lr)}"]
    used = USED_FIELDS[o.name]
    if "beta1" in used and o.beta1 != default_of(OptimizerConfig, "beta1") or o.name in ("sgd_momentum", "nesterov"):
        parts.append(f"β₁={_beta(o.beta1)}")
    if o.name == "ademamix":
        parts.append(f"β₃={_beta(o.beta3)}")
        parts.append(f"α={_short(o.alpha)}")
        if o.t_alpha_beta3:
            parts.append(f"T={o.t_alpha_beta3:,}")
    label = " ".join(parts)
    if k is not None and sum(1 for r in all_runs if not r.name and _same_auto(r, spec)) > 1:
        label += f" (run {k})"
    return label


def _same_auto(a: RunSpec, b: RunSpec) -> bool:
    return run_label(a) == run_label(b)


def _short(v: float) -> str:
    return f"{v:g}"


def _beta(v: float) -> str:
    return f"{v:.8f}".rstrip("0").rstrip(".") or "0"


# ------------------------------------------------------------------------------------------------ control tables

LR_GRID = log_grid(1e-5, bounds_of(OptimizerConfig, "lr").hi)
STEPS_GRID = tuple(b for b in STEP_BUCKETS if b >= 100)  # the engine's compiled scan lengths: no recompiles
ALPHA_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0,
              15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 100.0)
T_GRID = (0, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
LR_WARMUP_GRID = (0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
LR_FINAL_GRID = (0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0)
WD_GRID = (0.0, 1e-4, 1e-3, 0.01, 0.1, 1.0)
EPS_GRID = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.1, 1.0)
SIGMA_GRID = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
KAPPA_GRID = log_grid(1.0, 1e4, (1, 2, 5))
RB_B_GRID = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def _beta_display(v: float) -> str:
    return _beta(v)


def _beta_help(symbol: str) -> str:
    return (f"Half-life ln(½)/ln({symbol}) − 1: 0.9 → 5.6 steps, 0.99 → 68, 0.999 → 692, 0.9999 → 6,930. "
            "Values near 1 are spaced finely")


def _steps_display(v: int) -> str:
    return f"{v:,}"


def _t_display(v: int) -> str:
    return "off" if v == 0 else f"{v:,}"


OBJECTIVE_CONTROLS: tuple[Control, ...] = (
    Control("obj", ObjectiveConfig, "name", "choice", "Surface", grid=OBJECTIVE_NAMES, labels=OBJECTIVE_LABELS),
    Control("rb_a", ObjectiveConfig, "rosenbrock_a", "float", "a (minimum at (a, a²))", slider=True, step=0.1),
    Control("rb_b", ObjectiveConfig, "rosenbrock_b", "grid", "b (valley steepness)", grid=RB_B_GRID,
            display=_short),
    Control("kappa", ObjectiveConfig, "kappa", "grid", "condition number κ", grid=KAPPA_GRID, display=_short),
    Control("angle", ObjectiveConfig, "angle_deg", "float", "rotation (degrees)", slider=True, step=5.0),
    Control("ras_a", ObjectiveConfig, "rastrigin_amplitude", "float", "amplitude A", slider=True, step=0.5),
    Control("expr", ObjectiveConfig, "expression", "text", "f(x, y) ="),
    Control("xmin", ObjectiveConfig, "x_range", "float", "x from", element=0, step=0.5),
    Control("xmax", ObjectiveConfig, "x_range", "float", "x to", element=1, step=0.5),
    Control("ymin", ObjectiveConfig, "y_range", "float", "y from", element=0, step=0.5),
    Control("ymax", ObjectiveConfig, "y_range", "float", "y to", element=1, step=0.5),
)

SCENE_CONTROLS: tuple[Control, ...] = (
    Control("x0", Scene, "start", "float", "start x", element=0, step=0.1, number_format="%.4g",
            help_extra="Or click on the map"),
    Control("y0", Scene, "start", "float", "start y", element=1, step=0.1, number_format="%.4g",
            help_extra="Or click on the map"),
    Control("steps", Scene, "steps", "grid", "steps", grid=STEPS_GRID, display=_steps_display,
            help_extra="Log scale, 10² … 10⁵; other values can be set in the URL"),
    Control("sigma", Scene, "noise_sigma", "grid", "gradient noise σ", grid=SIGMA_GRID, display=_short,
            help_extra="Each step adds σ·N(0, I) to the gradient; 0 = exact gradients"),
    Control("seed", Scene, "seed", "int", "noise seed", step=1),
    Control("t", Scene, "t", "int", "step"),
    Control("focus", Scene, "focus", "int", "explained run"),
)

RUN_CONTROLS: tuple[Control, ...] = (
    Control("opt", OptimizerConfig, "name", "choice", "optimizer", grid=OPTIMIZER_NAMES, labels=OPTIMIZER_LABELS),
    Control("lr", OptimizerConfig, "lr", "grid", "learning rate η", grid=LR_GRID, display=_short,
            help_extra="Log scale"),
    Control("b1", OptimizerConfig, "beta1", "grid", "β₁", grid=BETA_GRID, display=_beta_display,
            help_extra=_beta_help("β₁")),
    Control("b2", OptimizerConfig, "beta2", "grid", "β₂", grid=BETA_GRID, display=_beta_display,
            help_extra=_beta_help("β₂")),
    Control("b3", OptimizerConfig, "beta3", "grid", "β₃", grid=BETA_GRID, display=_beta_display,
            help_extra=_beta_help("β₃")),
    Control("alpha", OptimizerConfig, "alpha", "grid", "α", grid=ALPHA_GRID, display=_short),
    Control("T", OptimizerConfig, "t_alpha_beta3", "grid", "warm-up T_α,β₃", grid=T_GRID, display=_t_display,
            help_extra="The paper uses T = the whole run"),
    Control("wd", OptimizerConfig, "weight_decay", "grid", "weight decay λ", grid=WD_GRID, display=_short),
    Control("eps", OptimizerConfig, "eps", "grid", "ε", grid=EPS_GRID, display=_short, advanced=True),
    Control("bc", OptimizerConfig, "bias_correction", "bool", "bias correction", advanced=True),
    Control("b3s", OptimizerConfig, "beta3_scheduler", "choice", "β₃ warm-up shape",
            grid=typing.get_args(OptimizerConfig.model_fields["beta3_scheduler"].annotation),
            labels={"half_life": "half-life (paper)", "linear": "linear in β (Fig. 7)"}, advanced=True),
    Control("lrs", OptimizerConfig, "lr_schedule", "choice", "learning-rate schedule η(t)",
            grid=typing.get_args(OptimizerConfig.model_fields["lr_schedule"].annotation),
            labels={"constant": "constant", "warmup_cosine": "warm-up, then cosine", "linear_decay": "linear decay"},
            advanced=True),
    Control("wu", OptimizerConfig, "warmup_steps", "grid", "η warm-up steps", grid=LR_WARMUP_GRID,
            display=_steps_display, advanced=True, help_extra="Used by the warm-up + cosine schedule"),
    Control("lrf", OptimizerConfig, "lr_final_ratio", "grid", "final η / peak η", grid=LR_FINAL_GRID, display=_short,
            advanced=True),
    Control("m1x", OptimizerConfig, "initial_m1", "float", "initial m₁ x", element=0, step=0.1, advanced=True),
    Control("m1y", OptimizerConfig, "initial_m1", "float", "initial m₁ y", element=1, step=0.1, advanced=True),
    Control("m2x", OptimizerConfig, "initial_m2", "float", "initial m₂ x", element=0, step=0.1, advanced=True),
    Control("m2y", OptimizerConfig, "initial_m2", "float", "initial m₂ y", element=1, step=0.1, advanced=True),
    Control("name", RunSpec, "name", "text", "name"),
    Control("c", RunSpec, "color", "choice", "colour", grid=tuple(range(MAX_RUNS)),
            labels=dict(enumerate(RUN_COLOR_NAMES)), advanced=True),
)
RUN_CONTROL = {c.name: c for c in RUN_CONTROLS}
GLOBAL_CONTROL = {c.name: c for c in OBJECTIVE_CONTROLS + SCENE_CONTROLS}
RUN_KEY = re.compile(r"^r([1-9][0-9]?)_([A-Za-z0-9]+)$")
RUNS_KEY = "runs"


def run_key(k: int, name: str) -> str:
    return f"r{k}_{name}"


def all_run_keys(k: int) -> list[str]:
    return [run_key(k, c.name) for c in RUN_CONTROLS]


def control_used(control: Control, optimizer_name: str) -> bool:
    """Does this per-run control matter for this optimizer? (``USED_FIELDS`` from the engine decides.)"""
    if control.model is RunSpec or control.field == "name":
        return True
    return control.field in USED_FIELDS[optimizer_name] or control.field in LR_FIELDS  # η(t) applies to every rule


def objective_control_used(control: Control, objective_name: str) -> bool:
    if control.field == "name":
        return True
    return control.field in OBJECTIVE_PARAMS.get(objective_name, ())


# ------------------------------------------------------------------------------------------------ objective helpers


def default_start(objective: ObjectiveConfig) -> tuple[float, float]:
    """The objective's own default start (the centre of its box if the objective cannot be built)."""
    from dynamics.objectives import get_objective  # local: keeps `import ui.scene` light for tools

    try:
        return tuple(float(v) for v in get_objective(objective).default_start)  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 — invalid formula or objective not implemented yet
        (x0, x1), (y0, y1) = objective.x_range, objective.y_range
        return ((x0 + x1) / 2, (y0 + y1) / 2)


def available_objectives() -> tuple[str, ...]:
    """Objective names the engine can build right now (others are still being implemented)."""
    from dynamics.objectives import get_objective

    names = []
    for name in OBJECTIVE_NAMES:
        try:
            get_objective(ObjectiveConfig(name=name))
        except NotImplementedError:
            continue
        except Exception:  # noqa: BLE001 — e.g. a default formula the parser rejects: still selectable
            pass
        names.append(name)
    return tuple(names)


# ------------------------------------------------------------------------------------------------ flat state


def _get(obj, control: Control):
    value = getattr(obj, control.field)
    if control.element is not None:
        return 0.0 if value is None else float(value[control.element])
    return value


def scene_to_state(scene: Scene) -> dict[str, Any]:
    """One value per widget key (every control of every run, used by its optimizer or not)."""
    state: dict[str, Any] = {}
    for c in OBJECTIVE_CONTROLS:
        state[c.name] = _get(scene.objective, c)
    start = scene.start if scene.start is not None else default_start(scene.objective)
    state["x0"], state["y0"] = float(start[0]), float(start[1])
    state["steps"], state["sigma"], state["seed"] = scene.steps, scene.noise_sigma, scene.seed
    state["t"], state["focus"] = scene.resolved_t, scene.resolved_focus
    state[RUNS_KEY] = len(scene.runs)
    for k, run in enumerate(scene.runs, 1):
        for c in RUN_CONTROLS:
            state[run_key(k, c.name)] = _get(run.optimizer if c.model is OptimizerConfig else run, c)
    return state


def _pair(state: Mapping[str, Any], kx: str, ky: str, zero_is_none: bool = True):
    x, y = state.get(kx, 0.0), state.get(ky, 0.0)
    if zero_is_none and x == 0 and y == 0:
        return None
    return (float(x), float(y))


def state_to_objective(state: Mapping[str, Any]) -> ObjectiveConfig:
    """The objective a flat state describes (raises pydantic ``ValidationError``)."""
    default = ObjectiveConfig()
    obj = {c.field: state[c.name] for c in OBJECTIVE_CONTROLS if c.element is None and c.name in state}
    obj["x_range"] = (state.get("xmin", default.x_range[0]), state.get("xmax", default.x_range[1]))
    obj["y_range"] = (state.get("ymin", default.y_range[0]), state.get("ymax", default.y_range[1]))
    return ObjectiveConfig.model_validate(obj)


def state_to_scene(state: Mapping[str, Any], objective: ObjectiveConfig | None = None) -> Scene:
    """The Scene a flat state describes (raises pydantic ``ValidationError`` if it is inconsistent).
    ``objective`` replaces the state's objective (the page passes the last surface the engine could build)."""
    default = Scene()
    objective = objective if objective is not None else state_to_objective(state)
    n = int(state.get(RUNS_KEY, len(DEFAULT_RUNS)))
    runs = []
    for k in range(1, n + 1):
        base = slot_default(k)
        opt = base.optimizer.model_dump()
        spec = {"name": base.name, "color": base.color}
        for c in RUN_CONTROLS:
            key = run_key(k, c.name)
            if key not in state or c.element is not None:
                continue
            (opt if c.model is OptimizerConfig else spec)[c.field] = state[key]
        opt["initial_m1"] = _pair(state, run_key(k, "m1x"), run_key(k, "m1y"))
        opt["initial_m2"] = _pair(state, run_key(k, "m2x"), run_key(k, "m2y"))
        runs.append(RunSpec(optimizer=OptimizerConfig.model_validate(opt), **spec))
    steps = int(state.get("steps", default.steps))
    start = (float(state.get("x0", 0.0)), float(state.get("y0", 0.0))) if "x0" in state else None
    if start is not None and _close(start, default_start(objective)):
        start = None
    t = state.get("t")
    t = None if t is None or int(t) == auto_t(steps) else min(int(t), steps)
    focus = state.get("focus")
    focus = None if focus is None or int(focus) == auto_focus(runs) or int(focus) > n else int(focus)
    return Scene(objective=objective, start=start, steps=steps, noise_sigma=float(state.get("sigma", 0.0)),
                 seed=int(state.get("seed", 0)), runs=tuple(runs), t=t, focus=focus)


def _close(a, b) -> bool:
    return abs(a[0] - b[0]) <= 1e-12 * max(1.0, abs(b[0])) and abs(a[1] - b[1]) <= 1e-12 * max(1.0, abs(b[1]))


# ------------------------------------------------------------------------------------------------ URL codec


def encode(scene: Scene) -> dict[str, str]:
    """URL parameters for ``scene``: only what differs from the defaults, in a stable, readable order. Canonical:
    a start at the objective's default start, the default scrubber step and the default explained run are left out,
    so equal views have equal URLs."""
    default = Scene()
    out: dict[str, str] = {}
    obj_default = ObjectiveConfig()
    for c in OBJECTIVE_CONTROLS:
        if not objective_control_used(c, scene.objective.name):
            continue
        value = _get(scene.objective, c)
        if value != _get(obj_default, c):
            out[c.name] = c.to_url(value)
    if scene.start is not None and not _close(scene.start, default_start(scene.objective)):
        out["x0"], out["y0"] = (GLOBAL_CONTROL["x0"].to_url(float(scene.start[0])),
                                GLOBAL_CONTROL["y0"].to_url(float(scene.start[1])))
    for key, attr in (("steps", "steps"), ("sigma", "noise_sigma"), ("seed", "seed")):
        if getattr(scene, attr) != getattr(default, attr):
            out[key] = GLOBAL_CONTROL[key].to_url(getattr(scene, attr))
    if len(scene.runs) != len(default.runs):
        out[RUNS_KEY] = str(len(scene.runs))
    for k, run in enumerate(scene.runs, 1):
        base = slot_default(k)
        for c in RUN_CONTROLS:
            if not control_used(c, run.optimizer.name):
                continue
            src, ref = (run.optimizer, base.optimizer) if c.model is OptimizerConfig else (run, base)
            value = _get(src, c)
            if value != _get(ref, c):
                out[run_key(k, c.name)] = c.to_url(value)
    if scene.t is not None and scene.t != auto_t(scene.steps):
        out["t"] = str(scene.t)
    if scene.focus is not None and scene.focus != auto_focus(scene.runs):
        out["focus"] = str(scene.focus)
    return out


@dataclass(frozen=True)
class Message:
    """Something in the URL that was not used as given, and why (shown to the user)."""

    key: str
    text: str


def show_value(raw: str, limit: int = 32) -> str:
    """A URL value made safe to quote in a message: printable, no backticks, truncated with its length."""
    clean_text = "".join(ch if ch.isprintable() else "�" for ch in raw).replace("`", "ʼ")
    if len(clean_text) > limit:
        return f"{clean_text[:limit]}… ({len(raw):,} characters)"
    return clean_text


def _msg(key: str, raw: str | None, reason: str, using: str | None = None) -> Message:
    shown = f"`{show_value(key, 24)}={show_value(raw)}`" if raw is not None else f"`{show_value(key, 24)}`"
    text = f"{shown} ignored: {reason}"
    if using:
        text += f"; using {using}"
    return Message(key, text + ".")


def _params(query: Mapping[str, Any]) -> dict[str, list[str]]:
    out = {}
    for k, v in query.items():
        out[str(k)] = [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]
    return out


def decode(query: Mapping[str, Any], base: Scene | None = None) -> tuple[Scene, list[Message]]:
    """The Scene a query string describes, starting from ``base`` (default: ``Scene()``), and a message for every
    key or value that could not be used (unknown keys, unparsable or out-of-range values, values an optimizer or
    objective does not use, runs that do not exist, inconsistent combinations). Never raises."""
    base = base or Scene()
    messages: list[Message] = []
    params = _params(query)
    parsed: dict[str, Any] = {}
    raw_of: dict[str, str] = {}
    run_values: dict[int, dict[str, Any]] = {}
    for key, values in params.items():
        if key in RESERVED_KEYS:
            continue
        raw = values[-1] if values else ""
        if len(values) > 1:
            messages.append(Message(key, f"`{show_value(key, 24)}` was given {len(values)} times; "
                                         f"using the last value."))
        m = RUN_KEY.match(key)
        if key == RUNS_KEY:
            try:
                n = int(raw.strip())
            except ValueError:
                messages.append(_msg(key, raw, "not a whole number", f"{len(base.runs)} runs"))
                continue
            if not 1 <= n <= MAX_RUNS:
                messages.append(_msg(key, raw, f"out of range: allowed 1 ≤ runs ≤ {MAX_RUNS}",
                                     f"{len(base.runs)} runs"))
                continue
            parsed[RUNS_KEY] = n
            continue
        if m and m.group(2) in RUN_CONTROL:
            k, name = int(m.group(1)), m.group(2)
            control = RUN_CONTROL[name]
            try:
                run_values.setdefault(k, {})[name] = control.parse(raw)
                raw_of[key] = raw
            except ParseError as err:
                messages.append(_msg(key, raw, str(err), "the default"))
            continue
        control = GLOBAL_CONTROL.get(key)
        if control is None:
            messages.append(_msg(key, None, "unknown parameter"))
            continue
        try:
            parsed[key] = control.parse(raw)
            raw_of[key] = raw
        except ParseError as err:
            messages.append(_msg(key, raw, str(err), "the default"))

    objective = _decode_objective(parsed, raw_of, base.objective, messages)
    n_runs = parsed.get(RUNS_KEY, len(base.runs))
    for k in sorted(run_values):
        if k > n_runs or k > MAX_RUNS:
            for name in run_values[k]:
                key = run_key(k, name)
                messages.append(_msg(key, raw_of.get(key), f"there is no run {k} (runs={n_runs})"))
    runs = [_decode_run(k, run_values.get(k, {}), raw_of, base, messages) for k in range(1, n_runs + 1)]

    steps = parsed.get("steps", base.steps)
    start = base.start if base.objective == objective else None
    if "x0" in parsed or "y0" in parsed:
        d = default_start(objective) if start is None else start
        start = (parsed.get("x0", d[0]), parsed.get("y0", d[1]))
    scene_fields = {"objective": objective, "start": start, "steps": steps,
                    "noise_sigma": parsed.get("sigma", base.noise_sigma), "seed": parsed.get("seed", base.seed),
                    "runs": tuple(runs), "t": parsed.get("t", base.t if base.t is None or base.t <= steps else None),
                    "focus": parsed.get("focus", base.focus)}
    if scene_fields["t"] is not None and scene_fields["t"] > steps:
        messages.append(_msg("t", raw_of.get("t"), f"beyond the last step ({steps:,})", "the default step"))
        scene_fields["t"] = None
    if scene_fields["focus"] is not None and scene_fields["focus"] > len(runs):
        messages.append(_msg("focus", raw_of.get("focus"), f"there are only {len(runs)} runs", "the default"))
        scene_fields["focus"] = None
    try:
        return Scene.model_validate(scene_fields), messages
    except ValidationError as err:  # e.g. a start point outside the engine's limits
        messages.append(Message("", f"The combination in the URL is not valid ({pydantic_reason(err)}); "
                                    f"using the defaults for the start point."))
        scene_fields["start"] = None
        try:
            return Scene.model_validate(scene_fields), messages
        except ValidationError:
            return Scene(), messages


def _decode_objective(parsed, raw_of, base: ObjectiveConfig, messages) -> ObjectiveConfig:
    name = parsed.get("obj", base.name)
    fields = base.model_dump()
    fields["name"] = name
    given = []
    for c in OBJECTIVE_CONTROLS:
        if c.name == "obj" or c.name not in parsed:
            continue
        if not objective_control_used(c, name):
            messages.append(_msg(c.name, raw_of.get(c.name),
                                 f"the {OBJECTIVE_LABELS.get(name, name)} surface has no such parameter"))
            continue
        given.append(c)
        if c.element is None:
            fields[c.field] = parsed[c.name]
        else:
            pair = list(fields[c.field])
            pair[c.element] = parsed[c.name]
            fields[c.field] = tuple(pair)
    return _validate_dropping(ObjectiveConfig, fields, given, base.model_dump() | {"name": name}, raw_of, messages)


def _decode_run(k: int, values: dict[str, Any], raw_of, base: Scene, messages) -> RunSpec:
    ref = base.runs[k - 1] if k <= len(base.runs) else slot_default(k)
    name = values.get("opt", ref.optimizer.name)
    opt = ref.optimizer.model_dump()
    opt["name"] = name
    spec = {"name": ref.name, "color": ref.color}
    given_opt = []
    for cname, value in values.items():
        c = RUN_CONTROL[cname]
        key = run_key(k, cname)
        if cname == "opt":
            continue
        if not control_used(c, name):
            messages.append(_msg(key, raw_of.get(key), f"{OPTIMIZER_LABELS[name]} does not use {c.label}"))
            continue
        if c.model is RunSpec:
            spec[c.field] = value
            continue
        given_opt.append(c)
        if c.element is None:
            opt[c.field] = value
        else:
            pair = list(opt[c.field] or (0.0, 0.0))
            pair[c.element] = value
            opt[c.field] = tuple(pair)
    for f in ("initial_m1", "initial_m2"):
        if opt.get(f) is not None and tuple(opt[f]) == (0.0, 0.0):
            opt[f] = None
    fallback = ref.optimizer.model_dump() | {"name": name}
    optimizer = _validate_dropping(OptimizerConfig, opt, given_opt, fallback, raw_of, messages, prefix=f"r{k}_")
    try:
        return RunSpec(optimizer=optimizer, **spec)
    except ValidationError as err:
        messages.append(Message(run_key(k, "name"), f"Run {k}: {pydantic_reason(err)}; using its default name and "
                                                    f"colour."))
        return RunSpec(optimizer=optimizer, color=slot_default(k).color)


def _validate_dropping(model, fields: dict, given: list[Control], fallback: dict, raw_of, messages,
                       prefix: str = ""):
    """Validate ``fields``; on errors, put the offending URL values back to their fallback, say so, and retry."""
    for _ in range(len(given) + 2):
        try:
            return model.model_validate(fields)
        except ValidationError as err:
            bad: list[Control] = []
            for e in err.errors():
                loc = e.get("loc") or ()
                hits = [c for c in given if loc and c.field == loc[0]]
                if not hits:  # a cross-field rule (e.g. x_range must increase): blame the tuple components given
                    hits = [c for c in given if c.element is not None] or list(given)
                for c in hits:
                    if c not in bad:
                        bad.append(c)
                        key = prefix + c.name
                        messages.append(_msg(key, raw_of.get(key), pydantic_reason(err), "the default"))
            if not bad:
                break
            for c in bad:
                given.remove(c)
                fields[c.field] = fallback.get(c.field)
    return model.model_validate(fallback)


def state_as_query(state: Mapping[str, Any]) -> dict[str, str]:
    """A flat state written as URL text (every key), e.g. to run it through the tolerant ``decode``."""
    out = {}
    n_runs = int(state.get(RUNS_KEY, len(DEFAULT_RUNS)))
    for key, value in state.items():
        m = RUN_KEY.match(key)
        if key == RUNS_KEY:
            out[key] = str(value)
            continue
        if m:
            k, control = int(m.group(1)), RUN_CONTROL.get(m.group(2))
            opt = state.get(run_key(k, "opt"), slot_default(k).optimizer.name)
            if control is None or k > n_runs or opt not in USED_FIELDS or not control_used(control, opt):
                continue
        else:
            control = GLOBAL_CONTROL.get(key)
            if control is None or (control in OBJECTIVE_CONTROLS
                                   and not objective_control_used(control, state.get("obj", "rosenbrock"))):
                continue
        if value is not None:
            out[key] = control.to_url(value)
    return out


def state_keys(n_runs: int = MAX_RUNS) -> list[str]:
    """Every flat-state key of a scene with ``n_runs`` runs."""
    keys = [c.name for c in OBJECTIVE_CONTROLS + SCENE_CONTROLS] + [RUNS_KEY]
    for k in range(1, n_runs + 1):
        keys += all_run_keys(k)
    return keys


def managed_keys() -> list[str]:
    """Every key the page may hold for any number of runs (used to clear stale runs)."""
    return state_keys(MAX_RUNS)


def new_run(scene: Scene) -> RunSpec:
    """A run to append: a copy of the last run with the first unused colour and no name."""
    used = {r.color for r in scene.runs}
    color = next((c for c in range(MAX_RUNS) if c not in used), len(scene.runs) % MAX_RUNS)
    return RunSpec(color=color, optimizer=scene.runs[-1].optimizer)


def without_run(scene: Scene, k: int) -> Scene:
    """``scene`` without run k (1-based); later runs move up and keep their names and colours."""
    runs = tuple(r for i, r in enumerate(scene.runs, 1) if i != k)
    focus = scene.focus
    if focus is not None:
        focus = None if focus == k else (focus - 1 if focus > k else focus)
    return replace_scene(scene, runs=runs, focus=focus)


def with_run(scene: Scene, run: RunSpec) -> Scene:
    return replace_scene(scene, runs=scene.runs + (run,))


def replace_scene(scene: Scene, **changes) -> Scene:
    """A validated copy of ``scene`` with ``changes`` (``model_copy(update=…)`` would skip validation)."""
    fields = {name: getattr(scene, name) for name in Scene.model_fields}
    fields.update(changes)
    return Scene.model_validate(fields)


def scrubber_stops(steps: int, dense: int = 100, log_stops: int = 300) -> tuple[int, ...]:
    """Scrubber positions: every step up to ``dense``, then log-spaced to ``steps`` (fine early, coarse late)."""
    import numpy as np

    head = np.arange(0, min(steps, dense) + 1)
    tail = np.geomspace(max(dense, 1), max(steps, 1), log_stops).round().astype(int) if steps > dense else []
    stops = np.unique(np.concatenate([head, tail, [steps]]).astype(int))
    return tuple(int(v) for v in stops if 0 <= v <= steps)


def scrubber_control(steps: int) -> Control:
    """The step scrubber: a slider over ``scrubber_stops(steps)``."""
    return Control("t", Scene, "t", "grid", "step", grid=scrubber_stops(steps), display=_steps_display,
                   help_extra="Arrows, markers and the explanation follow; steps are finer early on")


def focus_control(scene: Scene) -> Control:
    """Which run is explained: one option per run, labelled "run k". The labels must not depend on the runs'
    settings: Streamlit matches a selectbox value by its label, and a label that changed under it breaks the
    widget (the run names are in the legend and the explanation instead)."""
    labels = {k: f"run {k}" for k in range(1, len(scene.runs) + 1)}
    return Control("focus", Scene, "focus", "choice", "explain run", grid=tuple(labels), labels=labels)


def grid_values(control: Control) -> tuple:
    """Grid stops within the field's bounds (so a URL can never show an invalid stop)."""
    return within(control.grid, control.bounds) if control.kind == "grid" else control.grid


__all__ = [
    "Scene", "RunSpec", "Message", "encode", "decode", "scene_to_state", "state_to_scene", "run_label",
    "slot_default", "default_start", "available_objectives", "RUN_CONTROLS", "OBJECTIVE_CONTROLS",
    "SCENE_CONTROLS", "RESERVED_KEYS", "half_life", "clean",
]
