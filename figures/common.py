"""Shared figure vocabulary for every page: palette, run colours, layout, subplot grids, log contours, decimation.

Pure functions (no Streamlit). Every figure builder in ``figures/`` takes results and returns a
``plotly.graph_objects.Figure``; this module holds the parts they share so that a run has the same colour, the
same fonts and the same hover style on every page.

Conventions
-----------
* Arrays handed to Plotly are NumPy float32 (Plotly 7 ships them as base64 typed arrays: ~4× smaller than lists).
* Colours: the Okabe–Ito palette (colour-blind safe). Runs are coloured by their *palette slot*
  (``run_color(slot)``), which a run keeps when other runs are added or removed.
* ``Style`` carries the presentation knobs (font scale for lecture mode, heights); builders never read globals.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import plotly.graph_objects as go

# ------------------------------------------------------------------------------------------------ colours

# Okabe & Ito (2008), "Color Universal Design". Slot order (same as figures/style.py's PALETTE, which the kernel,
# schedule and sweep figures use): the first colours have the strongest contrast against the light contour map and
# against each other; yellow and black come last.
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
RUN_COLORS: tuple[str, ...] = tuple(OKABE_ITO.values())
RUN_COLOR_NAMES: tuple[str, ...] = tuple(OKABE_ITO)
MAX_RUNS = len(RUN_COLORS)  # 8: one palette slot per run

# Light, monotone-lightness sequential scale for loss surfaces (low loss = lightest). Monotone lightness keeps it
# readable in grey-scale and for colour-blind viewers, and it stays behind the coloured trajectories.
SURFACE_COLORSCALE = [
    [0.0, "#fbfcfd"],
    [0.25, "#eef1f5"],
    [0.5, "#dce2ea"],
    [0.75, "#c3ccd8"],
    [1.0, "#a4b0c0"],
]
CONTOUR_LINE_COLOR = "rgba(60, 72, 88, 0.35)"
COLORBAR_OUTLINE_COLOR = "rgba(0, 0, 0, 0.25)"  # as the axis lines (``axis_style``)
INK = "#1f2933"  # text and neutral markers
MUTED = "#6b7785"  # secondary text, guides
MINIMUM_COLOR = "#111111"


def run_color(slot: int) -> str:
    """The colour of palette slot ``slot`` (0-based); slots wrap around after 8."""
    return RUN_COLORS[int(slot) % len(RUN_COLORS)]


def stacked_width(k: int, n: int, width: float) -> float:
    """Line width of run k of n (0-based, in drawing order): earlier runs are drawn wider (up to 1.8 × ``width``), so
    a later run on exactly the same curve leaves them visible as an outline instead of hiding them."""
    return width * (1.0 + 0.8 * (n - 1 - k) / (n - 1)) if n > 1 else width


def with_alpha(hex_color: str, alpha: float) -> str:
    """``#RRGGBB`` → ``rgba(r, g, b, alpha)``."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


# ------------------------------------------------------------------------------------------------ style & layout


@dataclass(frozen=True)
class Style:
    """Presentation knobs shared by all figure builders.

    ``scale`` multiplies fonts, marker sizes and line widths (lecture mode uses ~1.35 for a projector).
    """

    scale: float = 1.0
    font_size: float = 13.0
    font_family: str = "Helvetica Neue, Helvetica, Arial, Liberation Sans, sans-serif"
    map_height: int = 560
    panel_height: int = 330
    line_width: float = 2.0

    def px(self, value: float) -> float:
        return value * self.scale

    @property
    def font(self) -> float:
        return self.font_size * self.scale

    def lecture(self) -> "Style":
        return replace(self, scale=1.35, map_height=int(self.map_height * 1.15),
                       panel_height=int(self.panel_height * 1.15))


DEFAULT_STYLE = Style()

PLOTLY_CONFIG = {
    # Passed to st.plotly_chart(config=...): client-side PNG/SVG download at 2× scale, no Plotly logo/cloud.
    "displaylogo": False,
    "showSendToCloud": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}


