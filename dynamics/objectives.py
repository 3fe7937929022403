"""2D objectives: exact jnp functions with metadata (formula, plotting box, known minima, default start).

Each objective is ``f(xy, p)`` with ``xy`` a float64 array of shape (2,) and ``p`` a float64 array of its parameters
(traced, so moving a parameter slider never recompiles); gradients come from ``jax.grad``.

Known minima are exact (analytic) for the built-in surfaces; for a custom formula they are located numerically by
``find_minima`` (grid search + damped Newton refinement) inside the plotted box.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .config import ObjectiveConfig
from .formula import compile_formula, formula_to_latex


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
    description: str = ""  # one line: what the surface teaches

    def value(self, xy):
        return self.fn(jnp.asarray(xy, dtype=jnp.float64), jnp.asarray(self.params, dtype=jnp.float64))

    @property
    def minima_array(self) -> np.ndarray:
        return np.array([[m.x, m.y] for m in self.minima], dtype=np.float64).reshape(-1, 2)


# ---------------------------------------------------------------------------------------------------- the surfaces

def _rosenbrock(xy, p):
    x, y = xy[0], xy[1]
    return (p[0] - x) ** 2 + p[1] * (y - x**2) ** 2


def _trap(xy, p):
    x, y = xy[0], xy[1]
    return 8.0 * (x - 1.0) ** 2 * (1.3 * x**2 + 2.0 * x + 1.0) + 0.5 * (y - 4.0) ** 2


def _beale(xy, p):
    x, y = xy[0], xy[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _himmelblau(xy, p):
    x, y = xy[0], xy[1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _quadratic(xy, p):
    """½(u²/κ + v²) in coordinates (u, v) rotated by θ: Hessian eigenvalues 1/κ (along θ) and 1 (across)."""
    kappa, theta = p[0], p[1]
    c, s = jnp.cos(theta), jnp.sin(theta)
    u = c * xy[0] + s * xy[1]
    v = -s * xy[0] + c * xy[1]
    return 0.5 * (u**2 / kappa + v**2)


def _saddle(xy, p):
    x, y = xy[0], xy[1]
    return x**2 - y**2 + 0.25 * y**4


def _rastrigin(xy, p):
    amplitude = p[0]
    ripples = jnp.cos(2.0 * jnp.pi * xy[0]) + jnp.cos(2.0 * jnp.pi * xy[1])
    return 2.0 * amplitude + xy[0] ** 2 + xy[1] ** 2 - amplitude * ripples


# Himmelblau's three non-integer minima are roots of a quartic system; these are float64 Newton limits.
_HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                      (-3.779310253377747, -3.283185991286169), (3.5844283403304917, -1.8481265269644034))

_TITLES = {
    "rosenbrock": "Rosenbrock",
    "trap": "Trap (Sophia toy, paper Fig. 18)",
    "beale": "Beale",
    "himmelblau": "Himmelblau",
    "quadratic": "Ill-conditioned quadratic",
    "saddle": "Saddle point",
    "rastrigin": "Rastrigin",
    "custom": "Custom formula",
}

_DESCRIPTIONS = {
    "rosenbrock": "A long curved valley: progress depends on momentum turning with the valley (paper Fig. 2).",
    "trap": "Sharp in x, flat in y, with a shallow local minimum at x = −17/26 that catches slow-forgetting "
            "momentum (paper Fig. 18).",
    "beale": "Flat plateaus and steep walls around a narrow curved approach to (3, 0.5): tests step-size adaptation.",
    "himmelblau": "Four equally deep minima: which one is reached depends on the start, the momentum and the noise.",
    "quadratic": "A rotated bowl with condition number κ: gradient descent zig-zags across it while momentum and "
                 "per-coordinate scaling speed up the flat direction.",
    "saddle": "A saddle at the origin between minima at (0, ±√2): from starts near y = 0 methods escape at very "
              "different speeds.",
    "rastrigin": "A bowl covered with cosine ripples of amplitude A: many local minima that momentum and noise "
                 "must roll over.",
    "custom": "Your own formula in x and y; its minima are located numerically inside the plotted box.",
}


def available_objectives() -> dict[str, str]:
    """Objective names (the values of ObjectiveConfig.name) mapped to display titles, in menu order."""
    return dict(_TITLES)


def _objective(name: str, **fields) -> Objective:
    return Objective(name=name, title=_TITLES[name], description=_DESCRIPTIONS[name], **fields)


def _rosenbrock_objective(cfg: ObjectiveConfig) -> Objective:
    a, b = cfg.rosenbrock_a, cfg.rosenbrock_b
    return _objective(
        "rosenbrock", latex=r"f(x,y) = (a - x)^2 + b\,(y - x^2)^2",
        fn=_rosenbrock, params=(a, b), x_range=(-3.5, 3.5), y_range=(-2.0, 10.0),
        minima=(Minimum(a, a * a, "global"),), default_start=(-3.0, 5.0))


def _trap_objective(cfg: ObjectiveConfig) -> Objective:
    return _objective(
        "trap", latex=r"f(x,y) = 8(x-1)^2(1.3x^2 + 2x + 1) + \tfrac12 (y-4)^2",
        fn=_trap, params=(), x_range=(-1.5, 1.5), y_range=(-3.0, 6.0),
        minima=(Minimum(1.0, 4.0, "global"), Minimum(-17.0 / 26.0, 4.0, "local")), default_start=(0.3, 1.5))


def _beale_objective(cfg: ObjectiveConfig) -> Objective:
    # The only minimum in the box; (0, 1) and ≈(0.1005, −2.6445) are saddle points.
    return _objective(
        "beale", latex=r"f(x,y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        fn=_beale, params=(), x_range=(-4.5, 4.5), y_range=(-4.5, 4.5),
        minima=(Minimum(3.0, 0.5, "global"),), default_start=(1.0, 1.5))


def _himmelblau_objective(cfg: ObjectiveConfig) -> Objective:
    return _objective(
        "himmelblau", latex=r"f(x,y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        fn=_himmelblau, params=(), x_range=(-5.0, 5.0), y_range=(-5.0, 5.0),
        minima=tuple(Minimum(x, y, "global") for x, y in _HIMMELBLAU_MINIMA), default_start=(0.0, 0.0))


def _quadratic_objective(cfg: ObjectiveConfig) -> Objective:
    return _objective(
        "quadratic",
        latex=(r"f(x,y) = \tfrac12\left(\frac{u^2}{\kappa} + v^2\right),\quad "
               r"u = x\cos\theta + y\sin\theta,\ v = -x\sin\theta + y\cos\theta"),
        fn=_quadratic, params=(cfg.kappa, math.radians(cfg.angle_deg)), x_range=(-3.0, 3.0), y_range=(-3.0, 3.0),
        minima=(Minimum(0.0, 0.0, "global"),), default_start=(-2.5, 2.0))


def _saddle_objective(cfg: ObjectiveConfig) -> Objective:
    root2 = math.sqrt(2.0)
    return _objective(
        "saddle", latex=r"f(x,y) = x^2 - y^2 + \tfrac14 y^4",
        fn=_saddle, params=(), x_range=(-2.0, 2.0), y_range=(-2.5, 2.5),
        minima=(Minimum(0.0, root2, "global"), Minimum(0.0, -root2, "global")), default_start=(-1.8, 0.01))


def _rastrigin_objective(cfg: ObjectiveConfig) -> Objective:
    # Local minima sit near every integer point when A > 0 and have no closed form; only the global one is listed.
    return _objective(
        "rastrigin", latex=r"f(x,y) = 2A + x^2 + y^2 - A\left(\cos 2\pi x + \cos 2\pi y\right)",
        fn=_rastrigin, params=(cfg.rastrigin_amplitude,), x_range=(-5.12, 5.12), y_range=(-5.12, 5.12),
        minima=(Minimum(0.0, 0.0, "global"),), default_start=(-4.2, 3.7))


def _custom_objective(cfg: ObjectiveConfig) -> Objective:
    return _custom_objective_cached(cfg.expression, tuple(cfg.x_range), tuple(cfg.y_range))


@functools.lru_cache(maxsize=64)
def _custom_objective_cached(expression: str, x_range: tuple, y_range: tuple) -> Objective:
    boxed = _objective("custom", latex="f(x,y) = " + formula_to_latex(expression), fn=compile_formula(expression),
                       params=(), x_range=x_range, y_range=y_range, minima=(), default_start=(0.0, 0.0))
    minima = find_minima(boxed)
    return replace(boxed, minima=minima, default_start=_highest_inset_corner(boxed))


_BUILDERS = {
    "rosenbrock": _rosenbrock_objective, "trap": _trap_objective, "beale": _beale_objective,
    "himmelblau": _himmelblau_objective, "quadratic": _quadratic_objective, "saddle": _saddle_objective,
    "rastrigin": _rastrigin_objective, "custom": _custom_objective,
}


def get_objective(cfg: ObjectiveConfig) -> Objective:
    """The objective a config names, with its parameters filled in.

    For "custom" the expression is compiled (FormulaError, a ValueError, if it is not an allowed formula) and its
    minima are searched numerically in the box; results are cached per (expression, x_range, y_range).
    """
    return _BUILDERS[cfg.name](cfg)


# ---------------------------------------------------------------------------------------------------- numerical minima

_GRID = 201  # grid points per axis inside the box (one extra ring outside gives every box point 8 neighbours)
_CANDIDATES = 32  # lowest grid-local minima refined per search
_BATCH = 8 * _CANDIDATES  # fixed batch of the derivative kernel (8 neighbours per candidate): one compile per fn
_NEWTON_STEPS = 60
_COMPASS_STEPS = 80
_MAX_MINIMA = 10
_NEIGHBOURS = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1) if i or j], dtype=np.float64)


def _inset_corners(objective: Objective, inset: float = 0.2) -> list[tuple[float, float]]:
    (x0, x1), (y0, y1) = objective.x_range, objective.y_range
    xs = (round(x0 + inset * (x1 - x0), 12), round(x1 - inset * (x1 - x0), 12))  # -1.8, not -1.7999999999999998
    ys = (round(y0 + inset * (y1 - y0), 12), round(y1 - inset * (y1 - y0), 12))
    return [(xs[0], ys[1]), (xs[1], ys[1]), (xs[0], ys[0]), (xs[1], ys[0])]


def _highest_inset_corner(objective: Objective) -> tuple[float, float]:
    """A start with a long way down: of the four points 20% inside the box corners, the one with the largest finite f
    (the upper-left one if f is nowhere finite there)."""
    corners = _inset_corners(objective)
    values = _batched(objective.fn, jnp.asarray(objective.params, dtype=jnp.float64), np.array(corners))[0]
    finite = [(float(v), c) for v, c in zip(values, corners) if math.isfinite(v)]
    return max(finite)[1] if finite else corners[0]


# Two small kernels per function instead of one big jitted search: compiling a Newton loop costs several times more.
@functools.partial(jax.jit, static_argnames=("fn",))
def _grid_values(fn: Callable, p, points):
    return jax.vmap(jax.vmap(lambda xy: jnp.asarray(fn(xy, p), dtype=jnp.float64)))(points)


@functools.partial(jax.jit, static_argnames=("fn",))
def _value_grad_hessian(fn: Callable, p, points):
    f = lambda xy: jnp.asarray(fn(xy, p), dtype=jnp.float64)  # noqa: E731
    grad = jax.jacfwd(f)  # forward-over-forward: with 2 inputs it compiles about twice as fast as jax.hessian
    return jax.vmap(lambda xy: (f(xy), grad(xy), jax.jacfwd(grad)(xy)))(points)


def _batched(fn: Callable, p, points: np.ndarray):
    """f, ∇f, ∇²f at up to _BATCH points (padded to the fixed batch size), NaN mapped to +inf in f."""
    padded = np.zeros((_BATCH, 2))
    padded[:len(points)] = points
    f, g, h = (np.asarray(a)[:len(points)] for a in _value_grad_hessian(fn, p, padded))
    return np.where(np.isnan(f), np.inf, f), g, h


def _grid_local_minima(objective: Objective, p) -> tuple[np.ndarray, np.ndarray]:
    """Grid points strictly below their 8 neighbours (the lowest _CANDIDATES of them), and the grid spacing."""
    lo = np.array([objective.x_range[0], objective.y_range[0]])
    cell = (np.array([objective.x_range[1], objective.y_range[1]]) - lo) / (_GRID - 1)
    ticks = np.arange(-1, _GRID + 1, dtype=np.float64)
    points = np.stack(np.meshgrid(lo[0] + cell[0] * ticks, lo[1] + cell[1] * ticks, indexing="ij"), axis=-1)
    values = np.asarray(_grid_values(objective.fn, p, points))
    values = np.where(np.isnan(values), np.inf, values)  # -inf stays: it is lower than anything, not undefined
    centre = values[1:-1, 1:-1]
    is_min = np.isfinite(centre)
    for di, dj in _NEIGHBOURS.astype(int):
        is_min &= centre < values[1 + di:_GRID + 1 + di, 1 + dj:_GRID + 1 + dj]
    flat = np.flatnonzero(is_min)
    best = flat[np.argsort(centre.ravel()[flat], kind="stable")[:_CANDIDATES]]
    return points[1:-1, 1:-1].reshape(-1, 2)[best], cell


def _compass_search(fn: Callable, p, xy: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Derivative-free descent to the lowest of 8 neighbours at a shrinking distance: it also converges at kinks
    (abs, min, max), where jax's one-sided derivatives stall Newton."""
    f = _batched(fn, p, xy)[0]
    size = np.full(len(xy), 0.5)  # in grid cells
    for _ in range(_COMPASS_STEPS):
        around = xy[:, None, :] + _NEIGHBOURS[None] * (size[:, None] * cell)[:, None, :]
        f_around = _batched(fn, p, around.reshape(-1, 2))[0].reshape(len(xy), 8)
        best = np.argmin(f_around, axis=1)
        f_best = f_around[np.arange(len(xy)), best]
        moved = f_best < f
        xy = np.where(moved[:, None], around[np.arange(len(xy)), best], xy)
        f = np.where(moved, f_best, f)
        size = np.where(moved, size, size / 2)
    return xy


