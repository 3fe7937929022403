"""Exports: standalone HTML (traces inside, nothing from the network, config + version embedded), CSV/JSON round
trips to the same numbers, config documents round trip, malformed uploads rejected with a specific message."""
import base64
import json
import math
import re
from html.parser import HTMLParser

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dynamics
from dynamics.config import OptimizerConfig, RunConfig
from figures.export import (
    APP_NAME,
    CONFIG_FORMAT,
    ConfigUploadError,
    app_version,
    chart_config,
    config_document,
    config_document_from_html,
    data_document,
    extract_html_metadata,
    figure_html,
    grid_table,
    kernel_table,
    parse_config_document,
    parse_data_document,
    safe_filename,
    split_csv_tables,
    table_from_csv,
    table_to_csv,
    tables_to_csv,
    trajectory_table,
)
from figures.kernels import fig3a_figure

PLOTLY_BUNDLE = re.compile(r"<script>/\*\*\s*\* plotly\.js v.*?</script>", re.S)


def small_figure():
    fig = go.Figure(go.Scatter(x=np.arange(5.0), y=np.array([1.5, 2.5, 0.25, 4.0, 8.0]), name="probe-trace"))
    fig.update_layout(title="probe")
    return fig


# ---------------------------------------------------------------------------------------------------------------------
# Chart config
# ---------------------------------------------------------------------------------------------------------------------

def test_chart_config():
    cfg = chart_config("Fig 3a / kernels", "svg")
    assert cfg["displaylogo"] is False and cfg["showSendToCloud"] is False
    assert cfg["toImageButtonOptions"] == {"format": "svg", "scale": 2, "filename": "Fig_3a_kernels"}
    assert chart_config("x")["toImageButtonOptions"]["format"] == "png"
    with pytest.raises(ValueError):
        chart_config("x", "jpeg")
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("") == "figure"


# ---------------------------------------------------------------------------------------------------------------------
# Standalone HTML
# ---------------------------------------------------------------------------------------------------------------------

class _ResourceFinder(HTMLParser):
    """Collects every attribute that would make a browser fetch something (src, href, …) and every inline style."""

    def __init__(self):
        super().__init__()
        self.resources, self.styles = [], []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "action", "srcset", "background") and value:
                self.resources.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_html_is_standalone_with_traces_config_and_version():
    cfg = RunConfig(optimizer=OptimizerConfig(alpha=7.5), steps=1234)
    text = figure_html(small_figure(), title="Probe figure", config=cfg, page="kernels", image_format="svg")
    assert text.startswith("<!DOCTYPE html>")
    # plotly.js is embedded, once, and no CDN is used.
    bundles = PLOTLY_BUNDLE.findall(text)
    assert len(bundles) == 1 and len(bundles[0]) > 3_000_000
    assert "cdn.plot.ly/plotly" not in text and "<script src" not in text
    # Outside the plotly.js bundle, the document references nothing on the network at all.
    outside = PLOTLY_BUNDLE.sub("", text)
    assert not re.search(r"https?://|//cdn|@import|url\(", outside), re.findall(r".{40}https?://.{40}", outside)
    finder = _ResourceFinder()
    finder.feed(outside)
    assert finder.resources == []
    # The traces are in the file (Plotly writes NumPy arrays as base64 typed arrays).
    match = re.search(r"Plotly\.newPlot\(\s*\"figure-Probe_figure\",\s*(\[.*?\]),\s*\{", outside, re.S)
    assert match, "no newPlot call"
    traces = json.loads(match.group(1))
    assert traces[0]["name"] == "probe-trace"
    y = traces[0]["y"]
    assert np.array_equal(np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]), [1.5, 2.5, 0.25, 4.0, 8.0])
    # No cloud button, no logo, the camera button exports SVG at 2x.
    assert '"showSendToCloud": false' in outside and '"displaylogo": false' in outside
    assert '"toImageButtonOptions": {"format": "svg", "scale": 2, "filename": "Probe_figure"}' in outside
    # Config and version, machine-readable and visible.
    meta = extract_html_metadata(text)
    assert meta["app"] == APP_NAME and meta["app_version"] == app_version() and meta["page"] == "kernels"
    assert RunConfig.model_validate(meta["config"]) == cfg
    assert app_version() in outside and "&quot;alpha&quot;: 7.5" in outside
    # The config embedded in an exported HTML file restores the view (the HTML itself is too big to upload).
    assert parse_config_document(config_document_from_html(text), RunConfig, page="kernels") == cfg
    with pytest.raises(ConfigUploadError, match="exported HTML figure"):
        parse_config_document(text.encode(), RunConfig, page="kernels")


