"""AppTest tests of the Trajectories page (app.py → pages/trajectories.py), asserting on the figure data.

Charts are read from ``el.proto.spec`` (``browser_support.plotly_specs``); trajectory endpoints are compared with
``dynamics.simulate`` of the same configs. Widget → URL is checked through ``at.query_params``: the page writes
the URL itself (``ui.urlstate``), so AppTest sees it.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from browser_support import REPO_ROOT, decode_plotly
from dynamics import simulate
from presets import load_presets
from ui import scene as sc
from ui.cache import clear_caches

os.environ["LAB_WARM_UP"] = "0"  # no background compilation thread inside the test process

TIMEOUT = 120


def run_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Figures by chart key: 'map_click', 'curves', 'internals'."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.rsplit("-", 1)[-1]
        out[key] = decode_plotly(json.loads(el.proto.spec))
    return out


def traces(fig: dict, name: str) -> list[dict]:
    return [t for t in fig["data"] if t.get("name") == name]


def path_of(fig: dict, label: str) -> np.ndarray:
    (trace,) = traces(fig, label)
    return np.stack([np.asarray(trace["x"], np.float64), np.asarray(trace["y"], np.float64)], axis=1)


def warnings_text(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def query(at: AppTest) -> dict[str, str]:
    return {k: (v if isinstance(v, str) else v[-1]) for k, v in at.query_params.items()}


def assert_paths_match_engine(fig: dict, scene: sc.Scene) -> None:
    for k, (run, cfg) in enumerate(zip(scene.runs, scene.run_configs()), 1):
        label = sc.run_label(run, k, scene.runs)
        traj = simulate(cfg)
        path = path_of(fig, label)
        np.testing.assert_allclose(path[0], traj.params[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(path[-1], traj.final_params, rtol=1e-5, atol=1e-5)
        if traj.diverged_at is None:
            (end,) = traces(fig, f"{label}: end")
            np.testing.assert_allclose([end["x"][0], end["y"][0]], traj.final_params, rtol=1e-5, atol=1e-5)


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield


# ------------------------------------------------------------------------------------------------ default state


def test_default_page():
    at = run_app()
    assert at.title[0].value == "Trajectories"
    assert not at.warning and not at.error
    figs = charts(at)
    assert set(figs) == {"map_click", "curves", "internals"}
    scene = sc.Scene()
    assert_paths_match_engine(figs["map_click"], scene)
    names = [t.get("name") for t in figs["map_click"]["data"]]
    assert names[0] == "surface" and "click-grid" in names and "global minimum" in names and "start" in names
    # the scrubber marks step t on every run and the explained run gets its four arrows
    t = scene.resolved_t
    for k, run in enumerate(scene.runs, 1):
        assert traces(figs["map_click"], f"{sc.run_label(run, k, scene.runs)}: step {t:,}")
    arrows = [tr for tr in figs["map_click"]["data"] if tr.get("legend") == "legend2"]
    assert len(arrows) == 4
    # the curves are log–log and carry one line per run per panel
    assert figs["curves"]["layout"]["xaxis"]["type"] == "log"
    assert figs["curves"]["layout"]["yaxis"]["type"] == "log"
    assert query(at) == {}
    # widgets generated from the model fields, keyed by their URL keys
    assert at.select_slider(key="r1_lr").value == 0.01
    assert at.select_slider(key="r2_b3").value == 0.9999
    assert at.select_slider(key="steps").value == scene.steps
    assert any(r"\Delta\theta_t" in lt.value for lt in at.latex)  # the filled-in update rule


@pytest.mark.parametrize("preset_id", list(load_presets()))
def test_each_preset_as_a_url(preset_id):
    preset = load_presets()[preset_id]
    at = run_app({"preset": preset_id})
    assert not at.warning, warnings_text(at)
    assert query(at) == sc.encode(preset.scene)  # the link becomes the explicit state
    figs = charts(at)
    paths = [t for t in figs["map_click"]["data"] if t.get("mode") == "lines" and t.get("customdata") is not None]
    assert len(paths) == len(preset.scene.runs)
    assert_paths_match_engine(figs["map_click"], preset.scene)
    assert any(preset.title in c.value for c in at.caption)
    assert at.session_state["obj"] == preset.scene.objective.name


def test_preset_button_applies_the_scene_and_the_url():
    at = run_app()
    at.button(key="preset_fig18").click().run()
    preset = load_presets()["fig18"]
    assert query(at) == sc.encode(preset.scene)
    assert_paths_match_engine(charts(at)["map_click"], preset.scene)
    at.button(key="reset_scene").click().run()
    assert query(at) == {}


# ------------------------------------------------------------------------------------------------ bad input

BAD_QUERIES = [
    ({"r1_lr": "nan"}, ["`r1_lr=nan` ignored: not a finite number"]),
    ({"foo": "bar", "utm_source": "mail"}, ["`foo` ignored: unknown parameter", "`utm_source` ignored"]),
    ({"steps": "-5", "sigma": "1e308"}, ["`steps=-5` ignored: out of range", "`sigma=1e308` ignored: out of range"]),
    ({"r2_alpha": "inf", "seed": "abc"}, ["`r2_alpha=inf` ignored: not a finite number",
                                           "`seed=abc` ignored: not a whole number"]),
    ({"expr": "x" * 10_000, "obj": "custom"}, ["(10,000 characters)` ignored: 10,000 characters; at most 300"]),
    ({"obj": "custom", "expr": "__import__('os').system('echo pwned')"}, ["`expr=__import__('os').system('echo", "not allowed"]),
    ({"runs": "1e9", "r7_lr": "0.1"}, ["`runs=1e9` ignored: not a whole number", "`r7_lr=0.1` ignored: there is no run 7"]),
    ({"t": "-3", "focus": "9"}, ["`t=-3` ignored: out of range", "`focus=9` ignored"]),
    ({"preset": "nope"}, ["`preset=nope` ignored: unknown preset"]),
    ({"r1_opt": "<script>alert(1)</script>"}, ["`r1_opt=<script>alert(1)</script>` ignored: not one of the options"]),
]


@pytest.mark.parametrize("bad,fragments", BAD_QUERIES, ids=[",".join(q) for q, _ in BAD_QUERIES])
def test_bad_query_strings_render_defaults_with_specific_messages(bad, fragments):
    at = run_app(bad)
    text = warnings_text(at)
    for fragment in fragments:
        assert fragment in text, text
    figs = charts(at)
    assert set(figs) == {"map_click", "curves", "internals"}
    # the bad values fell back to the defaults: the runs are those of a clean URL without them
    expected, _ = sc.decode(bad)
    assert_paths_match_engine(figs["map_click"], expected)
    for key in bad:
        assert key not in query(at) or key == "obj"


def test_warning_disappears_after_the_user_changes_something():
    at = run_app({"r1_lr": "nan"})
    assert at.warning
    at.select_slider(key="r1_lr").set_value(0.02).run()
    assert not at.warning


# ------------------------------------------------------------------------------------------------ interactions


def test_slider_changes_chart_and_url():
    at = run_app()
    before = path_of(charts(at)["map_click"], "Adam η=0.01")[-1]
    at.select_slider(key="r1_lr").set_value(0.02).run()
    assert query(at) == {"r1_lr": "0.02"}
    after = path_of(charts(at)["map_click"], "Adam η=0.02")[-1]
    assert not np.allclose(before, after)


def test_runs_survive_the_url_round_trip():
    at = run_app()
    at.button(key="add_run").click().run()
    at.selectbox(key="r3_opt").set_value("adamw").run()
    at.select_slider(key="r3_wd").set_value(0.01).run()
    url = query(at)
    assert url["runs"] == "3" and url["r3_opt"] == "adamw" and url["r3_wd"] == "0.01"
    assert at.session_state["r3_c"] == 2 and "r3_c" not in url  # the next free colour = slot 3's default
    again = run_app(url)  # a fresh session opened from the copied link
    assert query(again) == url
    assert_paths_match_engine(charts(again)["map_click"], sc.decode(url)[0])


def test_removing_a_run_shifts_the_later_runs():
    at = run_app({"preset": "fig2"})
    scene = load_presets()["fig2"].scene
    at.button(key="remove_run_2").click().run()
    url = query(at)
    assert url["runs"] == "5"
    expected = sc.without_run(scene, 2)
    assert sc.decode(url)[0] == expected or sc.encode(sc.decode(url)[0]) == sc.encode(expected)
    assert at.session_state["r2_b1"] == scene.runs[2].optimizer.beta1 and at.session_state["r2_c"] == scene.runs[2].color
    assert "r6_lr" not in at.session_state


def test_scrubber_moves_markers_and_explanation():
    at = run_app()
    at.select_slider(key="t").set_value(42).run()
    assert query(at)["t"] == "42"
    scene = sc.decode({"t": "42"})[0]
    traj = simulate(scene.run_configs()[1])
    (mark,) = traces(charts(at)["map_click"], f"AdEMAMix η=0.01 β₃=0.9999 α=5: step 42")
    np.testing.assert_allclose([mark["x"][0], mark["y"][0]], traj.params[42], rtol=1e-5)
    assert any("Step 42 of" in m.value for m in at.markdown)


def test_divergence_is_shown_plainly_and_other_runs_stay():
    at = run_app({"r1_opt": "sgd_momentum", "r1_lr": "0.01"})
    scene = sc.decode({"r1_opt": "sgd_momentum", "r1_lr": "0.01"})[0]
    traj = simulate(scene.run_configs()[0])
    assert traj.diverged_at is not None
    label = sc.run_label(scene.runs[0], 1, scene.runs)
    fig = charts(at)["map_click"]
    (cross,) = traces(fig, f"{label}: diverged")
    assert cross["marker"]["symbol"] == "x" and f"step {traj.diverged_at}" in cross["hovertemplate"]
    assert any(f"diverged at step {traj.diverged_at}" in m.value for m in at.markdown)
    assert traces(fig, "AdEMAMix η=0.01 β₃=0.9999 α=5: end")


def test_typed_bad_formula_keeps_the_last_good_surface():
    at = run_app({"obj": "custom", "expr": "x**2 + 2*y**2"})
    good = np.asarray(charts(at)["map_click"]["data"][0]["z"])
    at.text_input(key="expr").set_value("x^2 +").run()
    assert any("not allowed" in w.value or "syntax" in w.value.lower() for w in at.sidebar.warning), \
        [w.value for w in at.sidebar.warning]
    np.testing.assert_array_equal(np.asarray(charts(at)["map_click"]["data"][0]["z"]), good)
    assert query(at)["expr"] == "x**2 + 2*y**2"  # the URL keeps the surface that is shown


def test_objective_parameters_and_change_move_the_start():
    at = run_app()
    at.selectbox(key="obj").set_value("trap").run()
    assert (at.session_state["x0"], at.session_state["y0"]) == (0.3, 1.5)
    assert query(at) == {"obj": "trap"}
    at.selectbox(key="obj").set_value("rosenbrock").run()
    at.slider(key="rb_a").set_value(2.0).run()
    fig = charts(at)["map_click"]
    (star,) = traces(fig, "global minimum")
    assert (star["x"][0], star["y"][0]) == (2.0, 4.0)


def test_steps_change_keeps_the_scrubber_valid():
    at = run_app({"t": "4000"})
    at.select_slider(key="steps").set_value(1000).run()
    assert int(at.session_state["t"]) <= 1000
    assert "t" not in query(at) or int(query(at)["t"]) <= 1000


def test_click_on_map_callback_sets_the_start():
    from ui.runs import round_to_view

    assert round_to_view(-2.3456, 7.0) == -2.35 and round_to_view(5.43721, 12.0) == 5.4


# ------------------------------------------------------------------------------------------------ flags


def test_hide_flag_removes_controls_but_keeps_their_values():
    at = run_app({"hide": "b2,presets", "r1_b2": "0.99"})
    keys = {w.key for w in at.sidebar.select_slider}
    assert "r1_b2" not in keys and "r2_b2" not in keys and "r1_b1" in keys
    assert not [b for b in at.sidebar.button if b.key.startswith("preset_")]
    assert query(at)["hide"] == "b2,presets" and query(at)["r1_b2"] == "0.99"


def test_lecture_flag_scales_the_figures():
    normal = charts(run_app())["map_click"]["layout"]["font"]["size"]
    lecture = charts(run_app({"lecture": "1"}))["map_click"]["layout"]["font"]["size"]
    assert lecture == pytest.approx(normal * 1.35)


def test_values_between_slider_stops_stay_exact():
    at = run_app({"r1_lr": "0.0033", "r2_alpha": "7.3", "steps": "3000"})
    assert not at.warning
    assert at.select_slider(key="r1_lr").value == 0.0033
    assert at.select_slider(key="r2_alpha").value == 7.3
    assert at.select_slider(key="steps").value == 3000
    assert query(at) == {"r1_lr": "0.0033", "r2_alpha": "7.3", "steps": "3000"}
