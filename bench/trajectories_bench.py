"""Trajectories page timings: server time per rerun (AppTest, in-process), first load of a fresh process, and what
a browser user waits for (Playwright + Debian chromium against ``streamlit run app.py``).

Run from the repository root: ``.venv/bin/python -m bench.trajectories_bench`` (about two minutes on 2 cores).
Writes bench/trajectories_timings.md.

Targets (issue): warm, a slider change re-renders the default page in ≤ 300 ms of server time, and a 10⁵-step
two-run page in ≤ 1 s; the first load after start ≤ 5 s including compilation.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ["LAB_WARM_UP"] = "0"
os.chdir(ROOT)

OUT = Path(__file__).resolve().parent / "trajectories_timings.md"
LRS = (0.0015, 0.002, 0.003, 0.005, 0.007, 0.015, 0.02, 0.03)  # uncached values: every rerun simulates anew


def _rerun_times(query: dict[str, str], key: str = "r1_lr") -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    at.select_slider(key=key).set_value(0.01 if query.get(key) else 0.02).run()  # warm every code path once
    times = []
    for lr in LRS:
        t0 = time.perf_counter()
        at.select_slider(key=key).set_value(lr).run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    scrub = []
    for t in (10, 50, 90):  # a scrubber move: runs are cached, only figures and text are rebuilt
        t0 = time.perf_counter()
        at.select_slider(key="t").set_value(t).run()
        scrub.append(time.perf_counter() - t0)
    return times, scrub


FIRST_LOAD = textwrap.dedent("""
    import os, sys, time
    t0 = time.perf_counter()
    os.environ["LAB_WARM_UP"] = "0"
    sys.path.insert(0, {root!r})
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file({app!r}, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    print(f"{{time.perf_counter() - t0:.3f}}")
""")


def _first_load(cache_dir: str) -> float:
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_COMPILATION_CACHE_DIR=cache_dir,
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", LAB_WARM_UP="0")
    code = FIRST_LOAD.format(root=str(ROOT), app=str(ROOT / "app.py"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=600)
    return float(out.stdout.strip().splitlines()[-1])


def in_process() -> list[tuple[str, str]]:
    rows = []
    default, scrub = _rerun_times({})
    rows.append(("default page (Adam vs AdEMAMix, 5,000 steps): slider change, new config (median of 8)",
                 f"{1000 * statistics.median(default):.0f} ms (max {1000 * max(default):.0f} ms)"))
    rows.append(("default page: scrubber move (runs cached)", f"{1000 * statistics.median(scrub):.0f} ms"))
    big, big_scrub = _rerun_times({"steps": "100000"})
    rows.append(("10⁵-step two-run page: slider change, new config (median of 8)",
                 f"{1000 * statistics.median(big):.0f} ms (max {1000 * max(big):.0f} ms)"))
    rows.append(("10⁵-step two-run page: scrubber move (runs cached)", f"{1000 * statistics.median(big_scrub):.0f} ms"))
    fig2, _ = _rerun_times({"preset": "fig2"})
    rows.append(("preset Fig. 2 (6 runs × 10⁴ steps): slider change (median of 8)",
                 f"{1000 * statistics.median(fig2):.0f} ms"))
    with tempfile.TemporaryDirectory() as empty:
        cold = _first_load(empty)
    warm_cache = _first_load(os.environ.get("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".cache" / "jax")))
    rows.append(("first load in a fresh process: imports + compile + first render, empty JAX cache",
                 f"{cold:.2f} s"))
    rows.append(("first load in a fresh process, persistent JAX compilation cache filled", f"{warm_cache:.2f} s"))
    return rows


def end_to_end() -> list[tuple[str, str]]:
    from playwright.sync_api import expect, sync_playwright

    from browser_support import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_app_idle

    rows = []
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_COMPILATION_CACHE_DIR=empty,
                   JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", LAB_WARM_UP="1")
        t_start = time.perf_counter()
        with streamlit_server(env=env) as server, sync_playwright() as p:
            healthy = time.perf_counter() - t_start
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})

            def load(path: str) -> float:
                t0 = time.perf_counter()
                page.goto(server.url + path)
                wait_for_app_idle(page)
                expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=120_000)
                page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
                return time.perf_counter() - t0

            first = load("/")
            rows.append(("fresh server (empty JAX cache): process start → health check", f"{healthy:.1f} s"))
            rows.append(("fresh server: first page load in chromium → 3 charts drawn", f"{first:.1f} s"))
            warm = [load("/") for _ in range(3)]
            rows.append(("warm server: page load → 3 charts drawn (median of 3)", f"{statistics.median(warm):.1f} s"))
            moves = []
            for _ in range(4):
                before = page.url
                t0 = time.perf_counter()
                page.locator(".st-key-r1_lr input[type='range']").press("ArrowRight")
                page.wait_for_function("u => location.href !== u", arg=before, timeout=60_000)
                wait_for_app_idle(page)
                moves.append(time.perf_counter() - t0)
            rows.append(("warm server: slider key press → new URL and charts (median of 4, browser view)",
                         f"{1000 * statistics.median(moves):.0f} ms"))
            browser.close()
    return rows


def main() -> None:
    import jax

    rows = in_process()
    for r in rows:
        print(*r, sep=" | ")
    e2e = end_to_end()
    for r in e2e:
        print(*r, sep=" | ")
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    lines = [
        "# Trajectories page timings (`python -m bench.trajectories_bench`)",
        "",
        "| what | time |",
        "|---|---|",
        *[f"| {w} | {t} |" for w, t in rows + e2e],
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f}; Python "
        f"{platform.python_version()}, jax {jax.__version__}; float64.",
        "- Server time = `AppTest.run()` of the whole script (engine, figures, serialisation of every element) "
        "after a widget change; it is what the server spends per rerun, without network or browser.",
        "- A slider change of η makes a new config: both runs of the page are looked up in the bounded cache, the "
        "changed one is simulated anew (its compiled program is reused), and the map, curves and internals are "
        "rebuilt. A scrubber move reuses both runs.",
        "- First load = a new Python process running the app once (imports of JAX/Streamlit/Plotly, compilation of "
        "the default runs and the surface, first render). The server warms the presets' programs in a background "
        "thread after the first page is served (`ui.cache.start_background_warm_up`).",
        "- Browser rows include loading Streamlit's ~7.5 MB frontend and Plotly rendering in headless chromium "
        "(software rendering), so they measure this machine's browser as much as the app.",
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
