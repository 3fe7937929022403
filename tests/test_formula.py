"""The formula compiler: accepted formulas match NumPy, everything else is a FormulaError that says what and where."""
from __future__ import annotations

import ast
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dynamics  # noqa: F401  (enables float64)
from dynamics.config import MAX_EXPRESSION_LENGTH
from dynamics.formula import (FUNCTIONS, FormulaError, compile_formula, formula_to_latex, parse_formula,
                              validate_expression)

RNG = np.random.default_rng(1)
POINTS = np.column_stack([RNG.uniform(0.1, 2.5, 40), RNG.uniform(-2.5, 2.5, 40)])  # x > 0 so log/sqrt(x) are real

ACCEPTED = [
    ("x**2 + 3*y**2", lambda x, y: x**2 + 3 * y**2),
    ("(1 - x)**2 + 100*(y - x**2)**2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("sin(x)*cos(y)", lambda x, y: np.sin(x) * np.cos(y)),
    ("tan(x/3) + arctan(y) - atan(x*y)", lambda x, y: np.tan(x / 3) + np.arctan(y) - np.arctan(x * y)),
    ("exp(-(x**2 + y**2)/2)", lambda x, y: np.exp(-(x**2 + y**2) / 2)),
    ("log(x) + sqrt(x) + abs(y)", lambda x, y: np.log(x) + np.sqrt(x) + np.abs(y)),
    ("sinh(y) * cosh(x) - tanh(x - y)", lambda x, y: np.sinh(y) * np.cosh(x) - np.tanh(x - y)),
    ("min(x, y) + 2*max(x**2, y)", lambda x, y: np.minimum(x, y) + 2 * np.maximum(x**2, y)),
    ("-x**2", lambda x, y: -(x**2)),
    ("(-y)**3", lambda x, y: (-y) ** 3),
    ("x**-2 + x**0.5 + x**y", lambda x, y: x**-2.0 + x**0.5 + x**y),
    ("2**-1 * y", lambda x, y: 0.5 * y),
    ("x - (y - 1) - -x", lambda x, y: x - (y - 1) + x),
    ("+x / y / 2", lambda x, y: x / y / 2),
    ("2*pi*x + e**y", lambda x, y: 2 * np.pi * x + np.e**y),
    ("1e-3*x + 1E2*y + 0.5e1 + 7", lambda x, y: 1e-3 * x + 100 * y + 5 + 7),
    ("  x  +  y  ", lambda x, y: x + y),
    ("(x\n + y)", lambda x, y: x + y),
    ("3", lambda x, y: 3.0 + 0 * x),
    ("8*(x-1)**2*(1.3*x**2 + 2*x + 1) + 0.5*(y-4)**2",
     lambda x, y: 8 * (x - 1) ** 2 * (1.3 * x**2 + 2 * x + 1) + 0.5 * (y - 4) ** 2),
    ("10*2 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
     lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y)),
    ("sqrt(sqrt(sqrt(x)))", lambda x, y: x**0.125),
    ("1_000 * x", lambda x, y: 1000 * x),
]

