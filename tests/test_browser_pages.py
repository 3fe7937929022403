"""Browser tests (Playwright + Debian chromium, against ``streamlit run app.py``) of the EMA-kernel, Schedules and
Sweeps pages and of the exports: pages load without error elements, a sweep cell click lands on Trajectories with
that configuration, lecture and embed modes render (embed also inside an iframe on another origin), widgets write
the URL, a downloaded config uploads back, a malformed upload is rejected, an exported HTML renders offline.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from browser_support import assert_no_error_elements, plotly_figure_data, plotly_layout, wait_for_app_idle

SMALL_SWEEP = "sxn=8&syn=6&ssteps=300"


def open_page(page: Page, path: str, charts: int = 1) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(path)
    wait_for_app_idle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(charts)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout !== undefined")


def url_params(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


@pytest.mark.parametrize("path", [
    "/kernels", "/kernels?preset=fig3a", "/kernels?preset=fig23", "/kernels?preset=fig31", "/kernels?preset=warmup",
    "/schedules", "/schedules?preset=fig7", "/schedules?preset=warmup",
    f"/sweeps?{SMALL_SWEEP}", f"/sweeps?preset=basins-trap&bn=16&{SMALL_SWEEP}",
])
def test_pages_load_without_error_elements(page: Page, path: str) -> None:
    open_page(page, path)
    assert_no_error_elements(page)
    expect(page.get_by_test_id("stHeading").first).to_be_visible()
    assert plotly_figure_data(page, 0), "empty chart"


def test_kernel_step_slider_writes_the_url_and_redraws(page: Page) -> None:
    open_page(page, "/kernels?kt=1000")
    assert "t = 1,000" in plotly_layout(page)["title"]["text"]
    slider = page.locator(".st-key-kt [role=slider], .st-key-kt input[type=range]").first
    slider.focus()
    slider.press("ArrowRight")  # 1,000 → 2,000 (log-spaced stops)
    wait_for_app_idle(page, rerun_expected=True)
    expect(page).to_have_url(re.compile(r"[?&]kt=2000\b"))
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot').layout.title.text.includes('t = 2,000')")


def test_sweep_cell_click_opens_trajectories_with_that_configuration(page: Page) -> None:
    open_page(page, f"/sweeps?{SMALL_SWEEP}")
    # Click the centre of cell (ix=5, iy=2) of the heatmap (an invisible marker sits on every cell).
    point = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        return {x: r.left + xa._offset + xa.l2p(5), y: r.top + ya._offset + ya.l2p(2)}; }""")
    page.mouse.click(point["x"], point["y"])
    wait_for_app_idle(page, rerun_expected=True)
    selected = page.get_by_text(re.compile(r"Selected: cell α=.*β₃=")).first
    expect(selected).to_be_visible()
    label = selected.inner_text()
    alpha = float(re.search(r"α=([0-9.e+-]+)", label).group(1))
    beta3 = float(re.search(r"β₃=([0-9.e+-]+)", label).group(1))
    # The selection is in the URL: the copied URL, opened afresh, shows the same cell.
    expect(page).to_have_url(re.compile(r"[?&]cx=5\b"))
    assert url_params(page)["cy"] == "2"
    open_page(page, page.url)
    expect(page.get_by_text(label, exact=True).first).to_be_visible()
    page.get_by_role("button", name="Open on Trajectories").click()
    wait_for_app_idle(page, rerun_expected=True)
    expect(page.get_by_role("heading", name="Trajectories")).to_be_visible()
    expect(page).to_have_url(re.compile(r"r2_alpha="))
    params = url_params(page)
    assert float(params["r2_alpha"]) == pytest.approx(alpha, rel=1e-5)
    assert float(params["r2_b3"]) == pytest.approx(beta3, rel=1e-5)
    assert params["steps"] == "300"
    expect(page.get_by_text(re.compile(r"cell α=")).first).to_be_visible()  # the run is named after the cell
    assert_no_error_elements(page)