def test_html_metadata_cannot_break_out_of_its_script():
    evil = {"note": "</script><script>alert(1)</script><!--"}
    text = figure_html(small_figure(), title="x", config=evil)
    outside = PLOTLY_BUNDLE.sub("", text)
    assert "</script><script>alert(1)" not in outside and "<!--" not in outside
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in outside  # the visible copy is escaped
    assert extract_html_metadata(text)["config"] == evil


def test_exported_html_renders_offline(page, tmp_path):
    """Open the file with every network request blocked: the chart still renders, and nothing was requested."""
    path = tmp_path / "fig3a.html"
    path.write_text(figure_html(fig3a_figure(), title="Fig. 3a", page="kernels"), encoding="utf-8")
    requested = []

    def block(route):
        if not route.request.url.startswith("file://"):
            requested.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", block)
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    n_traces = page.evaluate("document.querySelector('.js-plotly-plot').data.length")
    assert n_traces == len(fig3a_figure().data)
    assert page.locator(".modebar-btn[data-title*='Download']").count() == 1
    assert page.locator("[data-title*='Chart Studio'], [data-title*='Edit in']").count() == 0
    assert requested == []


# ---------------------------------------------------------------------------------------------------------------------
# Tables: CSV and JSON round trips
# ---------------------------------------------------------------------------------------------------------------------

def assert_tables_equal(a, b):
    assert list(a) == list(b)
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype.kind == "f":
            assert y.dtype.kind == "f", name
            np.testing.assert_array_equal(x, y, err_msg=name)  # exact, NaN == NaN
        else:
            assert x.tolist() == y.tolist(), name


def test_trajectory_csv_and_json_round_trip_exactly():
    cfg = RunConfig(optimizer=OptimizerConfig(t_alpha_beta3=50), steps=120, noise_sigma=0.3, seed=4)
    traj = dynamics.simulate(cfg)
    table = trajectory_table(traj)
    assert list(table)[:4] == ["step", "x", "y", "loss"]
    for name in ("grad_x", "m1_y", "m2_x", "nu_y", "m1_hat_x", "update_y", "alpha", "beta3", "lr", "distance"):
        assert name in table
    np.testing.assert_array_equal(table["m2_x"], traj.m2[:, 0])
    assert_tables_equal(table, table_from_csv(table_to_csv(table, comments=["AdEMAMix Lab test"])))
    doc = parse_data_document(data_document("trajectory", {"run 1": table}, config=cfg, page="trajectories"))
    assert_tables_equal(table, doc["tables"]["run 1"])
    assert RunConfig.model_validate(doc["config"]) == cfg


def test_diverged_trajectory_round_trips_nan():
    cfg = RunConfig(optimizer=OptimizerConfig(name="sgd_momentum", lr=10.0, beta1=0.9), steps=300)
    traj = dynamics.simulate(cfg)
    table = trajectory_table(traj)
    assert traj.diverged_at is not None and np.isnan(table["x"][-1]) and np.isfinite(table["x"][0])
    text = table_to_csv(table)
    assert_tables_equal(table, table_from_csv(text))
    assert_tables_equal(table, parse_data_document(data_document("t", {"r": table}))["tables"]["r"])


