"""Process-wide, bounded result caches keyed by frozen configs, and a start-up warm-up of the compiled programs.

Why not ``st.cache_data``: a ``Trajectory`` holds the objective's function (custom formulas are closures), which
cannot be pickled; ``st.cache_resource`` could hold it but bounds entries only, while a 10⁵-step trajectory weighs
~15 MB. ``BoundedCache`` is an LRU bounded by entry count *and* bytes, shared by all sessions (values are never
mutated after creation, so sharing is safe), and needs no Streamlit — tests and benchmarks use it directly.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import numpy as np

from dynamics.config import ObjectiveConfig, RunConfig
from dynamics.objectives import Objective, get_objective
from dynamics.simulate import Trajectory, simulate
from figures.common import SurfaceGrid, surface_grid

T = TypeVar("T")
_LOG = logging.getLogger("ademamix_lab.cache")


class BoundedCache:
    """Thread-safe LRU bounded by ``max_entries`` and ``max_bytes`` (as measured by ``size_of``)."""

    def __init__(self, name: str, max_entries: int, max_bytes: int, size_of: Callable[[Any], int] = lambda v: 0):
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key][0]
            self.misses += 1
        value = compute()  # outside the lock: other sessions keep being served meanwhile
        size = int(self._size_of(value))
        with self._lock:
            if key not in self._data:
                self._data[key] = (value, size)
                self._bytes += size
                while self._data and (len(self._data) > self.max_entries or self._bytes > self.max_bytes):
                    if len(self._data) == 1:
                        break  # always keep the newest entry, even if it alone exceeds max_bytes
                    _, (_, old) = self._data.popitem(last=False)
                    self._bytes -= old
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        return self._bytes


def trajectory_nbytes(traj: Trajectory) -> int:
    return sum(v.nbytes for v in vars(traj).values() if isinstance(v, np.ndarray))


TRAJECTORIES = BoundedCache("trajectories", max_entries=96, max_bytes=384 * 2**20, size_of=trajectory_nbytes)
SURFACES = BoundedCache("surfaces", max_entries=48, max_bytes=64 * 2**20,
                        size_of=lambda g: g.x.nbytes + g.y.nbytes + g.z.nbytes)
OBJECTIVES = BoundedCache("objectives", max_entries=128, max_bytes=1 << 62)


def simulate_cached(config: RunConfig) -> Trajectory:
    """``dynamics.simulate(config)``, memoised by the (frozen, hashable) config."""
    return TRAJECTORIES.get_or_compute(config, lambda: simulate(config))


def objective_cached(config: ObjectiveConfig) -> Objective:
    """``get_objective(config)`` memoised (raises like it: FormulaError, NotImplementedError, …; errors are not cached)."""
    return OBJECTIVES.get_or_compute(config, lambda: get_objective(config))


def surface_cached(config: ObjectiveConfig, x_range: tuple[float, float], y_range: tuple[float, float],
                   n: int = 181) -> SurfaceGrid:
    """The objective sampled on an n×n grid over the view, memoised by (objective config, view, n)."""
    key = (config, tuple(map(float, x_range)), tuple(map(float, y_range)), n)

    def compute() -> SurfaceGrid:
        obj = objective_cached(config)
        return surface_grid(obj.fn, obj.params, x_range, y_range, n)

    return SURFACES.get_or_compute(key, compute)


def minimum_value(config: ObjectiveConfig) -> float | None:
    """f at the objective's global minima (None if it has none), evaluated through the cached grid machinery."""
    obj = objective_cached(config)
    glob = [m for m in obj.minima if m.kind == "global"] or list(obj.minima)
    if not glob:
        return None

    def compute() -> float:
        return float(min(float(obj.value(np.array([m.x, m.y]))) for m in glob))

    return OBJECTIVES.get_or_compute(("f*", config), compute)


def clear_caches() -> None:
    for cache in (TRAJECTORIES, SURFACES, OBJECTIVES):
        cache.clear()


# ------------------------------------------------------------------------------------------------ warm-up

_warm_lock = threading.Lock()
_warm_started = False
_warm_stop = threading.Event()
_warm_thread: threading.Thread | None = None
WARM_UP_LOG: list[tuple[str, float]] = []  # (what, seconds) — read by the benchmark and the README


def warm_up_configs() -> list[RunConfig]:
    """Run configurations whose compiled programs the app needs first: the default scene, then the presets' shapes
    (each distinct (objective, update rule, step bucket, noise on/off) is one XLA program)."""
    from ui.scene import Scene  # local import: ui.scene imports figures, which is fine, but keep this module light

    configs: list[RunConfig] = list(Scene().run_configs())
    try:
        from presets import load_presets

        for preset in load_presets().values():
            configs.extend(preset.scene.run_configs())
    except Exception:  # noqa: BLE001 — a broken preset must not stop the app from starting
        _LOG.exception("could not load presets for the warm-up")
    seen, unique = set(), []
    for cfg in configs:
        o = cfg.optimizer
        shape = (cfg.objective.name, o.name, o.beta3_scheduler, o.lr_schedule, cfg.steps, cfg.noise_sigma > 0)
        if shape not in seen:
            seen.add(shape)
            unique.append(cfg)
    return unique


def warm_up(configs: list[RunConfig] | None = None) -> None:
    """Compile (and cache) the given runs and their surfaces now; logs timings in ``WARM_UP_LOG``."""
    for cfg in configs if configs is not None else warm_up_configs():
        if _warm_stop.is_set():
            return
        t0 = time.perf_counter()
        try:
            simulate_cached(cfg)
            obj = objective_cached(cfg.objective)
            surface_cached(cfg.objective, obj.x_range, obj.y_range)
        except Exception:  # noqa: BLE001
            _LOG.exception("warm-up of %s failed", cfg)
            continue
        WARM_UP_LOG.append((f"{cfg.objective.name}/{cfg.optimizer.name}/{cfg.steps}", time.perf_counter() - t0))


def start_background_warm_up() -> bool:
    """Start ``warm_up()`` once per process in a background thread (returns False if it was already started or
    ``LAB_WARM_UP=0``). At interpreter exit the thread is asked to stop and joined: killing it inside an XLA
    compilation aborts the process."""
    global _warm_started, _warm_thread
    if os.environ.get("LAB_WARM_UP", "1") == "0":
        return False
    with _warm_lock:
        if _warm_started:
            return False
        _warm_started = True
    _warm_thread = threading.Thread(target=warm_up, name="lab-warm-up", daemon=True)
    _warm_thread.start()
    atexit.register(_stop_warm_up)
    return True


def _stop_warm_up() -> None:
    _warm_stop.set()
    if _warm_thread is not None:
        _warm_thread.join(timeout=60)


__all__ = [
    "BoundedCache", "simulate_cached", "surface_cached", "objective_cached", "minimum_value", "clear_caches",
    "warm_up", "start_background_warm_up",
]
