"""Browser smoke tests (Playwright + Debian chromium) and self-tests of the helpers in browser_support.py.

Page-specific browser tests live in their own files and reuse the ``page``/``app_server`` fixtures (conftest.py).
"""
from __future__ import annotations

import re
import shutil
import textwrap

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from browser_support import (
    REPO_ROOT,
    assert_no_error_elements,
    decode_plotly,
    error_elements_text,
    plotly_figure_data,
    plotly_specs,
    streamlit_server,
    wait_for_app_idle,
)

# ---------------------------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------------------------


def test_app_loads_without_errors(page: Page) -> None:
    page.goto("/")
    wait_for_app_idle(page)
    assert_no_error_elements(page)
    expect(page).to_have_title(re.compile("AdEMAMix Lab"))
    expect(page.get_by_test_id("stMain")).to_be_visible()
    expect(page.get_by_test_id("stApp")).not_to_have_class(re.compile(r"\bstreamlit-embedded\b"))


def test_embed_mode_renders(page: Page) -> None:
    page.goto("/?embed=true")
    wait_for_app_idle(page)
    assert_no_error_elements(page)
    expect(page.get_by_test_id("stApp")).to_have_class(re.compile(r"\bstreamlit-embedded\b"))
    expect(page.get_by_test_id("stMain")).to_be_visible()
    expect(page.get_by_test_id("stHeading").first).to_be_visible()
    expect(page.get_by_test_id("stToolbar")).to_be_hidden()  # embed mode drops the toolbar


# ---------------------------------------------------------------------------------------------------------------
# Self-tests of the helpers: an error detector that never fires would make every browser test vacuous.
# ---------------------------------------------------------------------------------------------------------------

PROBE_APP = textwrap.dedent(
    """
    import numpy as np
    import plotly.graph_objects as go
    import streamlit as st

    mode = st.query_params.get("mode", "ok")
    st.title("probe")
    if mode == "error":
        st.error("an st.error box")
    elif mode == "warning":
        st.warning("only a warning")
    elif mode == "exception":
        st.exception(ValueError("an st.exception"))
    elif mode == "raise":
        raise RuntimeError("uncaught in probe")
    elif mode == "chart":
        fig = go.Figure([
            go.Contour(z=np.arange(6.0).reshape(2, 3), x=np.arange(3, dtype=np.float32)),
            go.Scatter(x=np.arange(3, dtype=np.int32), y=[1, 2, 3]),
        ])
        st.plotly_chart(fig, config={"displaylogo": False})
    """
)


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory: pytest.TempPathFactory):
    """A server for PROBE_APP, run with the production .streamlit/config.toml (error details redacted)."""
    root = tmp_path_factory.mktemp("probe_app")
    (root / "probe_app.py").write_text(PROBE_APP)
    (root / ".streamlit").mkdir()
    shutil.copy(REPO_ROOT / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    with streamlit_server(script="probe_app.py", cwd=root) as server:
        yield server.url


@pytest.mark.parametrize("mode", ["error", "exception", "raise"])
def test_error_elements_are_detected(page: Page, probe_server: str, mode: str) -> None:
    page.goto(f"{probe_server}/?mode={mode}")
    wait_for_app_idle(page)
    assert error_elements_text(page), f"mode={mode}: no error element found"
    with pytest.raises(AssertionError, match="error elements on the page"):
        assert_no_error_elements(page)


@pytest.mark.parametrize("mode", ["ok", "warning"])
def test_no_error_elements_when_fine(page: Page, probe_server: str, mode: str) -> None:
    page.goto(f"{probe_server}/?mode={mode}")
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stHeading")).to_be_visible()
    assert_no_error_elements(page)


def test_plotly_figure_data_in_browser(page: Page, probe_server: str) -> None:
    page.goto(f"{probe_server}/?mode=chart")
    wait_for_app_idle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    contour, scatter = plotly_figure_data(page, 0)
    assert contour["type"] == "contour"
    np.testing.assert_array_equal(contour["z"], np.arange(6.0).reshape(2, 3))
    assert contour["x"].dtype == np.float32
    assert scatter["x"].dtype == np.int32 and scatter["y"] == [1, 2, 3]
    with pytest.raises(Exception, match="only 1 plotly chart"):
        plotly_figure_data(page, 1)


def test_plotly_specs_apptest() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(PROBE_APP, default_timeout=60)
    at.query_params["mode"] = "chart"
    at.run()
    assert not at.exception
    (fig,) = plotly_specs(at)
    contour, scatter = fig["data"]
    assert contour["z"].shape == (2, 3) and contour["z"].dtype == np.float64
    np.testing.assert_array_equal(scatter["x"], [0, 1, 2])
    assert fig["_config"]["displaylogo"] is False
    assert "layout" in fig


def test_decode_plotly_nested() -> None:
    import base64

    z = np.arange(12, dtype="<f4").reshape(3, 4)
    enc = {"dtype": "f4", "bdata": base64.b64encode(z.tobytes()).decode(), "shape": "3, 4"}
    out = decode_plotly({"data": [{"z": enc, "marker": {"color": dict(enc, shape=None)}}], "n": 1})
    np.testing.assert_array_equal(out["data"][0]["z"], z)
    assert out["data"][0]["marker"]["color"].shape == (12,)
    assert out["n"] == 1
