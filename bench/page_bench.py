"""Page timings: how long the Sweeps, EMA-kernel and Schedules pages take, end to end in chromium and in-process.

Run from the repository root: ``.venv/bin/python -m bench.page_bench`` (about two minutes on 2 cores). Starts its own
``streamlit run app.py`` on a free port, drives Debian chromium with Playwright, and writes bench/page_timings.md.

End to end = from ``page.goto`` until the script has finished and the chart is drawn (what a user waits for);
in-process = the same work without a browser (engine, figure build, serialised figure size).
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import jax  # noqa: E402

import dynamics  # noqa: E402
from dynamics.sweeps import run_sweep  # noqa: E402
from figures.sweeps import sweep_heatmap_figure  # noqa: E402
from ui.scene import Scene  # noqa: E402
from ui.views import SweepsView, grid_sweep_config  # noqa: E402

OUT = Path(__file__).resolve().parent / "page_timings.md"
BIG = "sxn=128&syn=128&ssteps=10000"


def in_process() -> list[tuple[str, str]]:
    rows = []
    cfg = grid_sweep_config(Scene(), SweepsView(x_num=128, y_num=128, steps=10_000))
    t0 = time.perf_counter()
    result = run_sweep(cfg)
    rows.append(("run_sweep 128×128×10⁴, first call (includes compile)", f"{time.perf_counter() - t0:.2f} s"))
    warm = []
    for tol in (2e-3, 3e-3, 5e-3):
        c = cfg.model_copy(update={"tolerance": tol})
        t0 = time.perf_counter()
        run_sweep(c)
        warm.append(time.perf_counter() - t0)
    rows.append(("run_sweep 128×128×10⁴, warm (median of 3)",
                 f"{statistics.median(warm):.2f} s ({result.cost / statistics.median(warm) / 1e6:,.0f} M steps/s)"))
    t0 = time.perf_counter()
    fig = sweep_heatmap_figure(result, "final_distance")
    build = time.perf_counter() - t0
    size = len(fig.to_json()) / 1e6
    rows.append(("heatmap figure for 16,384 cells: build / JSON size", f"{build * 1000:.0f} ms / {size:.2f} MB"))
    return rows


def end_to_end() -> list[tuple[str, str]]:
    from playwright.sync_api import expect, sync_playwright

    from browser_support import CHROMIUM, CHROMIUM_ARGS, streamlit_server

    rows = []
    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})

        def timed(path: str, charts: int = 1) -> float:
            t0 = time.perf_counter()
            page.goto(server.url + path)
            app = page.get_by_test_id("stApp")
            expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=300_000)
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=300_000)
            page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {charts}")
            return time.perf_counter() - t0

        rows.append(("Sweeps 128×128×10⁴, first request of a fresh server (JAX import, compile, sweep, draw)",
                     f"{timed('/sweeps?' + BIG):.1f} s"))
        warm = [timed(f"/sweeps?{BIG}&tol={tol}") for tol in ("0.002", "0.003", "0.005")]
        rows.append(("Sweeps 128×128×10⁴, new values, warm server (sweep + draw; median of 3)",
                     f"{statistics.median(warm):.1f} s"))
        rows.append(("Sweeps 128×128×10⁴, same sweep again (cached)", f"{timed('/sweeps?' + BIG + '&tol=0.005'):.1f} s"))
        small = [timed(f"/sweeps?sxn=32&syn=32&ssteps=1000&tol={tol}") for tol in ("0.002", "0.003", "0.005")]
        rows.append(("Sweeps 32×32×10³, new values (median of 3)", f"{statistics.median(small):.1f} s"))
        rows.append(("Sweeps basins 2 × 64×64 × 20,000 (preset basins-trap)",
                     f"{timed('/sweeps?preset=basins-trap'):.1f} s"))
        rows.append(("EMA kernels, default (2 runs, t = 5,000)", f"{timed('/kernels'):.1f} s"))
        rows.append(("EMA kernels, Fig. 23 (256k steps)", f"{timed('/kernels?preset=fig23'):.1f} s"))
        rows.append(("EMA kernels, warm-up animation (30 frames)", f"{timed('/kernels?preset=warmup'):.1f} s"))
        rows.append(("Schedules, default", f"{timed('/schedules'):.1f} s"))
        browser.close()
    return rows


def main() -> None:
    rows_proc = in_process()
    rows_e2e = end_to_end()
    lines = ["# Page timings (`python -m bench.page_bench`)", "",
             "| what | time |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows_e2e + rows_proc]
    lines += ["",
              f"- Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, jax {jax.__version__}; float64; "
              "headless Debian chromium (software rendering) via Playwright.",
              "- End to end: from `page.goto` until the page's script has finished and the chart is drawn. The "
              "sweep shows a progress bar while it runs (one update per chunk of rows).",
              "- Default sweep: AdEMAMix α ∈ [1, 40] (log) × β₃ ∈ [0.99, 0.9999] on Rosenbrock from (−3, 5), "
              "η = 0.01. “New values” changes ε so that nothing is cached but the compiled program is reused.",
              ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
