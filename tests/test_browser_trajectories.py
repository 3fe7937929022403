"""Browser tests of the Trajectories page: Playwright driving Debian chromium against ``streamlit run app.py``
(the ``app_server`` / ``page`` fixtures of conftest.py).

What only a browser can show: the page renders without error elements, a slider move changes the chart *and* the
address bar, a copied address reproduces the view in a fresh browser context, a click on the map sets the start
point (Streamlit ignores clicks on contour traces; the page overlays an invisible marker grid), and
``?embed=true`` renders without the navigation.
"""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import numpy as np
from playwright.sync_api import Browser, Page, expect

from browser_support import assert_no_error_elements, plotly_figure_data, wait_for_app_idle

MAP = 0  # index of the map among the page's Plotly charts (map, curves, internals)


def open_page(page: Page, path: str = "/") -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(path)
    wait_for_app_idle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot')[0]._fullLayout !== undefined")


def url_params(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def paths(page: Page) -> dict[str, np.ndarray]:
    """Trajectory traces of the map by name: (n, 2) arrays of the drawn points."""
    out = {}
    for trace in plotly_figure_data(page, MAP):
        if trace.get("mode") == "lines" and trace.get("customdata") is not None:
            out[trace["name"]] = np.stack([np.asarray(trace["x"], float), np.asarray(trace["y"], float)], axis=1)
    return out


def start_marker(page: Page) -> tuple[float, float]:
    (start,) = [t for t in plotly_figure_data(page, MAP) if t.get("name") == "start"]
    return float(np.asarray(start["x"])[0]), float(np.asarray(start["y"])[0])


def test_page_loads_without_error_elements(page: Page) -> None:
    open_page(page)
    assert_no_error_elements(page)
    expect(page.get_by_test_id("stHeading").filter(has_text="Trajectories")).to_be_visible()
    drawn = paths(page)
    assert set(drawn) == {"Adam η=0.01", "AdEMAMix η=0.01 β₃=0.9999 α=5"}
    assert all(np.allclose(p[0], (-3.0, 5.0)) for p in drawn.values())
    expect(page.get_by_test_id("stTopNav")).to_be_visible()  # the navigation exists outside embed mode


def test_slider_changes_the_chart_and_the_url(page: Page) -> None:
    open_page(page)
    before = paths(page)["Adam η=0.01"]
    page.locator(".st-key-r1_lr input[type='range']").press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]r1_lr=0\.015(&|$)"))
    wait_for_app_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')[0].data].some(t => t.name === 'Adam η=0.015')")
    after = paths(page)["Adam η=0.015"]
    assert not np.allclose(before[-1], after[-1])
    assert_no_error_elements(page)


def test_copied_url_reproduces_the_state_in_a_new_browser_context(page: Page, browser: Browser, base_url: str) -> None:
    open_page(page)
    page.locator(".st-key-r2_b3 input[type='range']").press("ArrowLeft")  # β₃ 0.9999 → 0.9998
    expect(page).to_have_url(re.compile(r"r2_b3=0\.9998"))
    wait_for_app_idle(page)
    page.locator(".st-key-add_run button:visible").first.click()
    expect(page).to_have_url(re.compile(r"runs=3"))
    wait_for_app_idle(page)
    page.locator(".st-key-t input[type='range']").press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]t=\d+"))
    wait_for_app_idle(page)
    time.sleep(0.5)
    copied = page.url
    original = paths(page)
    assert len(original) == 3

    context = browser.new_context(base_url=base_url, viewport={"width": 1500, "height": 1100})
    try:
        fresh = context.new_page()
        fresh.goto(copied)
        wait_for_app_idle(fresh)
        expect(fresh.locator(".js-plotly-plot")).to_have_count(3)
        fresh.wait_for_function("() => document.querySelectorAll('.js-plotly-plot')[0]._fullLayout !== undefined")
        assert url_params(fresh) == url_params(page)
        reproduced = paths(fresh)
        assert reproduced.keys() == original.keys()
        for name in original:
            np.testing.assert_array_equal(reproduced[name], original[name])
        for key in ("r2_b3", "t"):
            assert fresh.locator(f".st-key-{key} input[type='range']").get_attribute("aria-valuetext") == \
                page.locator(f".st-key-{key} input[type='range']").get_attribute("aria-valuetext")
        assert_no_error_elements(fresh)
    finally:
        context.close()


def test_click_on_the_map_sets_the_start_point(page: Page) -> None:
    open_page(page)
    plot = page.locator(".js-plotly-plot").nth(MAP)
    box = plot.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    px, py = box["x"] + 0.82 * box["width"], box["y"] + 0.18 * box["height"]  # top right: no paths there
    target = page.evaluate(
        """([px, py]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[0], L = gd._fullLayout;
            const r = gd.getBoundingClientRect();
            return [L.xaxis.p2d(px - r.left - L.xaxis._offset), L.yaxis.p2d(py - r.top - L.yaxis._offset)];
        }""",
        [px, py],
    )
    for i in range(6):  # plotly needs hover events before a click selects the point under the cursor
        page.mouse.move(px - 3 + i, py - 3 + i)
        time.sleep(0.08)
    page.mouse.down()
    time.sleep(0.05)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"x0=.*y0="), timeout=30_000)
    wait_for_app_idle(page)
    params = url_params(page)
    x0, y0 = float(params["x0"]), float(params["y0"])
    spacing = (7.0 / 44, 12.0 / 44)  # the invisible click grid: 45 points per axis over the view
    assert abs(x0 - target[0]) <= spacing[0] and abs(y0 - target[1]) <= spacing[1], (x0, y0, target)
    assert np.allclose(start_marker(page), (x0, y0), atol=1e-4)
    assert all(np.allclose(p[0], (x0, y0), atol=1e-4) for p in paths(page).values())
    assert page.locator(".st-key-x0 input").input_value() == params["x0"]
    assert_no_error_elements(page)


def test_embed_renders_without_navigation(page: Page) -> None:
    open_page(page, "/?embed=true&r1_lr=0.02")
    assert_no_error_elements(page)
    expect(page.get_by_test_id("stApp")).to_have_class(re.compile(r"\bstreamlit-embedded\b"))
    expect(page.get_by_test_id("stTopNav")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert "Adam η=0.02" in paths(page)
    assert "embed=true" in page.url  # Streamlit keeps the embed flag while the page rewrites its parameters


def test_bad_query_string_shows_a_message_not_an_error(page: Page) -> None:
    open_page(page, "/?r1_lr=nan&steps=-5&foo=%3Cscript%3E&expr=" + "x" * 5000)
    assert_no_error_elements(page)
    warning = page.get_by_test_id("stAlertContentWarning").first
    expect(warning).to_contain_text("r1_lr=nan")
    expect(warning).to_contain_text("steps=-5")
    expect(warning).to_contain_text("unknown parameter")
    assert url_params(page) == {}  # the bad values are gone from the address bar


def test_formula_error_quotes_the_typed_text_verbatim_not_as_markdown(page: Page) -> None:
    open_page(page, "/?obj=custom&expr=__import__('os')")
    assert_no_error_elements(page)
    warning = page.get_by_test_id("stAlertContentWarning").first
    expect(warning).to_contain_text("function '__import__' is not allowed at column 1")
