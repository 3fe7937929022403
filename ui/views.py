"""View state of the EMA-kernel, Schedules and Sweeps pages — pure, no Streamlit.

Each page shows the shared ``Scene`` (the runs of the Trajectories page, ``ui.scene``) through its own *view*: a
small frozen pydantic model of the page's display controls (which figure, which step, log axes, sweep axes, …).
Like the scene, a view has a control table (one ``Control`` per field; the control name is its URL key) and a
tolerant URL codec with a specific message for every value it could not use.

A page's URL is the scene's parameters plus the view's (keys never collide: see ``VIEW_KEYS``); the exported
config document of a page is ``PageConfig`` = {scene, view}; page presets (``presets/<page>/*.json``) are
``PagePreset`` = a view plus, optionally, a scene.
"""
from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field, ValidationError, model_validator

from dynamics.config import MAX_STEPS, FrozenModel, OptimizerConfig, RunConfig, SweepAxis, SweepConfig, SweepParam
from dynamics.optimizers import USED_FIELDS
from figures.common import MAX_RUNS
from figures.sweeps import PARAM_LABELS  # one spelling of the swept quantities: menus, axis titles, cell labels

from . import scene as sc
from .controls import Control, ParseError, pydantic_reason
from .fields import BETA_GRID, log_grid

PageName = Literal["kernels", "schedules", "sweeps"]
PRESET_ROOT = Path(__file__).resolve().parent.parent / "presets"

# ------------------------------------------------------------------------------------------------ kernels

KERNEL_STEP_GRID = (0,) + tuple(m * 10**e for e in range(0, 6) for m in (1, 2, 5) if m * 10**e <= MAX_STEPS)
KernelFigure = Literal["current", "fig3a", "fig23", "fig31"]
KERNEL_FIGURE_LABELS = {
    "current": "The runs' kernels at step t",
    "fig3a": "Fig. 3a — single EMAs",
    "fig23": "Fig. 23 — lr-weighted kernels",
    "fig31": "Fig. 31 — nested EMA vs sum",
}


class KernelsView(FrozenModel):
    """What the EMA-kernel page shows."""

    figure: KernelFigure = Field("current", description="Which kernel figure")
    step: int = Field(0, ge=0, le=MAX_STEPS,
                      description="Step t at which the kernels are taken (0: the runs' last step)")
    log_x: bool = Field(True, description="Log lag axis (out to 10⁵)")
    log_y: bool = Field(True, description="Log weight axis")
    components: bool = Field(True, description="Show the fast and slow parts beside the total")
    animate: bool = Field(False, description="Animate the kernel over the α/β₃ warm-up (Plotly frames)")
    fig3a_steps: int = Field(10_000, ge=10, le=MAX_STEPS, description="Fig. 3a: steps t of the single EMAs")
    fig23_steps: int = Field(256_000, ge=1_000, le=1_000_000,
                             description="Fig. 23: run length T (not stated in the paper; 256k fits its axes)")
    fig23_eta_max: float = Field(1e-3, gt=0.0, le=1.0,
                                 description="Fig. 23: peak learning rate η_max (not stated in the paper)")


KERNEL_CONTROLS: tuple[Control, ...] = (
    Control("fig", KernelsView, "figure", "choice", "figure", grid=typing.get_args(KernelFigure),
            labels=KERNEL_FIGURE_LABELS),
    Control("kt", KernelsView, "step", "grid", "step t", grid=KERNEL_STEP_GRID,
            display=lambda v: "end of run" if v == 0 else f"{v:,}",
            help_extra="Log-spaced stops; during the α/β₃ warm-up the slow EMA's kernel changes shape"),
    Control("klogx", KernelsView, "log_x", "bool", "log lag axis"),
    Control("klogy", KernelsView, "log_y", "bool", "log weight axis"),
    Control("parts", KernelsView, "components", "bool", "show fast and slow parts"),
    Control("anim", KernelsView, "animate", "bool", "animate the warm-up"),
    Control("f3t", KernelsView, "fig3a_steps", "grid", "steps t", grid=(100, 1000, 10_000, 100_000),
            display=lambda v: f"{v:,}"),
    Control("f23T", KernelsView, "fig23_steps", "grid", "run length T",
            grid=(10_000, 32_000, 64_000, 128_000, 256_000, 512_000, 1_000_000), display=lambda v: f"{v:,}"),
    Control("f23eta", KernelsView, "fig23_eta_max", "grid", "peak learning rate η_max",
            grid=log_grid(1e-5, 1.0, (1, 3)), display=lambda v: f"{v:g}"),
)