def base_layout(style: Style = DEFAULT_STYLE, *, height: int | None = None, title: str | None = None,
                legend: bool = True, **extra) -> dict:
    """A layout dict with the app's fonts, margins, hover labels and legend placement (merged with ``extra``)."""
    layout = {
        "template": "plotly_white",
        "height": height,
        "font": {"family": style.font_family, "size": style.font, "color": INK},
        "margin": {"l": 10, "r": 10, "t": 40 if title else 12, "b": 10},
        "hoverlabel": {"font": {"size": style.font * 0.95, "family": style.font_family}, "align": "left"},
        "hovermode": "closest",
        "showlegend": legend,
        "legend": {
            "orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0,
            "font": {"size": style.font * 0.95}, "itemsizing": "constant", "bgcolor": "rgba(255,255,255,0.6)",
        },
        "uirevision": "keep",  # keep zoom/pan across reruns that only change data
    }
    if title:
        layout["title"] = {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": style.font * 1.15}}
    layout.update(extra)
    return layout


@dataclass(frozen=True)
class Cell:
    """Axis names of one subplot cell (``x``/``y`` as used by traces, ``xaxis``/``yaxis`` as layout keys)."""

    x: str
    y: str

    @property
    def xaxis(self) -> str:
        return "xaxis" + self.x[1:]

    @property
    def yaxis(self) -> str:
        return "yaxis" + self.y[1:]


def subplot_grid(rows: int, cols: int, *, titles: Sequence[str] = (), hgap: float = 0.07, vgap: float = 0.16,
                 shared_x: bool = False, style: Style = DEFAULT_STYLE) -> tuple[list[list[Cell]], dict]:
    """Axis layout for a rows×cols grid without ``make_subplots`` (which costs ~35 ms per call).

    Returns ``(cells, layout_part)``: ``cells[r][c]`` gives the trace axes; ``layout_part`` holds the axis domains
    and the subplot titles as annotations. ``shared_x`` links all x axes to the first one (zoom together).
    """
    width = (1.0 - hgap * (cols - 1)) / cols
    height = (1.0 - vgap * (rows - 1)) / rows
    cells: list[list[Cell]] = []
    layout: dict = {"annotations": []}
    k = 0
    for r in range(rows):
        row = []
        for c in range(cols):
            k += 1
            suffix = "" if k == 1 else str(k)
            cell = Cell("x" + suffix, "y" + suffix)
            x0 = c * (width + hgap)
            y1 = 1.0 - r * (height + vgap)
            layout[cell.xaxis] = {"domain": [_unit(x0), _unit(x0 + width)], "anchor": cell.y}
            layout[cell.yaxis] = {"domain": [_unit(y1 - height), _unit(y1)], "anchor": cell.x}
            if shared_x and k > 1:
                layout[cell.xaxis]["matches"] = "x"
            if k - 1 < len(titles) and titles[k - 1]:
                layout["annotations"].append({
                    "text": titles[k - 1], "xref": "paper", "yref": "paper", "x": x0, "y": y1,
                    "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                    "font": {"size": style.font * 0.98, "color": INK}, "yshift": 2,
                })
            row.append(cell)
        cells.append(row)
    return cells, layout


def _unit(v: float) -> float:
    return min(max(round(v, 9), 0.0), 1.0)


def axis_style(style: Style = DEFAULT_STYLE, *, title: str | None = None, log: bool = False, **extra) -> dict:
    """A cartesian axis dict in the app's style (light grid, readable ticks)."""
    axis = {
        "showgrid": True, "gridcolor": "rgba(0,0,0,0.07)", "zeroline": False, "showline": True,
        "linecolor": "rgba(0,0,0,0.25)", "ticks": "outside", "ticklen": 3,
        "tickfont": {"size": style.font * 0.88}, "type": "log" if log else "linear",
    }
    if title:
        axis["title"] = {"text": title, "font": {"size": style.font * 0.92}, "standoff": 6}
    if log:
        axis["exponentformat"] = "power"
    axis.update(extra)
    return axis


def f32(values) -> np.ndarray:
    """Contiguous float32 copy for Plotly (NaN/inf stay NaN/inf, beyond ±3.4e38 becomes ±inf: Plotly breaks lines
    there)."""
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(np.asarray(values, dtype=np.float32))


# ------------------------------------------------------------------------------------------------ number formats


def fmt(value: float, digits: int = 3) -> str:
    """Compact human number: 0.001 → '0.001', 12345 → '1.23e+04', 0.9999 → '0.9999'."""
    if value is None or not np.isfinite(value):
        return "—" if value is None else str(float(value))
    value = float(value)
    if value == 0:
        return "0"
    a = abs(value)
    if 1e-4 <= a < 1e5:
        text = f"{value:.{digits}g}" if a >= 1 else f"{value:.{max(digits, 1)}g}"
        if "e" not in text:
            return text
    return f"{value:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e+")