# (text, a piece of the expected message)
REJECTED = [
    ("__import__('os')", "function '__import__' is not allowed at column 1"),
    ("__import__('os').system('ls')", "calling __import__('os').system is not allowed"),
    ("x.real", "attribute access 'x.real'"),
    ("x[0]", "indexing 'x[0]'"),
    ("x[0:1]", "indexing"),
    ("lambda: 1", "lambda"),
    ("[x for x in y]", "list comprehension"),
    ("(x for x in y)", "generator expression"),
    ("open('f')", "function 'open' is not allowed at column 1: allowed functions are sin"),
    ("eval('1')", "function 'eval'"),
    ("z", "name 'z' is not allowed at column 1: use x, y, pi, e"),
    ("x + 2*z", "name 'z' is not allowed at column 7"),
    ("  x + zz", "name 'zz' is not allowed at column 7"),
    ("x if y else 1", "conditional expression"),
    ("x < y", "operator '<' is not allowed at column 3"),
    ("1 < x < 2", "'<'"),
    ("x == y", "'=='"),
    ("x and y", "'and' is not allowed at column 3"),
    ("not x", "'not'"),
    ("~x", "'~'"),
    ("'a'", "string 'a'"),
    ("b'a'", "string"),
    ("f'{x}'", "f-string"),
    ("1e309", "number 1e309 at column 1 is too large"),
    ("x + 1e999", "1e999"),
    ("1j", "complex number 1j"),
    ("True", "'True'"),
    ("None", "'None'"),
    ("...", "'Ellipsis'"),
    ("sin(x, y)", "sin takes 1 argument, got 2 at column 1"),
    ("sin()", "sin takes 1 argument, got 0"),
    ("max(x)", "max takes 2 arguments, got 1"),
    ("sin(x=1)", "keyword argument in sin"),
    ("sin(*x)", "starred argument"),
    ("sin.x(1)", "calling sin.x"),
    ("(x)(y)", "function 'x'"),
    ("sin", "name 'sin'"),
    ("x^2", "operator '^' is not allowed at column 2: write powers as x**2"),
    ("x % 2", "operator '%'"),
    ("x // 2", "operator '//'"),
    ("x @ y", "operator '@'"),
    ("x & y", "operator '&'"),
    ("x << 1", "operator '<<'"),
    ("(y := 1)", "assignment (:=)"),
    ("{}", "dict"),
    ("{x}", "set"),
    ("[x]", "list"),
    ("x, y", "tuple"),
    ("*x", "syntax error"),
    ("x = 1", "syntax error"),
    ("x; y", "syntax error"),
    ("import os", "syntax error at column 1"),
    ("sin(x", "syntax error at column 4: '(' was never closed"),
    ("x +", "syntax error"),
    ("x +\n q", "line 1"),
    ("\x00", "null bytes"),
    ("", "empty"),
    ("   \n ", "empty"),
    ("(" * 31 + "x" + ")" * 31, "brackets are nested more than 30 deep at column 31"),
    ("sin(" * 40 + "x" + ")" * 40, "nested more than 30"),
    ("-" * 150 + "x", "nested more than 100 levels"),
    ("x" * 10_000, f"the formula is 10000 characters long; the limit is {MAX_EXPRESSION_LENGTH}"),
    ("x+" * 150 + "x", "characters long"),
]


