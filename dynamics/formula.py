"""User-typed formulas f(x, y) compiled to JAX functions — without eval, exec or compile of the user's text.

The text is parsed with ``ast.parse(mode="eval")`` and the tree is checked against a whitelist:

* numbers (int or float literals, finite), the variables ``x`` and ``y`` and the constants ``pi`` and ``e``;
* the operators ``+ - * / **`` and unary ``-`` / ``+``; parentheses;
* calls, by bare name and with positional arguments only, of the functions in ``FUNCTIONS``
  (``min``/``max`` take two arguments, all others one).

Everything else (other names, attributes, indexing, comparisons, ``and``/``or``, conditional expressions,
lambdas, comprehensions, strings, keyword or starred arguments, …) raises ``FormulaError`` saying what was
found and where. The validated tree is then turned into nested closures over ``jax.numpy`` operations, so the
result is differentiable and works under ``jax.jit`` and ``jax.vmap``. Invalid *values* (log of a negative
number, division by zero) are not errors: they evaluate to nan or inf like any jnp expression.
"""
from __future__ import annotations

import ast
import functools
import math
import warnings
from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp

from .config import MAX_EXPRESSION_LENGTH

MAX_DEPTH = 100  # levels of the expression tree; keeps every recursive walk far below Python's recursion limit
MAX_PARENTHESES = 30  # nesting depth of brackets in the text
MAX_INTEGER_POWER = 64  # x**n with a literal integer |n| <= this uses exact repeated multiplication

CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")


class FormulaError(ValueError):
    """The text is not an allowed formula; the message says what is wrong and where."""


@dataclass(frozen=True)
class _Function:
    arity: int
    jnp_fn: Callable
    latex: str  # LaTeX command, or a template with {0}, {1} for the arguments


FUNCTIONS: dict[str, _Function] = {
    "sin": _Function(1, jnp.sin, r"\sin"),
    "cos": _Function(1, jnp.cos, r"\cos"),
    "tan": _Function(1, jnp.tan, r"\tan"),
    "arctan": _Function(1, jnp.arctan, r"\arctan"),
    "atan": _Function(1, jnp.arctan, r"\arctan"),
    "sinh": _Function(1, jnp.sinh, r"\sinh"),
    "cosh": _Function(1, jnp.cosh, r"\cosh"),
    "tanh": _Function(1, jnp.tanh, r"\tanh"),
    "exp": _Function(1, jnp.exp, r"\exp"),
    "log": _Function(1, jnp.log, r"\ln"),
    "sqrt": _Function(1, jnp.sqrt, r"\sqrt{{{0}}}"),
    "abs": _Function(1, jnp.abs, r"\left|{0}\right|"),
    "min": _Function(2, jnp.minimum, r"\min"),
    "max": _Function(2, jnp.maximum, r"\max"),
}

_BINARY_OPS = {ast.Add: jnp.add, ast.Sub: jnp.subtract, ast.Mult: jnp.multiply, ast.Div: jnp.divide,
               ast.Pow: jnp.power}
_UNARY_OPS = {ast.USub: jnp.negative, ast.UAdd: lambda a: a}

_OPERATOR_SYMBOLS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitAnd: "&",
                     ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not",
                     ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                     ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
                     ast.And: "and", ast.Or: "or"}
_OPERATOR_HINTS = {ast.BitXor: ": write powers as x**2", ast.FloorDiv: ": use /"}

# Friendly names for node types that are never allowed.
_NODE_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Slice: "slicing", ast.Lambda: "lambda",
    ast.ListComp: "list comprehension", ast.SetComp: "set comprehension", ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression", ast.IfExp: "conditional expression (… if … else …)",
    ast.List: "list", ast.Tuple: "tuple", ast.Set: "set", ast.Dict: "dict", ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-string", ast.Starred: "starred expression", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

ALLOWED_SUMMARY = "numbers, x, y, pi, e, + - * / **, parentheses and functions such as sin(x)"


# ---------------------------------------------------------------------------------------------------- validation