def fmt_beta(beta: float) -> str:
    """β with all its nines: 0.9999 → '0.9999' (never rounded to 1)."""
    text = f"{beta:.8f}".rstrip("0").rstrip(".")
    return text or "0"


# ------------------------------------------------------------------------------------------------ surfaces


@dataclass(frozen=True, eq=False)
class SurfaceGrid:
    """A loss surface sampled on a regular grid: ``z[i, j] = f(x[j], y[i])`` (float64, NaN where f is undefined)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    @property
    def finite(self) -> np.ndarray:
        return self.z[np.isfinite(self.z)]


@partial(jax.jit, static_argnames=("fn",))
def _eval_grid(fn, xs, ys, params):
    xx, yy = jnp.meshgrid(xs, ys)
    pts = jnp.stack([xx.ravel(), yy.ravel()], axis=1)
    return jax.vmap(lambda p: fn(p, params))(pts).reshape(xx.shape)


def surface_grid(fn: Callable, params: Sequence[float], x_range: tuple[float, float],
                 y_range: tuple[float, float], n: int = 181) -> SurfaceGrid:
    """Evaluate ``fn(xy, params)`` (an engine objective) on an n×n grid with ``jax.vmap``.

    The grid size is fixed per call site so that moving the view or a parameter never recompiles (the ranges and
    parameters are traced); a new objective function compiles once (~0.1–0.3 s).
    """
    xs = np.linspace(x_range[0], x_range[1], n)
    ys = np.linspace(y_range[0], y_range[1], n)
    z = np.asarray(_eval_grid(fn, xs, ys, np.asarray(params, np.float64).reshape(-1)), dtype=np.float64)
    z = np.where(np.isfinite(z), z, np.nan)
    return SurfaceGrid(x=xs, y=ys, z=z)


@dataclass(frozen=True)
class LogScale:
    """How a surface is drawn on log-spaced levels: plotted value = log10(f − offset)."""

    offset: float  # subtracted before the log (the minimum value, minus a small floor)
    lo: float  # log10 of the lowest level
    hi: float  # log10 of the highest level
    known_minimum: bool  # offset comes from a known minimum value (then f − f* is exact)

    def transform(self, z: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log10(np.maximum(z - self.offset, 10.0 ** (self.lo - 1)))


def log_scale_for(z: np.ndarray, f_star: float | None = None, decades: float = 6.0) -> LogScale:
    """Pick offset and level range for log contours of ``z``.

    With a known minimum value ``f_star`` the map shows f − f* (exactly f for Rosenbrock); otherwise f − min(f)
    over the grid. Levels span from the 0.5th percentile up to the maximum, at most ``decades`` decades deep.
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return LogScale(offset=0.0, lo=-1.0, hi=1.0, known_minimum=False)
    zmin = float(finite.min())
    known = f_star is not None and np.isfinite(f_star) and f_star <= zmin + 1e-9 * max(1.0, abs(zmin))
    base = float(f_star) if known else zmin
    shifted = finite - base
    top = float(shifted.max())
    if top <= 0:
        return LogScale(offset=base - 1.0, lo=-1.0, hi=1.0, known_minimum=bool(known))
    positive = shifted[shifted > 0]
    low = float(np.percentile(positive, 0.5)) if positive.size else top * 1e-6
    hi = math.log10(top)
    lo = max(math.log10(max(low, 1e-300)), hi - decades)
    if hi - lo < 1.0:
        lo = hi - 1.0
    return LogScale(offset=base, lo=lo, hi=hi, known_minimum=bool(known))


