"""2D objectives: exact jnp functions with metadata (formula, plotting box, known minima, default start).

Each objective is ``f(xy, p)`` with ``xy`` a float64 array of shape (2,) and ``p`` a float64 array of its parameters
(traced, so moving a parameter slider never recompiles); gradients come from ``jax.grad``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp
import numpy as np

from .config import ObjectiveConfig


@dataclass(frozen=True)
class Minimum:
    x: float
    y: float
    kind: str  # "global" or "local"


@dataclass(frozen=True)
class Objective:
    name: str
    title: str
    latex: str
    fn: Callable  # fn(xy, p) -> scalar; a stable module-level (or cached) function: it is a static jit argument
    params: tuple[float, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minima: tuple[Minimum, ...]
    default_start: tuple[float, float]

    def value(self, xy):
        return self.fn(jnp.asarray(xy, dtype=jnp.float64), jnp.asarray(self.params, dtype=jnp.float64))

    @property
    def minima_array(self) -> np.ndarray:
        return np.array([[m.x, m.y] for m in self.minima], dtype=np.float64).reshape(-1, 2)


def _rosenbrock(xy, p):
    x, y = xy[0], xy[1]
    return (p[0] - x) ** 2 + p[1] * (y - x**2) ** 2


def _trap(xy, p):
    x, y = xy[0], xy[1]
    return 8.0 * (x - 1.0) ** 2 * (1.3 * x**2 + 2.0 * x + 1.0) + 0.5 * (y - 4.0) ** 2


def get_objective(cfg: ObjectiveConfig) -> Objective:
    """The objective a config names, with its parameters filled in."""
    if cfg.name == "rosenbrock":
        a, b = cfg.rosenbrock_a, cfg.rosenbrock_b
        return Objective(
            name="rosenbrock", title="Rosenbrock", latex=r"f(x,y) = (a - x)^2 + b\,(y - x^2)^2",
            fn=_rosenbrock, params=(a, b), x_range=(-3.5, 3.5), y_range=(-2.0, 10.0),
            minima=(Minimum(a, a * a, "global"),), default_start=(-3.0, 5.0))
    if cfg.name == "trap":
        return Objective(
            name="trap", title="Trap (Sophia toy, paper Fig. 18)",
            latex=r"f(x,y) = 8(x-1)^2(1.3x^2 + 2x + 1) + \tfrac12 (y-4)^2",
            fn=_trap, params=(), x_range=(-1.5, 1.5), y_range=(-3.0, 6.0),
            minima=(Minimum(1.0, 4.0, "global"), Minimum(-17.0 / 26.0, 4.0, "local")), default_start=(0.3, 1.5))
    raise NotImplementedError(cfg.name)  # the other objectives are added in objectives' own work item