@pytest.mark.parametrize("text, reference", ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepted_formulas_match_numpy(text, reference):
    fn = compile_formula(text)
    got = np.asarray(jax.vmap(lambda q: fn(q, jnp.zeros(0)))(jnp.asarray(POINTS)))
    np.testing.assert_allclose(got, reference(POINTS[:, 0], POINTS[:, 1]), rtol=1e-13)
    assert got.dtype == np.float64
    validate_expression(text)
    assert isinstance(formula_to_latex(text), str)


@pytest.mark.parametrize("text, message", REJECTED, ids=[repr(t[:30]) for t, _ in REJECTED])
def test_rejected_formulas_say_what_and_where(text, message):
    for check in (parse_formula, compile_formula, validate_expression, formula_to_latex):
        with pytest.raises(FormulaError) as info:
            check(text)
        assert message in str(info.value)


def test_formula_error_is_a_value_error_and_positions_are_reported():
    assert issubclass(FormulaError, ValueError)
    with pytest.raises(FormulaError, match="column"):
        compile_formula("x + y + q")
    with pytest.raises(FormulaError, match="at line 2, column 3"):
        compile_formula("(x +\n  q)")
    with pytest.raises(FormulaError, match="name 'é' is not allowed at column 5"):  # columns count characters
        compile_formula("x + é")


def test_non_strings_are_rejected():
    with pytest.raises(FormulaError, match="string"):
        compile_formula(3)  # type: ignore[arg-type]
    with pytest.raises(FormulaError, match="string"):
        compile_formula(["x"])  # type: ignore[arg-type]


def test_gradients_jit_and_vmap():
    fn = compile_formula("x**2*y + sin(y) + exp(x*y)/2")
    grad = jax.jit(jax.grad(fn))
    for x, y in POINTS[:10]:
        expected = [2 * x * y + y * np.exp(x * y) / 2, x**2 + np.cos(y) + x * np.exp(x * y) / 2]
        np.testing.assert_allclose(grad(jnp.array([x, y]), jnp.zeros(0)), expected, rtol=1e-13)
    hessian = jax.hessian(fn)(jnp.array([0.5, -1.0]), None)
    np.testing.assert_allclose(hessian[0, 1], hessian[1, 0], rtol=1e-14)
    batched = jax.jit(jax.vmap(jax.grad(fn), in_axes=(0, None)))(jnp.asarray(POINTS), jnp.zeros(0))
    assert batched.shape == POINTS.shape


def test_integer_powers_are_differentiable_at_negative_bases():
    fn = compile_formula("x**3 + y**2.0")
    np.testing.assert_allclose(jax.grad(fn)(jnp.array([-2.0, -3.0])), [12.0, -6.0])


def test_constant_formula_has_zero_gradient():
    fn = compile_formula("2*pi")
    assert float(fn(jnp.array([1.0, 2.0]))) == pytest.approx(2 * math.pi)
    np.testing.assert_array_equal(jax.grad(fn)(jnp.array([1.0, 2.0])), [0.0, 0.0])


def test_compiled_functions_are_cached_by_text():
    assert compile_formula("x + sin(y)") is compile_formula("x + sin(y)")
    assert compile_formula("x + sin(y)") is not compile_formula("x+sin(y)")


def test_invalid_values_are_nan_or_inf_not_errors():
    point = jnp.array([-1.0, 0.0])
    assert math.isnan(float(compile_formula("log(x)")(point)))
    assert math.isnan(float(compile_formula("sqrt(x)")(point)))
    assert math.isinf(float(compile_formula("1/y")(point)))
    assert math.isinf(float(compile_formula("exp(1000*-x)")(point)))


@pytest.mark.parametrize("text, latex", [
    ("x**2 + 3*y**2", "x^{2} + 3 y^{2}"),
    ("(1 - x)**2 + 100*(y - x**2)**2", r"\left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}"),
    ("sin(x)*cos(y)", r"\sin\left(x\right) \cos\left(y\right)"),
    ("exp(-x**2)/2", r"\frac{\exp\left(-x^{2}\right)}{2}"),
    ("sqrt(abs(x))", r"\sqrt{\left|x\right|}"),
    ("log(x)", r"\ln\left(x\right)"),
    ("x - (y - 1)", r"x - \left(y - 1\right)"),
    ("x - (y + 1)", r"x - \left(y + 1\right)"),
    ("(x - y) - 1", "x - y - 1"),
    ("(-x)**2", r"\left(-x\right)^{2}"),
    ("-(x + y)", r"-\left(x + y\right)"),
    ("x*-y", r"x \left(-y\right)"),
    ("2*pi*x", r"2 \pi x"),
    ("e*x", r"e \cdot x"),
    ("2*3", r"2 \cdot 3"),
    ("x**(y + 1)", "x^{y + 1}"),
    ("(x/y)**2", r"\left(\frac{x}{y}\right)^{2}"),
    ("1e-5*x", "10^{-5} x"),
    ("2.5e-7", r"2.5 \times 10^{-7}"),
    ("max(x, y)", r"\max\left(x, y\right)"),
    ("2.0*x", "2 x"),
])
def test_latex_rendering(text, latex):
    assert formula_to_latex(text) == latex


# ---------------------------------------------------------------------------------------------------- properties

def evaluate_reference(node: ast.AST, x: float, y: float, magnitudes: list[float]) -> float:
    """Independent NumPy evaluation of a (trusted, test-generated) tree; records every intermediate magnitude."""
    ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}
    funcs = {"sin": np.sin, "cos": np.cos, "tanh": np.tanh, "arctan": np.arctan, "exp": np.exp, "abs": np.abs,
             "sinh": np.sinh, "cosh": np.cosh, "min": np.minimum, "max": np.maximum}
    with np.errstate(all="ignore"):
        if isinstance(node, ast.Constant):
            value = np.float64(node.value)
        elif isinstance(node, ast.Name):
            value = np.float64({"x": x, "y": y, "pi": np.pi, "e": np.e}[node.id])
        elif isinstance(node, ast.BinOp):
            left = evaluate_reference(node.left, x, y, magnitudes)
            value = ops[type(node.op)](left, evaluate_reference(node.right, x, y, magnitudes))
        elif isinstance(node, ast.UnaryOp):
            value = -evaluate_reference(node.operand, x, y, magnitudes)
        else:
            value = funcs[node.func.id](*(evaluate_reference(a, x, y, magnitudes) for a in node.args))
    magnitudes.append(abs(float(value)))
    return float(value)