def _damped_newton(fn: Callable, p, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levenberg–Marquardt-damped Newton steps that never increase f, so each point stays in its start's basin."""
    f, g, h = _batched(fn, p, xy)
    mu = np.full(len(xy), 1e-3)
    for _ in range(_NEWTON_STEPS):
        a, b, c, d = h[:, 0, 0] + mu, h[:, 0, 1], h[:, 1, 0], h[:, 1, 1] + mu
        with np.errstate(all="ignore"):
            det = a * d - b * c
            trial = xy - np.stack([d * g[:, 0] - b * g[:, 1], a * g[:, 1] - c * g[:, 0]], axis=1) / det[:, None]
        ok = np.all(np.isfinite(trial), axis=1)
        f_t, g_t, h_t = _batched(fn, p, np.where(ok[:, None], trial, xy))
        ok &= np.isfinite(f_t) & (f_t <= f)
        xy, f = np.where(ok[:, None], trial, xy), np.where(ok, f_t, f)
        g, h = np.where(ok[:, None], g_t, g), np.where(ok[:, None, None], h_t, h)
        mu = np.clip(np.where(ok, mu * 0.1, mu * 10.0), 1e-15, 1e15)
    return xy, f


def _still_grid_minima(fn: Callable, p, xy: np.ndarray, f: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Whether each refined point is still no higher than the 8 points one grid cell away (rejects points that slid
    towards a singularity or along a channel instead of settling in a minimum)."""
    around = (xy[:, None, :] + _NEIGHBOURS[None] * cell).reshape(-1, 2)
    f_around = _batched(fn, p, around)[0].reshape(len(xy), 8)
    return np.all(f[:, None] <= f_around, axis=1)


def find_minima(objective: Objective) -> tuple[Minimum, ...]:
    """Numerically located minima of `objective` inside its box, lowest first (at most 10).

    Points of a 201×201 grid that are strictly below their 8 neighbours (the lowest 32) are refined by a compass
    search and then damped Newton steps in float64, deduplicated and kept if inside the box and still no higher than
    their surroundings. Those as low as the lowest (up to round-off) are "global", the rest "local". Minima on the
    box edge are not reported, and non-isolated ones (a flat valley floor) are missed or only sampled; a surface
    without a minimum in the box gives ().
    """
    p = jnp.asarray(objective.params, dtype=jnp.float64)
    starts, cell = _grid_local_minima(objective, p)
    if not len(starts):
        return ()
    points, values = _damped_newton(objective.fn, p, _compass_search(objective.fn, p, starts, cell))
    lo = np.array([objective.x_range[0], objective.y_range[0]])
    hi = np.array([objective.x_range[1], objective.y_range[1]])
    keep = (np.isfinite(values) & np.all((points >= lo) & (points <= hi), axis=1)
            & _still_grid_minima(objective.fn, p, points, values, cell))
    points, values = points[keep], values[keep]
    order = np.argsort(values, kind="stable")
    kept: list[int] = []
    for i in order:  # distinct minima are more than a grid cell apart, or both would not be grid-local minima
        if all(np.any(np.abs(points[i] - points[j]) > cell / 2) for j in kept):
            kept.append(i)
    kept = kept[:_MAX_MINIMA]
    if not kept:
        return ()
    lowest = values[kept[0]]
    tie = 1e-9 * max(1.0, abs(lowest))
    return tuple(Minimum(float(points[i, 0]), float(points[i, 1]), "global" if values[i] <= lowest + tie else "local")
                 for i in kept)