def _decade_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    vals = list(range(first, last + 1))
    if len(vals) < 2:  # less than a decade: label both ends
        vals = [lo, hi]
    return [float(v) for v in vals], pow10_labels(vals)


PLAIN_RANGE = (1e-2, 1e5)  # tick values in [0.01, 100,000) are written out, as long as every tick of the axis is


def pow10_labels(log_values: Sequence[float]) -> list[str]:
    """Labels of ticks placed at log10 values (a log colour bar): one format for the whole bar.

    When every tick lies in ``PLAIN_RANGE`` they are all plain numbers (0.01, 0.1, 1, 10, 1,000; 0.2, 5); otherwise all
    are powers of ten (10⁻³, 10⁰, 10², 2×10⁻⁴), never a mix of "10" and "10⁻³" on one bar.
    """
    lo, hi = PLAIN_RANGE
    values = [10.0 ** float(v) for v in log_values]
    if all(lo * (1 - 1e-9) <= x < hi for x in values):
        return [_plain_label(x) for x in values]
    return [_power_label(float(v)) for v in log_values]


def _plain_label(x: float) -> str:
    r = float(f"{x:.2g}")
    if r >= 1 and abs(r - round(r)) < 1e-9:
        return f"{int(round(r)):,}"
    return f"{r:g}"


def _power_label(v: float) -> str:
    e = math.floor(v + 1e-9)
    m = float(f"{10.0 ** (v - e):.2g}")
    if m >= 10:
        e, m = e + 1, m / 10
    exponent = f"10<sup>{e}</sup>"
    return exponent if abs(m - 1) < 1e-9 else f"{m:g}×{exponent}"


def contour_trace(grid: SurfaceGrid, scale: LogScale, style: Style = DEFAULT_STYLE, *,
                  levels_per_decade: int = 3, colorbar_title: str = "f", show_colorbar: bool = True) -> go.Contour:
    """Filled contour of a surface on log-spaced levels (``levels_per_decade`` levels per factor of 10).

    Plotly has no logarithmic colour axis, so z is plotted as log10(f − offset) and the colour bar is labelled
    with the corresponding f − offset values (``pow10_labels``).
    """
    zlog = scale.transform(grid.z)
    tickvals, ticktext = _decade_ticks(scale.lo, scale.hi)
    size = 1.0 / levels_per_decade
    return go.Contour(
        x=f32(grid.x), y=f32(grid.y), z=f32(zlog),
        zmin=scale.lo, zmax=scale.hi, zauto=False,
        contours={"start": scale.lo, "end": scale.hi, "size": size, "coloring": "heatmap", "showlines": True},
        line={"color": CONTOUR_LINE_COLOR, "width": 0.6 * style.scale, "smoothing": 0.6},
        colorscale=SURFACE_COLORSCALE,
        showscale=show_colorbar,
        colorbar={
            "title": {"text": colorbar_title, "side": "right", "font": {"size": style.font * 0.9}},
            "tickvals": tickvals, "ticktext": ticktext, "thickness": 12 * style.scale, "len": 0.9,
            "tickfont": {"size": style.font * 0.85}, "x": 1.0, "xpad": 6,
            # An outline: the lowest levels are nearly white, and without it the level lines drawn across the bar
            # there look like stray dashes below it.
            "outlinewidth": 1, "outlinecolor": COLORBAR_OUTLINE_COLOR,
        },
        hoverinfo="skip",
        name="surface",
        showlegend=False,
    )


# ------------------------------------------------------------------------------------------------ decimation


