"""Streamlit side of the Sweeps page: cached sweeps with a progress bar, widget callbacks (axis defaults, cell
selection) and opening a cell on the Trajectories page."""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from dynamics.config import SweepConfig
from dynamics.sweeps import SweepResult, cell_config, run_sweep
from figures.sweeps import format_value, param_label, selected_cell

from . import runs as ur
from . import scene as sc
from .cache import BoundedCache
from .views import CODECS, PARAM_RANGES, SweepsView, axes_for, cell_scene, swept_run

SWEEPS = BoundedCache("sweeps", max_entries=32, max_bytes=512 * 2**20,
                      size_of=lambda r: sum(v.nbytes for v in vars(r).values() if isinstance(v, np.ndarray)))
GOTO_KEY = "_sweep_goto_trajectories"
TRAJECTORIES_PAGE = "pages/trajectories.py"


def cached_sweep(cfg: SweepConfig, progress_label: str = "Running the sweep") -> tuple[SweepResult, bool]:
    """(result, from cache). A new sweep shows a progress bar that advances chunk by chunk."""
    hit = True

    def compute() -> SweepResult:
        nonlocal hit
        hit = False
        bar = st.progress(0.0, text=f"{progress_label}: {_cost(cfg)}")
        started = time.perf_counter()

        def progress(fraction: float) -> None:
            bar.progress(min(1.0, float(fraction)),
                         text=f"{progress_label}: {_cost(cfg)} · {100 * fraction:.0f} % · "
                              f"{time.perf_counter() - started:.1f} s")

        try:
            return run_sweep(cfg, progress=progress)
        finally:
            bar.empty()

    result = SWEEPS.get_or_compute(cfg, compute)
    return result, hit


def _cost(cfg: SweepConfig) -> str:
    n = cfg.x.num * (cfg.y.num if cfg.y is not None else 1)
    return f"{n:,} runs × {cfg.base.steps:,} steps"


# ------------------------------------------------------------------------------------------------ callbacks


def on_axis_param(prefix: str) -> None:
    """A new swept quantity: give its axis a sensible range (start points: the objective's box)."""
    ss = st.session_state
    param = ss.get(f"s{prefix}")
    if param not in PARAM_RANGES:
        return
    lo, hi, log = PARAM_RANGES[param]
    if param in ("start_x", "start_y"):
        scene = ur.scene_from_session()[0]
        try:
            from .cache import objective_cached

            obj = objective_cached(scene.objective)
            lo, hi = obj.x_range if param == "start_x" else obj.y_range
        except Exception:  # noqa: BLE001
            pass
    ss[f"s{prefix}lo"], ss[f"s{prefix}hi"], ss[f"s{prefix}log"] = float(lo), float(hi), bool(log)
    clear_selection()


def use_default_axes() -> None:
    """Axes that suit the swept run's optimizer: α × β₃ for AdEMAMix, lr × β₁ otherwise."""
    ss = st.session_state
    scene = ur.scene_from_session()[0]
    view = _view()
    k = swept_run(scene, view)
    codec = CODECS["sweeps"]
    fields = view.model_dump() | axes_for(scene.runs[k - 1].optimizer) | {"cell_x": None, "cell_y": None,
                                                                             "cell_panel": 0}
    for key, value in codec.to_state(SweepsView.model_validate(fields)).items():
        ss[key] = value


def _view() -> SweepsView:
    codec = CODECS["sweeps"]
    ss = st.session_state
    try:
        return codec.from_state({k: ss[k] for k in codec.keys if k in ss})
    except Exception:  # noqa: BLE001
        return SweepsView()


def on_select(chart_key: str, mode: str) -> None:
    event = st.session_state.get(chart_key)
    try:
        selection = {"selection": {"points": list(event.selection.points)}}
    except AttributeError:
        selection = event or {}
    try:
        cell = selected_cell(selection)
    except Exception:  # noqa: BLE001 — a malformed selection event must never break the page
        cell = None
    if cell is not None:
        panel, ix, iy = (int(v) for v in cell)
        ss = st.session_state
        ss["cx"], ss["cy"], ss["cmap"] = ix, iy, panel if mode == "basin" else 0


def selected(view: SweepsView, shape: tuple[int, int], panels: int = 1) -> tuple[int, int, int] | None:
    """The view's selected cell (panel, ix, iy) if it lies on maps of this shape."""
    if view.cell is None:
        return None
    panel, ix, iy = view.cell
    ny, nx = shape
    if 0 <= panel < panels and 0 <= ix < nx and 0 <= iy < ny:
        return panel, ix, iy
    return None


def clear_selection() -> None:
    """Unselect the cell (a callback of every control that changes what the cells are, e.g. their number)."""
    ss = st.session_state
    ss["cx"], ss["cy"], ss["cmap"] = None, None, 0


# ------------------------------------------------------------------------------------------------ open a cell


def cell_label(cfg: SweepConfig, ix: int, iy: int) -> str:
    parts = [f"{param_label(cfg.x.param)}={format_value(cfg.x.values()[ix])}"]
    if cfg.y is not None:
        parts.append(f"{param_label(cfg.y.param)}={format_value(cfg.y.values()[iy])}")
    return "cell " + ", ".join(parts)


def cell_target(scene: sc.Scene, cfg: SweepConfig, run_k: int, ix: int, iy: int) -> sc.Scene:
    """The Trajectories scene showing cell (ix, iy) of ``cfg`` (run ``run_k`` of the scene replaced by it)."""
    return cell_scene(scene, run_k, cell_config(cfg, ix, iy), cell_label(cfg, ix, iy))


def trajectories_url(scene: sc.Scene) -> str:
    """A relative link that opens ``scene`` on the Trajectories page (the app's default page, at the root)."""
    query = urlencode(sc.encode(scene))
    return "./" + (f"?{query}" if query else "")


def open_on_trajectories(target: Any) -> None:
    """Button callback: put the cell's scene into the shared state; the page then switches (see ``maybe_switch``)."""
    ur.write_scene(target)
    st.session_state.pop(ur.ACTIVE_PRESET, None)
    st.session_state[GOTO_KEY] = sc.encode(target)


def maybe_switch() -> None:
    """Switch to the Trajectories page if a cell was opened in the previous interaction."""
    params = st.session_state.pop(GOTO_KEY, None)
    if params is not None:
        st.switch_page(TRAJECTORIES_PAGE, query_params=params)