def test_lecture_mode(page: Page) -> None:
    open_page(page, "/kernels")
    normal_font = plotly_layout(page)["font"]["size"]
    open_page(page, "/kernels?lecture=1&hide=klogy,parts")
    assert_no_error_elements(page)
    assert plotly_layout(page)["font"]["size"] > normal_font  # larger fonts (and lines) for the projector
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # controls collapsed
    expect(page.get_by_role("link", name="Sweeps")).to_have_count(0)  # navigation hidden
    expect(page.locator(".st-key-kt")).to_be_visible()  # the step slider stays under the chart
    expect(page.locator(".st-key-klogy")).to_have_count(0)  # hidden controls are not rendered
    expect(page.locator(".st-key-parts")).to_have_count(0)


def test_embed_mode(page: Page) -> None:
    open_page(page, "/sweeps?embed=true&" + SMALL_SWEEP)
    assert_no_error_elements(page)
    expect(page.get_by_test_id("stApp")).to_have_class(re.compile(r"\bstreamlit-embedded\b"))
    expect(page.get_by_role("link", name="EMA kernels")).to_have_count(0)


@contextlib.contextmanager
def host_page(app_url: str, path: str):
    """A page on another origin (a second loopback port) that iframes the app."""
    html = (f'<!doctype html><title>host</title><h1>Lecture notes</h1>'
            f'<iframe id="lab" src="{app_url}{path}" width="1300" height="900" style="border:0"></iframe>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_embed_in_a_cross_origin_iframe(page: Page, app_server: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    with host_page(app_server, "/kernels?embed=true&preset=fig3a") as host:
        assert urlparse(host).port != urlparse(app_server).port  # another origin
        page.goto(host)
        frame = page.frame_locator("#lab")
        app = frame.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=90_000)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=90_000)
        expect(frame.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)
        expect(frame.get_by_text("Fig. 3a — single EMAs").first).to_be_visible()
        expect(frame.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')).to_have_count(0)


def _open_exports(page: Page) -> None:
    page.get_by_text("Export & share").click()
    expect(page.get_by_role("button", name="Config (.json)")).to_be_visible()


def test_config_download_and_upload_restore_the_view(page: Page, tmp_path: Path) -> None:
    open_page(page, "/kernels?kt=2000&klogx=false&r2_alpha=8")
    _open_exports(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Config (.json)").click()
    path = tmp_path / "config.json"
    info.value.save_as(path)
    doc = json.loads(path.read_text())
    assert doc["page"] == "kernels" and doc["view"] if "view" in doc else doc["config"]["view"]["step"] == 2000
    assert doc["config"]["scene"]["runs"][1]["optimizer"]["alpha"] == 8.0
    # Change the view, then restore it from the file.
    open_page(page, "/kernels")
    assert "t = 5,000" in plotly_layout(page)["title"]["text"]
    _open_exports(page)
    page.locator(".st-key-upload_config_kernels input[type=file]").set_input_files(str(path))
    wait_for_app_idle(page, rerun_expected=True)
    expect(page.get_by_text("Restored the view from")).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot').layout.title.text.includes('t = 2,000')")
    expect(page).to_have_url(re.compile(r"kt=2000"))
    expect(page).to_have_url(re.compile(r"r2_alpha=8\b"))
    assert plotly_layout(page)["xaxis"]["type"] == "linear"


def test_malformed_upload_is_rejected_and_changes_nothing(page: Page, tmp_path: Path) -> None:
    open_page(page, "/schedules?omb=true")
    before = page.url
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ademamix-lab/config", "format_version": 1, "page": "schedules", '
                   '"config": {"view": {"log_x": "sometimes"}}}')
    _open_exports(page)
    page.locator(".st-key-upload_config_schedules input[type=file]").set_input_files(str(bad))
    wait_for_app_idle(page, rerun_expected=True)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("was not loaded")
    expect(error).to_contain_text("view.log_x")
    expect(error).to_contain_text("Nothing was changed")
    assert page.url == before
    expect(page.locator(".st-key-omb input[type=checkbox]")).to_be_checked()


def test_exported_figure_html_is_standalone(page: Page, tmp_path: Path) -> None:
    open_page(page, "/schedules?preset=fig7")
    _open_exports(page)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile(r"Fig\. 7 .*\(\.html\)")).click()
    path = tmp_path / "fig7.html"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "ademamix-lab-meta" in text
    requested = []
    page.route("**/*", lambda route: (requested.append(route.request.url), route.abort())
               if not route.request.url.startswith("file://") else route.continue_())
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.evaluate("document.querySelector('.js-plotly-plot').data.length") == 4
    assert requested == []