def smooth_formulas() -> st.SearchStrategy[str]:
    """Formulas defined everywhere (no log, sqrt, division by zero or fractional powers), to compare values."""
    leaves = st.one_of(st.sampled_from(["x", "y", "pi", "e"]),
                       st.floats(0, 3, allow_nan=False).map(lambda v: repr(round(v, 3))))

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}) / (1 + abs({t[1]}))"),
            st.tuples(inner, st.integers(0, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
            inner.map(lambda a: f"-{a}"),
            st.tuples(st.sampled_from(["sin", "cos", "tanh", "arctan", "exp", "abs", "sinh", "cosh"]), inner)
              .map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        )
    return st.recursive(leaves, extend, max_leaves=12).filter(lambda t: len(t) <= MAX_EXPRESSION_LENGTH)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(smooth_formulas(), st.floats(-2, 2), st.floats(-2, 2))
def test_property_smooth_formulas_match_numpy(text, x, y):
    value = float(compile_formula(text)(jnp.array([x, y])))
    magnitudes: list[float] = []
    expected = evaluate_reference(ast.parse(text, mode="eval").body, x, y, magnitudes)
    if max(magnitudes) < 1e8:  # beyond that, round-off amplified by exp/sin is not a compiler difference
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-9 * (1 + max(magnitudes)))
    else:
        assert isinstance(value, float)


def any_formulas(allow_bad: bool = True) -> st.SearchStrategy[str]:
    """Grammar-shaped text: allowed pieces (with any numbers, so also overflow, nan and inf values) and, if
    `allow_bad`, sometimes forbidden ones."""
    any_float = st.floats(allow_nan=False, allow_infinity=False).map(repr)
    good_leaves = st.one_of(st.sampled_from(["x", "y", "pi", "e"]), any_float,
                            st.integers(-10**30, 10**30).map(str),
                            st.sampled_from(["0", "1e308", "1e-320", "1_0", "0x1f", "0o7", "0b1", "2.5e-3"]))
    bad_leaves = st.sampled_from(["z", "'s'", "True", "None", "x.real", "x[0]", "1j", "...", "__name__", "1e309",
                                  "nan", "inf"])
    leaves = st.one_of(good_leaves, good_leaves, good_leaves, bad_leaves) if allow_bad else good_leaves
    good_names, bad_names = st.sampled_from(sorted(FUNCTIONS)), st.sampled_from(["open", "eval", "pow", "x"])
    good_ops = st.sampled_from(["+", "-", "*", "/", "**"])
    bad_ops = st.sampled_from(["%", "//", "^", "<", "==", "and", "or", "@", ","])

    def extend(inner):
        good = st.one_of(
            st.tuples(inner, good_ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+"]), inner).map(lambda t: t[0] + t[1]),
            st.tuples(good_names, inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})" if FUNCTIONS[t[0]].arity == 2 else f"{t[0]}({t[1]})"),
        )
        bad = st.one_of(
            st.tuples(inner, bad_ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["~", "not "]), inner).map(lambda t: t[0] + t[1]),
            st.tuples(bad_names, st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]} if {t[1]} else 0"),
            inner.map(lambda a: f"[{a}]"),
            inner.map(lambda a: f"lambda: {a}"),
        )
        return st.one_of(good, good, good, good, bad) if allow_bad else good
    return st.recursive(leaves, extend, max_leaves=20)


def assert_compiles_or_formula_error(text: str) -> None:
    try:
        fn = compile_formula(text)
    except FormulaError as err:
        assert str(err)
        return
    value = fn(jnp.array([0.7, -1.3]))
    assert value.shape == () and value.dtype == jnp.float64
    float(value)  # a number, nan or inf
    gradient = jax.grad(fn)(jnp.array([0.7, -1.3]))
    assert gradient.shape == (2,)
    formula_to_latex(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_formulas(allow_bad=False), any_formulas()))
def test_property_grammar_text_compiles_or_raises_formula_error(text):
    assert_compiles_or_formula_error(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="xy0123456789.eE+-*/()_ ,[]<>=^%'!pisnqrtabcol\n\t\\",
                                                   max_size=60)))
def test_property_random_text_compiles_or_raises_formula_error(text):
    assert_compiles_or_formula_error(text)