def test_several_tables_in_one_csv():
    a = {"lag": np.arange(3), "w": np.array([0.5, 0.25, 0.125])}
    b = {"lag": np.arange(2), "w": np.array([1.0, math.nan])}
    merged = table_from_csv(tables_to_csv({"run A": a, "run, B": b}, key="run"))
    parts = split_csv_tables(merged, key="run")
    assert list(parts) == ["run A", "run, B"]
    assert_tables_equal(a, parts["run A"])
    assert_tables_equal(b, parts["run, B"])


def test_kernel_and_grid_tables():
    from dynamics.kernels import optimizer_kernel

    kernel = optimizer_kernel(OptimizerConfig(), 500)
    table = kernel_table(kernel)
    assert_tables_equal(table, table_from_csv(table_to_csv(table)))
    grid = {"final_distance": np.array([[0.1, math.inf], [math.nan, 2.0], [3.0, 4.0]]),
            "first_hit": np.array([[5, -1], [-1, 7], [1, 2]]), "diverged": np.array([[0, 1], [1, 0], [0, 0]]) > 0}
    long = grid_table("alpha", np.array([1.0, 2.0]), "beta3", np.array([0.9, 0.99, 0.999]), grid)
    assert long["ix"].tolist() == [0, 1, 0, 1, 0, 1] and long["beta3"].tolist() == [0.9, 0.9, 0.99, 0.99, 0.999, 0.999]
    assert long["final_distance"][1] == math.inf and long["diverged"].dtype == bool
    assert_tables_equal(long, table_from_csv(table_to_csv(long)))
    assert_tables_equal(long, parse_data_document(data_document("sweep", {"grid": long}))["tables"]["grid"])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(allow_nan=True, allow_infinity=True, width=64)),
       hnp.arrays(np.int64, st.integers(1, 1), elements=st.integers(-2**62, 2**62)))
def test_float_columns_round_trip_exactly(values, ints):
    table = {"v": values, "i": np.repeat(ints, values.size)}
    assert_tables_equal(table, table_from_csv(table_to_csv(table)))
    assert_tables_equal(table, parse_data_document(data_document("p", {"t": table}))["tables"]["t"])


def test_json_is_strict_json():
    doc = data_document("x", {"t": {"v": np.array([math.nan, math.inf, -math.inf, 1.0])}})
    json.loads(doc, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


# ---------------------------------------------------------------------------------------------------------------------
# Config documents
# ---------------------------------------------------------------------------------------------------------------------

def test_config_document_round_trip():
    cfg = RunConfig(optimizer=OptimizerConfig(name="adam", lr=0.0123, beta1=0.95), start=(-1.0, 2.0), steps=777)
    text = config_document(cfg, page="trajectories")
    doc = json.loads(text)
    assert doc["format"] == CONFIG_FORMAT and doc["app_version"] == app_version()
    assert parse_config_document(text.encode(), RunConfig, page="trajectories") == cfg
    # A bare config object is accepted too.
    assert parse_config_document(cfg.model_dump_json(), RunConfig, page="trajectories") == cfg


GOOD = json.loads(config_document(RunConfig(), page="trajectories"))


def _with(**changes):
    return json.dumps({**GOOD, **changes}).encode()


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"{not json", "Not valid JSON"),
    (b'{"a": NaN}', "NaN is not allowed"),
    (b"[1, 2, 3]", "JSON object at the top level"),
    (b'"a string"', "JSON object at the top level"),
    (_with(format="something/else"), "Unknown format"),
    (_with(format="ademamix-lab/data"), "data export"),
    (_with(format_version=99), "Unsupported format_version"),
    (_with(page="sweeps"), "for the 'sweeps' page"),
    (_with(config=[1, 2]), "must be a JSON object"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "config"}).encode(), "no “config” member"),
    (_with(config={**GOOD["config"], "steps": 0}), "steps: Input should be greater than or equal to 1"),
    (_with(config={**GOOD["config"], "optimizer": {**GOOD["config"]["optimizer"], "beta3": 1.5}}),
     "optimizer.beta3: Input should be less than 1"),
    (_with(config={**GOOD["config"], "mystery": 1}), "mystery: Extra inputs are not permitted"),
    (_with(config={**GOOD["config"], "optimizer": {"name": "sgd-plus"}}), "optimizer.name: Input should be"),
    (b"<html><body>hello</body></html>", "no AdEMAMix Lab config embedded"),
    (b"{" + b" " * (300 * 1024) + b"}", "at most 256 KB"),
])
def test_malformed_uploads_are_rejected_with_a_specific_message(raw, message):
    with pytest.raises(ConfigUploadError) as err:
        parse_config_document(raw, RunConfig, page="trajectories")
    assert message in str(err.value)


