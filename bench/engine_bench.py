"""Engine benchmark: the same AdEMAMix work done by `dynamics`, by optax and by plain NumPy, side by side.

Run from the repository root: ``.venv/bin/python -m bench.engine_bench`` (or ``python bench/engine_bench.py``).
Prints a markdown table and writes it to bench/results.md. Takes about a minute on a 2-core machine.

Work: Rosenbrock (a = 1, b = 100) from (−3, 5), AdEMAMix with β1 = 0.9, β2 = 0.999, ε = 1e-8, constant α and β3
(T_α,β3 = 0, so optax and NumPy need no schedules), float64 everywhere. Single runs use α = 8, β3 = 0.999,
η = 0.01 and keep the whole path; sweeps cross 64 or 128 values of α ∈ [1, 16] with as many β3 ∈ [0.99, 0.9999]
and keep the final point of each run.
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import dynamics  # noqa: E402  (enables float64 before anything is traced)
from dynamics import RunConfig, SweepAxis, SweepConfig, run_sweep, simulate  # noqa: E402

START = (-3.0, 5.0)
SINGLE = dict(lr=0.01, beta1=0.9, beta2=0.999, beta3=0.999, alpha=8.0, eps=1e-8)
ALPHAS = (1.0, 16.0)
BETA3S = (0.99, 0.9999)
OPTAX_SWEEP_CONFIGS = 4  # optax runs this many grid cells; the rest is extrapolated
NUMPY_SWEEP_STEPS = 1_000  # NumPy runs the whole grid for this many steps; the rest is extrapolated
RESULTS = Path(__file__).resolve().parent / "results.md"


# ------------------------------------------------------------------------------------------------------------ timing
def first_and_median(fn, repeats: int):
    """(seconds of the first call, median seconds of `repeats` further calls, last result)."""
    started = time.perf_counter()
    result = fn()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times), result


# ---------------------------------------------------------------------------------------------------------- dynamics
def single_config(steps: int) -> RunConfig:
    return RunConfig(optimizer={"name": "ademamix", **SINGLE}, start=START, steps=steps)


def sweep_config(n: int, steps: int) -> SweepConfig:
    base = single_config(steps)
    return SweepConfig(base=base, x=SweepAxis(param="alpha", low=ALPHAS[0], high=ALPHAS[1], num=n),
                       y=SweepAxis(param="beta3", low=BETA3S[0], high=BETA3S[1], num=n))


# ------------------------------------------------------------------------------------------------------------- optax
def rosenbrock(theta):
    return (1.0 - theta[0]) ** 2 + 100.0 * (theta[1] - theta[0] ** 2) ** 2


def optax_step(tx):
    @jax.jit
    def step(theta, state):
        updates, state = tx.update(jax.grad(rosenbrock)(theta), state, theta)
        return optax.apply_updates(theta, updates), state

    return step


def optax_path(steps: int) -> np.ndarray:
    """What a user writes: optax.contrib.ademamix, a jitted step, a Python loop that keeps the path."""
    tx = optax.contrib.ademamix(SINGLE["lr"], b1=SINGLE["beta1"], b2=SINGLE["beta2"], b3=SINGLE["beta3"],
                                alpha=SINGLE["alpha"], eps=SINGLE["eps"])
    step = optax_step(tx)
    theta = jnp.asarray(START, jnp.float64)
    state, path = tx.init(theta), [theta]
    for _ in range(steps):
        theta, state = step(theta, state)
        path.append(theta)
    return np.stack(jax.device_get(path))


def optax_sweep_cells(cells, steps: int) -> np.ndarray:
    """Final points of (α, β3) cells; hyperparameters are injected so the step compiles once, not per cell."""
    tx = optax.inject_hyperparams(optax.contrib.ademamix)(
        learning_rate=SINGLE["lr"], b1=SINGLE["beta1"], b2=SINGLE["beta2"], b3=SINGLE["beta3"],
        alpha=SINGLE["alpha"], eps=SINGLE["eps"])
    step = optax_step(tx)
    finals = []
    for alpha, beta3 in cells:
        theta = jnp.asarray(START, jnp.float64)
        state = tx.init(theta)
        state.hyperparams.update(alpha=jnp.float64(alpha), b3=jnp.float64(beta3))
        for _ in range(steps):
            theta, state = step(theta, state)
        finals.append(np.asarray(theta))
    return np.array(finals)


# ------------------------------------------------------------------------------------------------------------- NumPy
def numpy_path(steps: int) -> np.ndarray:
    """A plain NumPy loop with the same update (paper's Algorithm 1, constant α and β3), keeping the path."""
    lr, b1, b2, b3, alpha, eps = (SINGLE[k] for k in ("lr", "beta1", "beta2", "beta3", "alpha", "eps"))
    theta = np.array(START, np.float64)
    m1, m2, nu = np.zeros(2), np.zeros(2), np.zeros(2)
    path = np.empty((steps + 1, 2))
    path[0] = theta
    for t in range(1, steps + 1):
        x, y = theta
        g = np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
        m1 = b1 * m1 + (1.0 - b1) * g
        m2 = b3 * m2 + (1.0 - b3) * g
        nu = b2 * nu + (1.0 - b2) * g * g
        theta = theta - lr * (m1 / (1.0 - b1**t) + alpha * m2) / (np.sqrt(nu / (1.0 - b2**t)) + eps)
        path[t] = theta
    return path


def numpy_sweep(alphas: np.ndarray, beta3s: np.ndarray, steps: int) -> np.ndarray:
    """The same update vectorised over the whole (β3, α) grid, stepping in a Python loop; returns final points."""
    lr, b1, b2, eps = SINGLE["lr"], SINGLE["beta1"], SINGLE["beta2"], SINGLE["eps"]
    alpha, b3 = np.meshgrid(alphas, beta3s)
    x, y = np.full(alpha.shape, START[0]), np.full(alpha.shape, START[1])
    m1x, m1y, m2x, m2y, nux, nuy = (np.zeros(alpha.shape) for _ in range(6))
    for t in range(1, steps + 1):
        gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x)
        gy = 200.0 * (y - x * x)
        m1x, m1y = b1 * m1x + (1.0 - b1) * gx, b1 * m1y + (1.0 - b1) * gy
        m2x, m2y = b3 * m2x + (1.0 - b3) * gx, b3 * m2y + (1.0 - b3) * gy
        nux, nuy = b2 * nux + (1.0 - b2) * gx * gx, b2 * nuy + (1.0 - b2) * gy * gy
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        x = x - lr * (m1x / c1 + alpha * m2x) / (np.sqrt(nux / c2) + eps)
        y = y - lr * (m1y / c1 + alpha * m2y) / (np.sqrt(nuy / c2) + eps)
    return np.stack([x, y], axis=-1)