# ------------------------------------------------------------------------------------------------ schedules

ScheduleFigure = Literal["current", "fig7"]


class SchedulesView(FrozenModel):
    """What the Schedules page shows."""

    figure: ScheduleFigure = Field("current", description="The runs' schedules, or the paper's Fig. 7")
    log_x: bool = Field(False, description="Log step axis")
    one_minus_beta: bool = Field(False, description="Plot 1 − β₃ on a log axis instead of β₃")
    log_half_life: bool = Field(False, description="Log axis for the half-life")
    fig7_beta_start: float = Field(0.9, ge=0.0, lt=1.0, description="Fig. 7: β_start (the paper: β₁ = 0.9)")


SCHEDULE_CONTROLS: tuple[Control, ...] = (
    Control("sfig", SchedulesView, "figure", "choice", "figure", grid=typing.get_args(ScheduleFigure),
            labels={"current": "The runs' schedules", "fig7": "Fig. 7 — β₃ schedulers"}),
    Control("slogx", SchedulesView, "log_x", "bool", "log step axis"),
    Control("omb", SchedulesView, "one_minus_beta", "bool", "plot 1 − β₃ (log)"),
    Control("loghl", SchedulesView, "log_half_life", "bool", "log half-life axis"),
    Control("f7b0", SchedulesView, "fig7_beta_start", "grid", "β_start", grid=BETA_GRID[:-3],
            display=lambda v: f"{v:g}"),
)

# ------------------------------------------------------------------------------------------------ sweeps