def test_trajectories_page_exports_and_restore(page: Page, tmp_path: Path) -> None:
    """The Trajectories page's export block: the CSV holds every recorded quantity of every run, exactly as the
    engine computes it; its config restores the scene on a fresh page."""
    import numpy as np

    import dynamics
    from figures.export import split_csv_tables, table_from_csv, trajectory_table
    from ui import scene as sc

    open_page(page, "/?steps=200&r2_alpha=7", charts=3)
    camera = page.evaluate("() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions")
    assert camera["scale"] == 2 and camera["filename"].startswith("ademamix-lab-")
    _open_exports(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Trajectories .csv").click()
    csv_path = tmp_path / "traj.csv"
    info.value.save_as(csv_path)
    tables = split_csv_tables(table_from_csv(csv_path.read_text()), key="run")
    scene, _ = sc.decode({"steps": ["200"], "r2_alpha": ["7"]})
    labels = [sc.run_label(r, k, scene.runs) for k, r in enumerate(scene.runs, 1)]
    assert list(tables) == labels
    for label, cfg in zip(labels, scene.run_configs()):
        expected = trajectory_table(dynamics.simulate(cfg))
        assert list(tables[label]) == list(expected)
        for column, values in expected.items():
            np.testing.assert_array_equal(tables[label][column], values, err_msg=column)
    with page.expect_download() as info:
        page.get_by_role("button", name="Config (.json)").click()
    cfg_path = tmp_path / "scene.json"
    info.value.save_as(cfg_path)
    open_page(page, "/", charts=3)
    _open_exports(page)
    page.locator(".st-key-upload_config_trajectories input[type=file]").set_input_files(str(cfg_path))
    wait_for_app_idle(page, rerun_expected=True)
    expect(page.get_by_text("Restored the view from")).to_be_visible()
    expect(page).to_have_url(re.compile(r"r2_alpha=7\b"))
    expect(page).to_have_url(re.compile(r"steps=200\b"))


def test_camera_button_format_follows_the_choice(page: Page) -> None:
    open_page(page, "/kernels")
    opts = "() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions"
    assert page.evaluate(opts) == {"format": "png", "scale": 2, "filename": "ademamix-lab-kernels-t5000"}
    _open_exports(page)
    page.locator(".st-key-img_format").get_by_text("SVG").click()
    wait_for_app_idle(page, rerun_expected=True)
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions.format === 'svg'")
    assert page.locator(".modebar-btn[data-title*='Download']").count() == 1


def test_the_scene_survives_page_switches(page: Page) -> None:
    """A link to /kernels with runs in it, then the navigation to Trajectories and Sweeps: same runs everywhere."""
    open_page(page, "/kernels?r2_alpha=8&r2_b3=0.999")
    page.get_by_role("link", name="Trajectories").click()
    wait_for_app_idle(page, rerun_expected=True)
    expect(page.get_by_role("heading", name="Trajectories")).to_be_visible()
    expect(page).to_have_url(re.compile(r"r2_alpha=8\b"))
    expect(page).to_have_url(re.compile(r"r2_b3=0\.999\b"))
    page.get_by_role("link", name="Sweeps").click()
    wait_for_app_idle(page, rerun_expected=True)
    expect(page).to_have_url(re.compile(r"/sweeps\?.*r2_alpha=8\b"))
    assert_no_error_elements(page)