# ---------------------------------------------------------------------------------------------------------------------
# Command line: python -m figures
# ---------------------------------------------------------------------------------------------------------------------

def test_cli_preset_to_offline_html(tmp_path, capsys):
    from figures.__main__ import main
    from ui.scene import Scene

    out = tmp_path / "fig2.html"
    assert main(["--preset", "fig2", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    meta = extract_html_metadata(text)
    assert meta["page"] == "trajectories" and meta["app_version"] == app_version()
    from presets import get_preset

    assert Scene.model_validate(meta["config"]) == get_preset("fig2").scene
    outside = PLOTLY_BUNDLE.sub("", text)
    assert not re.search(r"https?://", outside)
    assert "Adam β₁=0.9999" in outside  # the traces are in the file
    assert "wrote" in capsys.readouterr().err


def test_cli_page_preset_csv_round_trips(tmp_path):
    from figures.__main__ import main

    out = tmp_path / "fig3a.csv"
    assert main(["--preset", "fig3a", "--out", str(out)]) == 0
    table = split_csv_tables(table_from_csv(out.read_text()), key="figure")["single EMAs"]
    from figures.kernels import fig3a_data

    np.testing.assert_array_equal(table["beta_0.99"], fig3a_data()["beta_0.99"])  # exact (repr round trip)
    np.testing.assert_allclose(table["beta_0.99"], (1 - 0.99) * 0.99 ** table["lag"].astype(float), rtol=1e-12)


def test_cli_config_document_from_a_page(tmp_path):
    from figures.__main__ import main
    from ui.scene import Scene
    from ui.views import SweepsPage, SweepsView

    page_config = SweepsPage(scene=Scene(steps=200), view=SweepsView(x_num=4, y_num=3))
    cfg_path = tmp_path / "sweep-config.json"
    cfg_path.write_text(config_document(page_config, page="sweeps"))
    out = tmp_path / "sweep.json"
    assert main(["--config", str(cfg_path), "--out", str(out)]) == 0
    doc = parse_data_document(out.read_text())
    assert doc["page"] == "sweeps" and SweepsPage.model_validate(doc["config"]) == page_config
    grid = doc["tables"]["grid"]
    assert grid["final_distance"].size == 12 and set(grid["iy"].tolist()) == {0, 1, 2}


def test_cli_errors(tmp_path, capsys):
    from figures.__main__ import main

    assert main(["--preset", "warmup", "--out", str(tmp_path / "x.html")]) == 2
    assert "kernels/warmup, schedules/warmup" in capsys.readouterr().err
    assert main(["--preset", "nope", "--out", str(tmp_path / "x.html")]) == 2
    assert main(["--preset", "fig2", "--figure", "nope", "--out", str(tmp_path / "x.html")]) == 2
    assert "figures: map, curves, internals" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ademamix-lab/config", "format_version": 1, "page": "kernels", "config": {"view": '
                   '{"step": -5}}}')
    assert main(["--config", str(bad), "--out", str(tmp_path / "x.html")]) == 2
    assert "view.step: Input should be greater than or equal to 0" in capsys.readouterr().err