SWEEP_PARAMS = typing.get_args(SweepParam)
SweepMetric = Literal["final_distance", "first_hit", "final_loss"]
BasinMetric = Literal["first_hit", "minimum", "final_distance"]
SWEEP_NUM_GRID = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128)
SWEEP_STEPS_GRID = (0, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
TOLERANCE_GRID = log_grid(1e-6, 1.0, (1, 3))
# A sensible range for each swept quantity: (low, high, log).
PARAM_RANGES: dict[str, tuple[float, float, bool]] = {
    "lr": (1e-4, 1.0, True), "beta1": (0.0, 0.999, False), "beta2": (0.9, 0.9999, False),
    "beta3": (0.99, 0.9999, False), "alpha": (1.0, 40.0, True), "t_alpha_beta3": (0.0, 10_000.0, False),
    "eps": (1e-12, 1e-2, True), "weight_decay": (1e-4, 1.0, True), "noise_sigma": (0.0, 2.0, False),
    "start_x": (-3.0, 3.0, False), "start_y": (-3.0, 3.0, False),
}
DEFAULT_AXES = {"ademamix": ("alpha", "beta3")}  # others: lr × β₁


class SweepsView(FrozenModel):
    """What the Sweeps page computes and shows."""

    mode: Literal["grid", "basin"] = Field("grid", description="A hyperparameter grid, or basins of start points")
    run: int = Field(0, ge=0, le=MAX_RUNS, description="Run swept around (0: the last AdEMAMix run)")
    x_param: SweepParam = Field("alpha", description="x axis: swept quantity")
    x_low: float = Field(1.0, allow_inf_nan=False, description="x axis: first value")
    x_high: float = Field(40.0, allow_inf_nan=False, description="x axis: last value")
    x_num: int = Field(32, ge=1, le=128, description="x axis: number of values")
    x_log: bool = Field(True, description="x axis: log-spaced values")
    y_param: SweepParam = Field("beta3", description="y axis: swept quantity")
    y_low: float = Field(0.99, allow_inf_nan=False, description="y axis: first value")
    y_high: float = Field(0.9999, allow_inf_nan=False, description="y axis: last value")
    y_num: int = Field(32, ge=1, le=128, description="y axis: number of values")
    y_log: bool = Field(False, description="y axis: log-spaced values")
    steps: int = Field(0, ge=0, le=MAX_STEPS, description="Steps of every run (0: the scene's steps)")
    tolerance: float = Field(1e-3, gt=0.0, le=10.0, description="ε: converged once within ε of a minimum")
    metric: SweepMetric = Field("final_distance", description="Colour of the grid")
    basin_a: int = Field(1, ge=1, le=MAX_RUNS, description="Basin map: left run")
    basin_b: int = Field(2, ge=1, le=MAX_RUNS, description="Basin map: right run")
    basin_n: int = Field(64, ge=4, le=128, description="Basin map: start points per axis")
    basin_metric: BasinMetric = Field("first_hit", description="Colour of the basin maps")
    cell_x: int | None = Field(None, ge=0, le=127,
                               description="Selected cell: column, 0-based (grid: x value; basin map: start x)")
    cell_y: int | None = Field(None, ge=0, le=127,
                               description="Selected cell: row, 0-based (grid: y value; basin map: start y)")
    cell_panel: int = Field(0, ge=0, le=1, description="Selected cell: which basin map (grid: always 0)")

    @model_validator(mode="after")
    def _distinct(self) -> "SweepsView":
        if self.x_param == self.y_param:
            raise ValueError(f"the x and y axes must sweep different quantities (both are {self.x_param})")
        return self

    @model_validator(mode="after")
    def _cell_in_grid(self) -> "SweepsView":
        if (self.cell_x is None) != (self.cell_y is None):
            raise ValueError("a selected cell needs both its column cx and its row cy")
        if self.mode == "grid" and self.cell_panel != 0:
            raise ValueError("the grid has a single map (cmap=1 selects the right basin map)")
        if self.cell_x is None:
            return self
        nx, ny = (self.x_num, self.y_num) if self.mode == "grid" else (self.basin_n, self.basin_n)
        where = "the grid" if self.mode == "grid" else "the basin maps"
        for name, index, n in (("column cx", self.cell_x, nx), ("row cy", self.cell_y, ny)):
            if index >= n:
                raise ValueError(f"cell {name}={index} is outside {where} ({n} {'columns' if 'x' in name else 'rows'}:"
                                 f" 0 … {n - 1})")
        return self

    @property
    def cell(self) -> tuple[int, int, int] | None:
        """The selected cell as (panel, ix, iy), or None."""
        if self.cell_x is None or self.cell_y is None:
            return None
        return self.cell_panel, self.cell_x, self.cell_y


METRIC_LABELS = {"final_distance": "final distance to the minimum", "first_hit": "steps to reach ε",
                 "final_loss": "final loss", "minimum": "minimum reached"}


def _num(v: float) -> str:
    return f"{v:g}"


def _param_control(url: str, field: str, label: str) -> Control:
    return Control(url, SweepsView, field, "choice", label, grid=SWEEP_PARAMS, labels=PARAM_LABELS)


SWEEP_CONTROLS: tuple[Control, ...] = (
    Control("mode", SweepsView, "mode", "choice", "sweep", grid=("grid", "basin"),
            labels={"grid": "Hyperparameter grid", "basin": "Basins of attraction (start points)"}),
    Control("srun", SweepsView, "run", "choice", "swept run", grid=tuple(range(0, MAX_RUNS + 1))),
    _param_control("sx", "x_param", "x: quantity"),
    Control("sxlo", SweepsView, "x_low", "float", "x from", number_format="%.6g"),
    Control("sxhi", SweepsView, "x_high", "float", "x to", number_format="%.6g"),
    Control("sxn", SweepsView, "x_num", "grid", "x values", grid=SWEEP_NUM_GRID),
    Control("sxlog", SweepsView, "x_log", "bool", "log"),
    _param_control("sy", "y_param", "y: quantity"),
    Control("sylo", SweepsView, "y_low", "float", "y from", number_format="%.6g"),
    Control("syhi", SweepsView, "y_high", "float", "y to", number_format="%.6g"),
    Control("syn", SweepsView, "y_num", "grid", "y values", grid=SWEEP_NUM_GRID),
    Control("sylog", SweepsView, "y_log", "bool", "log"),
    Control("ssteps", SweepsView, "steps", "grid", "steps per run", grid=SWEEP_STEPS_GRID,
            display=lambda v: "as the scene" if v == 0 else f"{v:,}"),
    Control("tol", SweepsView, "tolerance", "grid", "ε (converged within)", grid=TOLERANCE_GRID, display=_num),
    Control("metric", SweepsView, "metric", "choice", "colour by", grid=typing.get_args(SweepMetric),
            labels=METRIC_LABELS),
    Control("ba", SweepsView, "basin_a", "choice", "left run", grid=tuple(range(1, MAX_RUNS + 1))),
    Control("bb", SweepsView, "basin_b", "choice", "right run", grid=tuple(range(1, MAX_RUNS + 1))),
    Control("bn", SweepsView, "basin_n", "grid", "start points per axis", grid=(16, 24, 32, 48, 64, 96, 128)),
    Control("bmetric", SweepsView, "basin_metric", "choice", "colour by", grid=typing.get_args(BasinMetric),
            labels=METRIC_LABELS),
    # The selected cell (set by clicking the heatmap / a basin map; no widget). Last, so that a decode whose
    # cross-field rules fail drops the selection before any sweep setting.
    Control("cx", SweepsView, "cell_x", "int", "selected cell: column"),
    Control("cy", SweepsView, "cell_y", "int", "selected cell: row"),
    Control("cmap", SweepsView, "cell_panel", "choice", "selected cell: basin map", grid=(0, 1),
            labels={0: "left", 1: "right"}),
)

VIEW_MODELS: dict[str, type[FrozenModel]] = {"kernels": KernelsView, "schedules": SchedulesView,
                                             "sweeps": SweepsView}
VIEW_CONTROLS: dict[str, tuple[Control, ...]] = {"kernels": KERNEL_CONTROLS, "schedules": SCHEDULE_CONTROLS,
                                                 "sweeps": SWEEP_CONTROLS}
# URL keys that only mean something together: a decode may drop them as one.
VIEW_GROUPS: dict[str, tuple[frozenset[str], ...]] = {"sweeps": (frozenset({"cx", "cy", "cmap"}),)}
VIEW_KEYS: dict[str, frozenset[str]] = {page: frozenset(c.name for c in controls)
                                        for page, controls in VIEW_CONTROLS.items()}


def _check_keys() -> None:
    scene_keys = set(sc.state_keys()) | set(sc.RESERVED_KEYS)
    for page, keys in VIEW_KEYS.items():
        clash = keys & scene_keys
        assert not clash, f"{page} view keys clash with the scene's: {clash}"


_check_keys()


# ------------------------------------------------------------------------------------------------ codec


@dataclass(frozen=True)
class ViewCodec:
    page: str

    @property
    def model(self) -> type[FrozenModel]:
        return VIEW_MODELS[self.page]

    @property
    def controls(self) -> tuple[Control, ...]:
        return VIEW_CONTROLS[self.page]

    @property
    def keys(self) -> frozenset[str]:
        return VIEW_KEYS[self.page]

    def _drop_candidates(self, given: list[Control]) -> list[list[Control]]:
        """Sets of given controls to fall back on, in order: latest first; a group is tried member by member,
        then whole."""
        out: list[list[Control]] = []
        seen: set[str] = set()
        for c in reversed(given):
            if c.name in seen:
                continue
            group = next((g for g in VIEW_GROUPS.get(self.page, ()) if c.name in g), None)
            if group is None:
                out.append([c])
                continue
            members = [d for d in given if d.name in group]
            seen |= {d.name for d in members}
            out += [[d] for d in reversed(members)]
            if len(members) > 1:
                out.append(members)
        return out

    def to_state(self, view: FrozenModel) -> dict[str, Any]:
        return {c.name: getattr(view, c.field) for c in self.controls}

    def from_state(self, state: Mapping[str, Any]) -> FrozenModel:
        """The view a flat state describes (raises ValidationError)."""
        return self.model.model_validate({c.field: state[c.name] for c in self.controls if c.name in state})

    def encode(self, view: FrozenModel) -> dict[str, str]:
        default = self.model()
        return {c.name: c.to_url(getattr(view, c.field)) for c in self.controls
                if getattr(view, c.field) != getattr(default, c.field)}

    def decode(self, query: Mapping[str, list[str]], base: FrozenModel | None = None
               ) -> tuple[FrozenModel, list[sc.Message]]:
        """The view in ``query`` (only this page's keys are looked at), from ``base``; never raises."""
        base = base or self.model()
        fields = base.model_dump()
        messages: list[sc.Message] = []
        given: list[Control] = []
        raw_of: dict[str, str] = {}
        for c in self.controls:
            if c.name not in query:
                continue
            values = query[c.name]
            raw = values[-1] if values else ""
            if len(values) > 1:
                messages.append(sc.Message(c.name, f"`{c.name}` was given {len(values)} times; using the last value."))
            try:
                fields[c.field] = c.parse(raw)
                given.append(c)
                raw_of[c.name] = raw
            except ParseError as err:
                messages.append(sc._msg(c.name, raw, str(err), "the default"))
        try:
            return self.model.model_validate(fields), messages
        except ValidationError as err:
            reason = pydantic_reason(err)
        # A cross-field rule failed: drop the fewest given values (latest first) that makes the view valid. Values
        # that only mean something together (VIEW_GROUPS: the selected cell's cx, cy, cmap) may go together.
        for dropped in self._drop_candidates(given):
            trial = {**fields, **{c.field: getattr(base, c.field) for c in dropped}}
            try:
                view = self.model.model_validate(trial)
            except ValidationError:
                continue
            for c in dropped:
                messages.append(sc._msg(c.name, raw_of.get(c.name), reason, "the default"))
            return view, messages
        for c in given:
            messages.append(sc._msg(c.name, raw_of.get(c.name), reason, "the default"))
        return base, messages


CODECS = {page: ViewCodec(page) for page in VIEW_MODELS}


def split_query(page: str, query: Mapping[str, list[str]]) -> tuple[dict, dict]:
    """(scene part, view part) of a page's query string."""
    keys = VIEW_KEYS[page]
    return ({k: v for k, v in query.items() if k not in keys}, {k: v for k, v in query.items() if k in keys})


# ------------------------------------------------------------------------------------------------ sweeps → engine


def auto_run(scene: sc.Scene) -> int:
    """The last AdEMAMix run (1-based), else the last run."""
    return sc.auto_focus(scene.runs)


def swept_run(scene: sc.Scene, view: SweepsView) -> int:
    return auto_run(scene) if view.run == 0 or view.run > len(scene.runs) else view.run


def run_config(scene: sc.Scene, k: int, steps: int = 0) -> RunConfig:
    cfg = scene.run_configs()[k - 1]
    if steps:
        cfg = RunConfig.model_validate({**cfg.model_dump(), "steps": steps})
    return cfg


def axis_problem(optimizer: OptimizerConfig, param: str) -> str | None:
    if param in OptimizerConfig.model_fields and param not in USED_FIELDS[optimizer.name]:
        return f"{sc.OPTIMIZER_LABELS[optimizer.name]} does not use {PARAM_LABELS[param]}"
    return None


def grid_sweep_config(scene: sc.Scene, view: SweepsView) -> SweepConfig:
    """The engine's SweepConfig of the grid mode (raises ValueError/ValidationError with a specific message)."""
    k = swept_run(scene, view)
    base = run_config(scene, k, view.steps)
    return SweepConfig(base=base, tolerance=view.tolerance,
                       x=SweepAxis(param=view.x_param, low=view.x_low, high=view.x_high, num=view.x_num,
                                   log=view.x_log),
                       y=SweepAxis(param=view.y_param, low=view.y_low, high=view.y_high, num=view.y_num,
                                   log=view.y_log))


def basin_sweep_configs(scene: sc.Scene, view: SweepsView, box: tuple[tuple[float, float], tuple[float, float]]
                        ) -> list[SweepConfig]:
    """One start_x × start_y SweepConfig per compared run (``box`` = the objective's plotting box)."""
    (x0, x1), (y0, y1) = box
    out = []
    for k in (view.basin_a, view.basin_b):
        k = min(k, len(scene.runs))
        base = run_config(scene, k, view.steps)
        out.append(SweepConfig(base=base, tolerance=view.tolerance,
                               x=SweepAxis(param="start_x", low=x0, high=x1, num=view.basin_n),
                               y=SweepAxis(param="start_y", low=y0, high=y1, num=view.basin_n)))
    return out


def axes_for(optimizer: OptimizerConfig) -> dict[str, Any]:
    """Default sweep axes for an optimizer: α × β₃ for AdEMAMix, lr × β₁ otherwise."""
    xp, yp = DEFAULT_AXES.get(optimizer.name, ("lr", "beta1"))
    out = {}
    for prefix, p in (("x", xp), ("y", yp)):
        lo, hi, log = PARAM_RANGES[p]
        out |= {f"{prefix}_param": p, f"{prefix}_low": lo, f"{prefix}_high": hi, f"{prefix}_log": log}
    return out


def cell_scene(scene: sc.Scene, k: int, run: RunConfig, name: str) -> sc.Scene:
    """The scene that shows a sweep cell on the Trajectories page: run k replaced by the cell's configuration
    (same colour, named after the cell), start point and steps from the cell; the other runs kept."""
    runs = list(scene.runs)
    runs[k - 1] = sc.RunSpec(name=name[:40], color=runs[k - 1].color, optimizer=run.optimizer)
    start = tuple(run.start) if run.start is not None else scene.start
    return sc.replace_scene(scene, runs=tuple(runs), start=start, steps=run.steps, noise_sigma=run.noise_sigma,
                            t=None, focus=k)


# ------------------------------------------------------------------------------------------------ documents, presets


class KernelsPage(FrozenModel):
    scene: sc.Scene = Field(default_factory=sc.Scene)
    view: KernelsView = Field(default_factory=KernelsView)


class SchedulesPage(FrozenModel):
    scene: sc.Scene = Field(default_factory=sc.Scene)
    view: SchedulesView = Field(default_factory=SchedulesView)


class SweepsPage(FrozenModel):
    scene: sc.Scene = Field(default_factory=sc.Scene)
    view: SweepsView = Field(default_factory=SweepsView)


PAGE_MODELS: dict[str, type[FrozenModel]] = {"kernels": KernelsPage, "schedules": SchedulesPage,
                                             "sweeps": SweepsPage}


class PresetSource(FrozenModel):
    paper: tuple[str, ...] = Field(description="Settings stated in the paper")
    ours: tuple[str, ...] = Field(description="Our choices where the paper is silent")


class PagePreset(FrozenModel):
    """A named view of one of these pages (``presets/<page>/<id>.json``); ``scene`` None keeps the current runs."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    page: PageName
    order: int = 0
    title: str = Field(max_length=60)
    reference: str = Field(max_length=120)
    summary: str = Field(max_length=800)
    source: PresetSource
    view: dict[str, Any] = Field(default_factory=dict, description="View fields (validated by the page's model)")
    scene: sc.Scene | None = None

    @model_validator(mode="after")
    def _view_valid(self) -> "PagePreset":
        VIEW_MODELS[self.page].model_validate(self.view)
        return self

    @property
    def view_model(self) -> FrozenModel:
        return VIEW_MODELS[self.page].model_validate(self.view)


class PagePresetError(ValueError):
    pass


@lru_cache(maxsize=8)
def load_page_presets(page: str, directory: str | None = None) -> dict[str, PagePreset]:
    """The presets of ``page`` by id, in display order (raises PagePresetError on an invalid file)."""
    folder = Path(directory) if directory else PRESET_ROOT / page
    presets = []
    for path in sorted(folder.glob("*.json")):
        try:
            preset = PagePreset.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, json.JSONDecodeError) as err:
            raise PagePresetError(f"{page}/{path.name}: {err}") from err
        if preset.id != path.stem or preset.page != page:
            raise PagePresetError(f"{page}/{path.name}: id must equal the file name and page must be {page!r}")
        presets.append(preset)
    return {p.id: p for p in sorted(presets, key=lambda p: (p.order, p.id))}


def all_page_presets() -> dict[str, PagePreset]:
    out = {}
    for page in VIEW_MODELS:
        out |= load_page_presets(page)
    return out


__all__ = [
    "KernelsView", "SchedulesView", "SweepsView", "ViewCodec", "CODECS", "VIEW_KEYS", "PagePreset",
    "load_page_presets", "PAGE_MODELS", "grid_sweep_config", "basin_sweep_configs", "cell_scene", "split_query",
]