# -------------------------------------------------------------------------------------------------------- formatting
def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


def fmt_ratio(slow: float, fast: float) -> str:
    ratio = slow / fast
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


# --------------------------------------------------------------------------------------------------------- the runs
def bench_single(rows: list, checks: list):
    for steps, target in ((10_000, "≤ 2 ms"), (100_000, "≤ 20 ms")):
        cfg = single_config(steps)
        first, warm, traj = first_and_median(lambda: simulate(cfg), repeats=9)
        rows.append(dict(task=f"1 run × {steps:,} steps, full history", target=target, first=fmt_time(first),
                         warm=fmt_time(warm), warm_s=warm))
    reference = simulate(single_config(10_000)).params
    _, optax_s, optax_p = first_and_median(lambda: optax_path(10_000), repeats=2)
    _, numpy_s, numpy_p = first_and_median(lambda: numpy_path(10_000), repeats=2)
    checks.append(f"single run, 10,000 steps: max |Δθ| vs dynamics: optax {np.abs(optax_p - reference).max():.1e}, "
                  f"NumPy {np.abs(numpy_p - reference).max():.1e}")
    for row, factor in zip(rows[-2:], (1, 10)):
        note = "" if factor == 1 else " (10,000 steps × 10)"
        row.update(optax=fmt_time(optax_s * factor) + note, optax_ratio=fmt_ratio(optax_s * factor, row["warm_s"]),
                   numpy=fmt_time(numpy_s * factor) + note, numpy_ratio=fmt_ratio(numpy_s * factor, row["warm_s"]))