class _Source:
    """The stripped text plus what is needed to report positions in the user's original text."""

    def __init__(self, text: str):
        self.original = text
        self.lead = len(text) - len(text.lstrip())
        self.text = text.strip()  # ast.parse(mode="eval") rejects leading blanks as an "unexpected indent"
        self.lines = self.text.split("\n")

    def where(self, lineno: int | None, char_col: int | None) -> str:
        """'at column C' (or 'at line L, column C') in the original text; `char_col` is 0-based in the stripped text."""
        if lineno is None or char_col is None or not 1 <= lineno <= len(self.lines):
            return "somewhere in the formula"
        return self.where_char(sum(len(s) + 1 for s in self.lines[:lineno - 1]) + char_col)

    def where_char(self, index: int) -> str:
        """Position of character `index` (0-based) of the stripped text, reported 1-based in the original."""
        absolute = self.lead + index
        before = self.original[:absolute]
        line = before.count("\n") + 1
        column = absolute - (before.rfind("\n") + 1) + 1
        return f"at column {column}" if "\n" not in self.original else f"at line {line}, column {column}"

    def node_where(self, node: ast.AST) -> str:
        lineno, byte_col = getattr(node, "lineno", None), getattr(node, "col_offset", None)
        if lineno is None or byte_col is None or not 1 <= lineno <= len(self.lines):
            return "somewhere in the formula"
        line = self.lines[lineno - 1].encode("utf-8")  # ast column offsets count UTF-8 bytes
        return self.where(lineno, len(line[:byte_col].decode("utf-8", errors="ignore")))

    def operator_where(self, before: ast.AST, after: ast.AST, symbol: str) -> str:
        """Position of `symbol` between two operand nodes (for operators, which have no position of their own)."""
        if before.end_lineno == after.lineno == before.lineno:
            line = self.lines[before.lineno - 1].encode("utf-8")
            gap = line[before.end_col_offset:after.col_offset].decode("utf-8", errors="ignore")
            offset = gap.find(symbol.split()[0])
            if offset >= 0:
                start = len(line[:before.end_col_offset].decode("utf-8", errors="ignore"))
                return self.where(before.lineno, start + offset)
        return self.node_where(before)

    def segment(self, node: ast.AST, limit: int = 24) -> str:
        text = ast.get_source_segment(self.text, node) or type(node).__name__
        return text if len(text) <= limit else text[:limit - 1] + "…"


def _fail(src: _Source, node: ast.AST, what: str, hint: str = "") -> FormulaError:
    return FormulaError(f"{what} is not allowed {src.node_where(node)}{hint}")


