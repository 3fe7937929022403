"""Read defaults, bounds and help text from the pydantic config models (the single source of truth), and build the
value grids that stand in for log-scale sliders. Pure (no Streamlit)."""
from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Iterable

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.fields import FieldInfo

_STRICT_NUMBERS = ConfigDict(allow_inf_nan=False)


def field_info(model: type[BaseModel], name: str) -> FieldInfo:
    try:
        return model.model_fields[name]
    except KeyError:
        raise KeyError(f"{model.__name__} has no field {name!r}") from None


def default_of(model: type[BaseModel], name: str) -> Any:
    info = field_info(model, name)
    return info.get_default(call_default_factory=True)


def description_of(model: type[BaseModel], name: str) -> str:
    return field_info(model, name).description or name


@dataclass(frozen=True)
class Bounds:
    """Numeric constraints of a field (None = unbounded on that side)."""

    lo: float | None = None
    lo_inclusive: bool = True
    hi: float | None = None
    hi_inclusive: bool = True
    max_length: int | None = None

    def contains(self, value: float) -> bool:
        if self.lo is not None and (value < self.lo or (value == self.lo and not self.lo_inclusive)):
            return False
        if self.hi is not None and (value > self.hi or (value == self.hi and not self.hi_inclusive)):
            return False
        return True

    def describe(self, name: str = "value") -> str:
        """'0 < lr ≤ 10', '0 ≤ β₁ < 1', 'steps ≥ 1', …"""
        parts = []
        if self.lo is not None:
            parts.append(f"{_num(self.lo)} {'≤' if self.lo_inclusive else '<'} ")
        parts.append(name)
        if self.hi is not None:
            parts.append(f" {'≤' if self.hi_inclusive else '<'} {_num(self.hi)}")
        return "".join(parts)


def _num(v: float) -> str:
    if isinstance(v, int) or float(v).is_integer() and abs(v) < 1e7:
        return f"{int(v):,}"
    return f"{v:g}"


def bounds_of(model: type[BaseModel], name: str) -> Bounds:
    lo = hi = max_length = None
    lo_inc = hi_inc = True
    # pydantic stores Field(gt=…, le=…, max_length=…) as annotated-types constraint objects; read them by attribute
    # (annotated-types is pydantic's dependency, not one of ours).
    for m in field_info(model, name).metadata:
        if getattr(m, "gt", None) is not None:
            lo, lo_inc = m.gt, False
        elif getattr(m, "ge", None) is not None:
            lo, lo_inc = m.ge, True
        elif getattr(m, "lt", None) is not None:
            hi, hi_inc = m.lt, False
        elif getattr(m, "le", None) is not None:
            hi, hi_inc = m.le, True
        elif getattr(m, "max_length", None) is not None:
            max_length = m.max_length
    return Bounds(lo, lo_inc, hi, hi_inc, max_length)


def field_adapter(model: type[BaseModel], name: str, element: int | None = None) -> TypeAdapter:
    """A TypeAdapter validating one field's value (with its constraints), NaN/inf rejected.

    For tuple fields, ``element`` selects one component (validated as a plain float).
    """
    info = field_info(model, name)
    if element is not None:
        return TypeAdapter(float, config=_STRICT_NUMBERS)
    annotation = info.annotation
    args = typing.get_args(annotation)
    if type(None) in args and len(args) == 2:  # Optional[X]: validate the X (None is never a URL value)
        annotation = next(a for a in args if a is not type(None))
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]  # type: ignore[misc]
    return TypeAdapter(annotation, config=_STRICT_NUMBERS)


# ------------------------------------------------------------------------------------------------ value grids


def clean(value: float) -> float:
    """Round a grid value to 12 significant digits (0.30000000000000004 → 0.3)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.12g}")


def log_grid(lo: float, hi: float, mantissas: Iterable[float] = (1, 1.5, 2, 3, 5, 7)) -> tuple[float, ...]:
    """Log-spaced 'nice' values m·10^e within [lo, hi], e.g. 1e-3, 1.5e-3, 2e-3, 3e-3, 5e-3, 7e-3, 1e-2, …"""
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in mantissas:
            v = clean(m * 10.0**e)
            if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12):
                out.append(v)
    return tuple(sorted(set(out)))


def within(grid: Iterable[float], bounds: Bounds) -> tuple:
    return tuple(v for v in grid if bounds.contains(v))


def grid_with(grid: Iterable, value: Any) -> tuple:
    """``grid`` plus ``value`` (sorted) if it is not already one of them: off-grid values from a URL or a preset
    stay exact instead of snapping to the nearest slider stop."""
    grid = tuple(grid)
    if value is None or value in grid:
        return grid
    try:
        return tuple(sorted(set(grid) | {value}))
    except TypeError:
        return grid + (value,)


# β ∈ [0, 1): fine steps where the half-life changes fastest (near 1).
BETA_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.997, 0.998, 0.999,
             0.9995, 0.9997, 0.9998, 0.9999, 0.99995, 0.99998, 0.99999)


def half_life(beta: float) -> float:
    """The paper's half-life ln(0.5)/ln(β) − 1 (0 for β = 0)."""
    if beta <= 0:
        return 0.0
    return math.log(0.5) / math.log(beta) - 1.0