def bench_sweep(n: int, steps: int, target: str, rows: list, checks: list):
    cfg = sweep_config(n, steps)
    first, warm, result = first_and_median(lambda: run_sweep(cfg), repeats=3)
    cells = n * n
    ns = warm / (cells * steps) * 1e9
    row = dict(task=f"{n}×{n} α×β3 sweep × {steps:,} steps", target=target, first=fmt_time(first),
               warm=f"{fmt_time(warm)} ({ns:.1f} ns/config-step)", warm_s=warm)

    picks = [(i * (n - 1) // (OPTAX_SWEEP_CONFIGS - 1), i * (n - 1) // (OPTAX_SWEEP_CONFIGS - 1))
             for i in range(OPTAX_SWEEP_CONFIGS)]
    chosen = [(result.x_values[ix], result.y_values[iy]) for ix, iy in picks]
    optax_sweep_cells(chosen[:1], 10)  # compile outside the timing
    started = time.perf_counter()
    finals = optax_sweep_cells(chosen, steps)
    optax_s = (time.perf_counter() - started) * cells / OPTAX_SWEEP_CONFIGS
    gap = max(np.abs(finals[k] - result.final_point[iy, ix]).max() for k, (ix, iy) in enumerate(picks))

    started = time.perf_counter()
    numpy_final = numpy_sweep(result.x_values, result.y_values, NUMPY_SWEEP_STEPS)
    numpy_s = (time.perf_counter() - started) * steps / NUMPY_SWEEP_STEPS
    short = run_sweep(sweep_config(n, NUMPY_SWEEP_STEPS))
    numpy_gap = np.abs(numpy_final - short.final_point).max()

    row.update(optax=f"{fmt_time(optax_s)} ({OPTAX_SWEEP_CONFIGS} configs × {cells // OPTAX_SWEEP_CONFIGS:,})",
               optax_ratio=fmt_ratio(optax_s, warm),
               numpy=f"{fmt_time(numpy_s)} ({NUMPY_SWEEP_STEPS:,} steps × {steps // NUMPY_SWEEP_STEPS})",
               numpy_ratio=fmt_ratio(numpy_s, warm))
    rows.append(row)
    checks.append(f"{n}×{n} sweep: max |Δθ| vs dynamics: optax {gap:.1e} ({OPTAX_SWEEP_CONFIGS} cells), "
                  f"NumPy {numpy_gap:.1e} (all cells, {NUMPY_SWEEP_STEPS:,} steps)")


def table(rows: list) -> str:
    head = ("| work | target | dynamics, warm median | dynamics, first call | optax (jitted step, Python loop) "
            "| NumPy loop | optax ÷ dynamics | NumPy ÷ dynamics |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        lines.append(f"| {r['task']} | {r['target']} | {r['warm']} | {r['first']} | {r['optax']} | {r['numpy']} "
                     f"| {r['optax_ratio']} | {r['numpy_ratio']} |")
    return "\n".join(lines)


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {cores} cores, load average {load:.1f}; "
            f"Python {platform.python_version()}, jax {jax.__version__}, optax {optax.__version__}, "
            f"NumPy {np.__version__}; float64")


def main() -> None:
    started = time.perf_counter()
    rows, checks = [], []
    bench_single(rows, checks)
    bench_sweep(64, 10_000, "≤ 1 s", rows, checks)
    bench_sweep(128, 10_000, "a few s", rows, checks)
    notes = [
        f"Machine: {machine()}.",
        "Work: Rosenbrock from (−3, 5), AdEMAMix β1 = 0.9, β2 = 0.999, ε = 1e-8, constant α and β3; "
        "single runs α = 8, β3 = 0.999, η = 0.01; sweeps α ∈ [1, 16] × β3 ∈ [0.99, 0.9999].",
        "dynamics: `simulate` (every internal quantity recorded) and `run_sweep` (per-cell metrics); warm = median "
        "of repeated calls, first call = first call of that shape in this process (includes tracing and compiling).",
        f"optax: `optax.contrib.ademamix`, one jitted step called from a Python loop (warm). Single runs keep the "
        f"path; the 100,000-step row is the 10,000-step time × 10. Sweeps use `inject_hyperparams` so the step "
        f"compiles once; {OPTAX_SWEEP_CONFIGS} cells are timed and the time is scaled to the whole grid.",
        f"NumPy: the same update written out; single runs loop over steps on a 2-vector (100,000 = 10,000 × 10); "
        f"sweeps are vectorised over the whole grid and timed for {NUMPY_SWEEP_STEPS:,} steps, scaled to 10,000.",
        "Same work, checked: " + "; ".join(checks) + ".",
    ]
    text = table(rows) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    print(text)
    RESULTS.write_text("# Engine benchmark (`python -m bench.engine_bench`)\n\n" + text)
    print(f"(written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}; "
          f"{time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
