"""README screenshots: one PNG per page (and lecture mode), taken in Debian chromium from a fresh ``streamlit run``.

Run from the repository root: ``.venv/bin/python -m bench.screenshots`` (about a minute on 2 cores). Starts its own
server on a free port (``tests/browser_support.streamlit_server``, the same settings as ``./lab.sh app``), opens each
view at 1500 × 1000 CSS pixels, waits until the script has finished and every chart is drawn, fails on any error
element, and writes ``docs/screenshots/<name>.png`` (reduced to a 256-colour palette to keep each file small).

    .venv/bin/python -m bench.screenshots               # every shot
    .venv/bin/python -m bench.screenshots kernels       # only the named shots
"""
from __future__ import annotations

import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1500, "height": 1000}
MAX_BYTES = 400_000


@dataclass(frozen=True)
class Shot:
    name: str  # file name without .png
    path: str  # URL path and query
    charts: int  # Plotly charts that must be drawn before the picture is taken
    caption: str  # what the README says under it


SHOTS: tuple[Shot, ...] = (
    Shot("trajectories", "/", 3, "Trajectories, default view: Adam against AdEMAMix on Rosenbrock"),
    Shot("trajectories-fig2", "/?preset=fig2", 3, "Trajectories, preset `fig2` (the paper's Fig. 2)"),
    Shot("kernels", "/kernels", 1, "EMA kernels: the weight of each past gradient, fast and slow parts"),
    Shot("schedules", "/schedules?preset=warmup", 1, "Schedules, preset `warmup`: β₃(t), α(t), half-life, η(t)"),
    Shot("sweeps", "/sweeps", 1, "Sweeps: final distance over a 32 × 32 α × β₃ grid"),
    Shot("sweeps-basins", "/sweeps?preset=basins-trap", 1, "Sweeps, preset `basins-trap`: basins of attraction"),
    Shot("lecture", "/?preset=fig18&lecture=1", 3, "Lecture mode (`?lecture=1`), preset `fig18`"),
)


def _png(raw: bytes) -> bytes:
    """The screenshot as a palette PNG (UI screenshots have few colours; this keeps them well under MAX_BYTES)."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    # Fast octree keeps the saturated run colours exact (median cut merges e.g. the palette's orange and vermillion).
    small = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def take(shots: tuple[Shot, ...] = SHOTS) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    from browser_support import CHROMIUM, CHROMIUM_ARGS, assert_no_error_elements, streamlit_server, wait_for_app_idle

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for shot in shots:
                # A new context per shot: no session state carried over from the previous view.
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(server.url + shot.path)
                wait_for_app_idle(page)
                expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=120_000)
                page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {shot.charts}",
                                       timeout=120_000)
                wait_for_app_idle(page)
                assert_no_error_elements(page)
                page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover label in the picture
                page.wait_for_timeout(1500)  # Plotly transitions and fonts settle
                data = _png(page.screenshot())
                path = OUT / f"{shot.name}.png"
                path.write_bytes(data)
                written.append(path)
                print(f"{path.relative_to(ROOT)}: {len(data) / 1000:.0f} kB, {time.perf_counter() - t0:.1f} s")
                if len(data) > MAX_BYTES:
                    print(f"  warning: larger than {MAX_BYTES / 1000:.0f} kB", file=sys.stderr)
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str]) -> None:
    wanted = set(argv)
    unknown = wanted - {s.name for s in SHOTS}
    if unknown:
        raise SystemExit(f"unknown shot(s): {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in SHOTS)}")
    take(tuple(s for s in SHOTS if not wanted or s.name in wanted))


if __name__ == "__main__":
    main(sys.argv[1:])