def decimate_path(xy: np.ndarray, max_points: int = 3000, tolerance: float = 5e-4,
                  spans: tuple[float, float] | None = None) -> np.ndarray:
    """Indices of a polyline's points to draw: Ramer–Douglas–Peucker by priority, in view-normalised units.

    The path is first scaled by the view ``spans`` (x span, y span) so that the tolerance means "a fraction of the
    plot". Segments are split at their farthest point, worst segment first, until every dropped point lies within
    ``tolerance`` of the drawn polyline or ``max_points`` are kept. Turning points are therefore always kept; long
    straight stretches collapse to their ends. First and last points are always kept. Non-finite rows must be
    removed by the caller.
    """
    n = len(xy)
    if n <= 2 or n <= max_points and tolerance <= 0:
        return np.arange(n)
    pts = np.asarray(xy, dtype=np.float64)
    if spans is not None:
        pts = pts / np.maximum(np.asarray(spans, dtype=np.float64), 1e-300)
    if n <= 64:  # tiny paths: keep everything
        return np.arange(n)
    keep = [0, n - 1]
    heap: list[tuple[float, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if b - a < 2:
            return
        seg = pts[a + 1:b]
        p, q = pts[a], pts[b]
        d = q - p
        norm = math.hypot(d[0], d[1])
        if norm == 0.0:
            dist = np.hypot(seg[:, 0] - p[0], seg[:, 1] - p[1])
        else:
            dist = np.abs(d[0] * (seg[:, 1] - p[1]) - d[1] * (seg[:, 0] - p[0])) / norm
            # Points beyond the segment ends: distance to the nearest end (a path can double back).
            t = ((seg[:, 0] - p[0]) * d[0] + (seg[:, 1] - p[1]) * d[1]) / (norm * norm)
            outside = (t < 0) | (t > 1)
            if outside.any():
                ends = np.minimum(np.hypot(seg[:, 0] - p[0], seg[:, 1] - p[1]),
                                  np.hypot(seg[:, 0] - q[0], seg[:, 1] - q[1]))
                dist = np.where(outside, ends, dist)
        i = int(np.argmax(dist))
        worst = float(dist[i])
        if worst > tolerance:
            heapq.heappush(heap, (-worst, a, b, a + 1 + i))

    push(0, n - 1)
    while heap and len(keep) < max_points:
        _, a, b, i = heapq.heappop(heap)
        keep.append(i)
        push(a, i)
        push(i, b)
    return np.unique(np.asarray(keep, dtype=np.int64))


def decimate_series(n: int, values: np.ndarray | None = None, bins: int = 600, dense: int = 100) -> np.ndarray:
    """Indices 0…n−1 to draw a time series on a logarithmic step axis.

    The first ``dense`` steps are kept; the rest is cut into ``bins`` log-spaced bins and, when ``values`` are
    given, each bin keeps the indices of its minimum and maximum (a min/max envelope: oscillations stay visible as a
    band instead of aliasing), else the bin's first index. The last index is always kept. Result ≤ dense + 2·bins + 1.
    """
    if n <= dense + 2 * bins:
        return np.arange(n)
    edges = np.unique(np.geomspace(dense, n, bins + 1).astype(np.int64))
    edges[-1] = n
    idx = [np.arange(dense), [n - 1]]
    if values is None:
        idx.append(edges[:-1])
    else:
        v = np.asarray(values, dtype=np.float64)
        if v.ndim > 1:
            v = v.reshape(len(v), -1)[:, 0]
        v = np.where(np.isfinite(v), v, np.nan)
        starts = edges[:-1]
        filled_lo = np.where(np.isnan(v), np.inf, v)
        filled_hi = np.where(np.isnan(v), -np.inf, v)
        mins = np.minimum.reduceat(filled_lo[:n], starts)
        maxs = np.maximum.reduceat(filled_hi[:n], starts)
        # Locate argmin/argmax inside each bin: first index where the running bin value equals the bin extreme.
        bin_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
        lo_hit = np.flatnonzero(filled_lo[starts[0]:n] == mins[bin_of]) + starts[0]
        hi_hit = np.flatnonzero(filled_hi[starts[0]:n] == maxs[bin_of]) + starts[0]
        first_lo = lo_hit[np.unique(bin_of[lo_hit - starts[0]], return_index=True)[1]]
        first_hi = hi_hit[np.unique(bin_of[hi_hit - starts[0]], return_index=True)[1]]
        idx += [first_lo, first_hi]
    return np.unique(np.concatenate([np.asarray(i, dtype=np.int64) for i in idx]))