def _check_length_and_brackets(src: _Source) -> None:
    if len(src.original) > MAX_EXPRESSION_LENGTH:
        raise FormulaError(f"the formula is {len(src.original)} characters long; the limit is {MAX_EXPRESSION_LENGTH}")
    if not src.text:
        raise FormulaError("the formula is empty: type an expression in x and y, e.g. x**2 + 3*y**2")
    depth = 0
    for i, ch in enumerate(src.text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_PARENTHESES:
            raise FormulaError(f"brackets are nested more than {MAX_PARENTHESES} deep {src.where_char(i)}")


def _parse_syntax(src: _Source) -> ast.expr:
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for 1if: not the user's concern here
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(src.text, mode="eval").body
    except SyntaxError as err:
        where = src.where(err.lineno, None if err.offset is None else err.offset - 1)  # offset: 1-based chars
        raise FormulaError(f"syntax error {where}: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise FormulaError(f"the formula cannot be parsed: {err}") from None


def _check_constant(src: _Source, node: ast.Constant) -> None:
    value = node.value
    if isinstance(value, bool) or value is None or value is Ellipsis:
        raise _fail(src, node, f"'{value}'", ": only numbers, x, y, pi and e")
    if isinstance(value, (str, bytes)):
        raise _fail(src, node, f"string {src.segment(node)}", ": only numbers, x, y, pi and e")
    if isinstance(value, complex):
        raise _fail(src, node, f"complex number {src.segment(node)}")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise FormulaError(f"number {src.segment(node)} {src.node_where(node)} is too large (not a finite float)")


def _check_call(src: _Source, node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name):
        raise _fail(src, node, f"calling {src.segment(node.func)}", ": only named functions like sin(x) can be called")
    name = node.func.id
    if name not in FUNCTIONS:
        raise _fail(src, node, f"function '{name}'", ": allowed functions are " + ", ".join(FUNCTIONS))
    if node.keywords:
        raise _fail(src, node, f"keyword argument in {name}(…)", ": pass arguments by position")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise _fail(src, node, f"starred argument in {name}(…)")
    arity = FUNCTIONS[name].arity
    if len(node.args) != arity:
        plural = "argument" if arity == 1 else "arguments"
        raise FormulaError(f"{name} takes {arity} {plural}, got {len(node.args)} {src.node_where(node)}")


def _operator_error(src: _Source, node: ast.AST, op: ast.AST, before: ast.AST | None, after: ast.AST,
                    hint: str | None = None) -> FormulaError:
    symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
    where = src.node_where(node) if before is None else src.operator_where(before, after, symbol)
    hint = _OPERATOR_HINTS.get(type(op), ": use + - * / **") if hint is None else hint
    return FormulaError(f"operator '{symbol}' is not allowed {where}{hint}")


def _validate(src: _Source, node: ast.AST, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep {src.node_where(node)}")
    if isinstance(node, ast.Constant):
        _check_constant(src, node)
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES and node.id not in CONSTANTS:
            raise _fail(src, node, f"name '{node.id}'", ": use x, y, pi, e")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY_OPS:
            raise _operator_error(src, node, node.op, node.left, node.right)
        _validate(src, node.left, depth + 1)
        _validate(src, node.right, depth + 1)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY_OPS:
            raise _operator_error(src, node, node.op, None, node.operand)
        _validate(src, node.operand, depth + 1)
    elif isinstance(node, ast.Call):
        _check_call(src, node)
        for arg in node.args:
            _validate(src, arg, depth + 1)
    elif isinstance(node, ast.Compare):
        raise _operator_error(src, node, node.ops[0], node.left, node.comparators[0],
                              ": formulas are arithmetic only, there are no comparisons (try min, max or abs)")
    elif isinstance(node, ast.BoolOp):
        raise _operator_error(src, node, node.op, node.values[0], node.values[1], ": formulas are arithmetic only")
    else:
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        raise _fail(src, node, f"{what} '{src.segment(node)}'", ": allowed are " + ALLOWED_SUMMARY)


def parse_formula(text: str) -> ast.expr:
    """The validated expression tree of `text`; raises FormulaError if it is not an allowed formula."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be a string, got {type(text).__name__}")
    src = _Source(text)
    _check_length_and_brackets(src)
    tree = _parse_syntax(src)
    _validate(src, tree, depth=1)
    return tree


def validate_expression(text: str) -> None:
    """Raise FormulaError unless `text` is an allowed formula (for config validators)."""
    parse_formula(text)


# ---------------------------------------------------------------------------------------------------- compilation

def _literal_integer_exponent(node: ast.expr) -> int | None:
    """n if `node` is a literal like 2, 3.0 or -1 with |n| small: x**n then compiles to exact multiplications."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant):
        value = float(node.value)
        if value.is_integer() and abs(value) <= MAX_INTEGER_POWER:
            return sign * int(value)
    return None


def _build(node: ast.expr) -> Callable:
    """A closure g(x, y) computing the (already validated) node with jnp operations."""
    if isinstance(node, ast.Constant):
        value = float(node.value)
        return lambda x, y: value
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        value = CONSTANTS[node.id]
        return lambda x, y: value
    if isinstance(node, ast.BinOp):
        left = _build(node.left)
        exponent = _literal_integer_exponent(node.right) if isinstance(node.op, ast.Pow) else None
        if exponent is not None:  # integer_pow: exact, and differentiable at negative bases
            return lambda x, y: jnp.asarray(left(x, y), dtype=jnp.float64) ** exponent
        right, op = _build(node.right), _BINARY_OPS[type(node.op)]
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp):
        operand, op = _build(node.operand), _UNARY_OPS[type(node.op)]
        return lambda x, y: op(operand(x, y))
    if isinstance(node, ast.Call):
        fn = FUNCTIONS[node.func.id].jnp_fn
        args = [_build(a) for a in node.args]
        return lambda x, y: fn(*(a(x, y) for a in args))
    raise AssertionError(f"unvalidated node {type(node).__name__}")  # parse_formula let something through


def compile_formula(text: str) -> Callable:
    """fn(xy, p) -> float64 scalar for the formula `text` (p is ignored); raises FormulaError. Cached: same text,
    same function object, so it can be a static jit argument without recompiling."""
    if not isinstance(text, str):  # before the cache, which would raise TypeError on unhashable input
        raise FormulaError(f"the formula must be a string, got {type(text).__name__}")
    return _compile_cached(text)


@functools.lru_cache(maxsize=256)
def _compile_cached(text: str) -> Callable:
    body = _build(parse_formula(text))

    def formula(xy, p=None):
        return jnp.asarray(body(xy[0], xy[1]), dtype=jnp.float64)

    formula.__name__ = formula.__qualname__ = "formula"
    formula.__doc__ = f"f(x, y) = {text.strip()}"
    return formula


# ---------------------------------------------------------------------------------------------------- LaTeX

_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_ATOM = 5


def _precedence(node: ast.expr) -> int:
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return 3
    return _ATOM


def _paren(tex: str) -> str:
    return rf"\left({tex}\right)"


def _latex_number(value: float | int) -> str:
    if isinstance(value, int) and abs(value) < 10**15:
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        mantissa = "" if mantissa in ("1", "1.0") else mantissa + r" \times "
        return f"{mantissa}10^{{{int(exponent)}}}"
    return text


def _latex_binop(node: ast.BinOp) -> str:
    left, right = _latex(node.left), _latex(node.right)
    if isinstance(node.op, ast.Div):
        return rf"\frac{{{left}}}{{{right}}}"
    if isinstance(node.op, ast.Pow):
        simple_base = (isinstance(node.left, ast.Name)
                       or (isinstance(node.left, ast.Constant) and "^" not in left)
                       or (isinstance(node.left, ast.Call) and node.left.func.id in ("abs", "sqrt")))
        return f"{left if simple_base else _paren(left)}^{{{right}}}"
    right_is_unary = isinstance(node.right, ast.UnaryOp)
    if isinstance(node.op, ast.Mult):
        if _precedence(node.left) < 2:
            left = _paren(left)
        if _precedence(node.right) < 2 or right_is_unary:
            right = _paren(right)
        # "3 x^{2}", "x y", "2 \left(x+1\right)"; a dot where juxtaposition could misread ("2 \cdot 3", "e \cdot x")
        juxtapose = not right[:1].isdigit() and not any(isinstance(n, ast.Name) and n.id == "e"
                                                         for n in (node.left, node.right))
        return f"{left} {right}" if juxtapose else rf"{left} \cdot {right}"
    if right_is_unary or (isinstance(node.op, ast.Sub) and _precedence(node.right) <= 1):
        right = _paren(right)
    return f"{left} {'+' if isinstance(node.op, ast.Add) else '-'} {right}"


def _latex(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return _latex_number(node.value)
    if isinstance(node, ast.Name):
        return r"\pi" if node.id == "pi" else node.id
    if isinstance(node, ast.BinOp):
        return _latex_binop(node)
    if isinstance(node, ast.UnaryOp):
        operand = _latex(node.operand)
        if _precedence(node.operand) <= 1 or isinstance(node.operand, ast.UnaryOp):
            operand = _paren(operand)
        return ("-" if isinstance(node.op, ast.USub) else "+") + operand
    if isinstance(node, ast.Call):
        spec = FUNCTIONS[node.func.id]
        args = [_latex(a) for a in node.args]
        if "{0}" in spec.latex:
            return spec.latex.format(*args)
        return spec.latex + _paren(", ".join(args))
    raise AssertionError(f"unvalidated node {type(node).__name__}")


def formula_to_latex(text: str) -> str:
    """LaTeX for the formula's right-hand side (e.g. for st.latex("f(x,y) = " + ...)); raises FormulaError."""
    return _latex(parse_formula(text))
