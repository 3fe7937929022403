"""Control specs: one row per widget, derived from a pydantic field (default, bounds, help) — pure, no Streamlit.

A ``Control`` knows how to parse its URL text (with a specific reason when the text is not acceptable), how to
write a value back to the URL, and how to show a value on a widget. ``ui.widgets.render`` turns it into a
Streamlit widget; ``ui.scene`` uses tables of controls as the URL codec of the Trajectories page.

    Control("lr", OptimizerConfig, "lr", "grid", "learning rate η", grid=LR_GRID)

URL key = ``prefix + name`` (per-run controls use the prefix ``r1_``, ``r2_``, …).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from pydantic import BaseModel, ValidationError

from dynamics.config import COORD_LIMIT

from .fields import Bounds, bounds_of, default_of, description_of, field_adapter

Kind = Literal["choice", "grid", "float", "int", "text", "bool"]

TRUE_WORDS = {"1", "true", "yes", "on", "t", "y"}
FALSE_WORDS = {"0", "false", "no", "off", "f", "n"}


class ParseError(ValueError):
    """A URL value that cannot be used; ``str(err)`` is the specific, user-facing reason."""


def url_number(value: float | int) -> str:
    """Shortest faithful text for a number in a URL: 0.003 → '0.003', 1e-08 → '1e-08', 5.0 → '5'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text


_MARKDOWN_SPECIALS = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>#|$~"})


def escape_markdown(text: str) -> str:
    """User text quoted in an error (a formula like `__import__`, `$x$`) must show as typed, not as markdown/LaTeX."""
    return text.translate(_MARKDOWN_SPECIALS)


def pydantic_reason(err: ValidationError) -> str:
    """The first error's message, for display in markdown (escaped)."""
    e = err.errors()[0]
    msg = e.get("msg", "invalid value")
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return escape_markdown(msg[0].lower() + msg[1:]) if msg else "invalid value"


@dataclass(frozen=True)
class Control:
    name: str  # URL key (per-run controls: the part after "rK_")
    model: type[BaseModel]
    field: str
    kind: Kind
    label: str
    grid: tuple = ()  # slider stops ("grid") or options ("choice")
    labels: Mapping[Any, str] = field(default_factory=dict)  # display names of choices / grid values
    element: int | None = None  # component of a tuple field (x_range[0], start[1], …)
    advanced: bool = False
    step: float | None = None  # step of number inputs and plain sliders
    slider: bool = False  # "float"/"int" as a st.slider over the field's bounds instead of a number input
    help_extra: str = ""
    display: Callable[[Any], str] | None = None  # how a value is shown on the widget
    number_format: str | None = None  # printf format of number inputs

    # ---------------------------------------------------------------- metadata from the model

    @property
    def bounds(self) -> Bounds:
        if self.element is not None:
            return Bounds(-COORD_LIMIT, True, COORD_LIMIT, True)
        return bounds_of(self.model, self.field)

    @property
    def model_default(self) -> Any:
        value = default_of(self.model, self.field)
        if self.element is not None:
            return None if value is None else value[self.element]
        return value

    @property
    def help(self) -> str:
        text = description_of(self.model, self.field)
        b = self.bounds
        if self.kind in ("grid", "float", "int") and (b.lo is not None or b.hi is not None):
            text += f". Allowed: {b.describe(self.name)}"
        if self.help_extra:
            text += ". " + self.help_extra
        return text

    # ---------------------------------------------------------------- values

    def show(self, value: Any) -> str:
        if value in self.labels:
            return self.labels[value]
        if self.display is not None:
            return self.display(value)
        return str(value)

    def to_url(self, value: Any) -> str:
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind in ("grid", "float", "int"):
            return url_number(value)
        return str(value)

    def parse(self, raw: str) -> Any:
        """The value ``raw`` (URL text) stands for, or ``ParseError`` with a specific reason."""
        text = raw.strip()
        if self.kind == "choice":
            for option in self.grid:
                if text == str(option):
                    return option
            shown = ", ".join(str(o) for o in self.grid)
            raise ParseError(f"not one of the options ({shown})")
        if self.kind == "bool":
            low = text.lower()
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
            raise ParseError("not a yes/no value (use true or false)")
        if self.kind == "text":
            b = self.bounds
            if b.max_length is not None and len(raw) > b.max_length:
                raise ParseError(f"{len(raw):,} characters; at most {b.max_length:,} are allowed")
            return raw
        # numbers
        if text == "":
            raise ParseError("empty")
        integer = self.kind == "int" or (self.kind == "grid" and all(isinstance(v, int) for v in self.grid))
        if integer:
            try:
                number: float | int = int(text)
            except ValueError:
                try:
                    as_float = float(text)
                except ValueError:
                    raise ParseError("not a whole number") from None
                if as_float != as_float or as_float in (float("inf"), float("-inf")):
                    raise ParseError("not a finite number") from None
                if not as_float.is_integer():
                    raise ParseError("not a whole number") from None
                number = int(as_float)
        else:
            try:
                number = float(text)
            except ValueError:
                raise ParseError("not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise ParseError("not a finite number")
        b = self.bounds
        if not b.contains(number):
            raise ParseError(f"out of range: allowed {b.describe(self.name)}")
        if self.element is None:
            try:
                number = field_adapter(self.model, self.field).validate_python(number)
            except ValidationError as err:
                raise ParseError(pydantic_reason(err)) from None
        return number


def choice_labels(options, names: Mapping[Any, str]) -> dict:
    return {o: names.get(o, str(o)) for o in options}
