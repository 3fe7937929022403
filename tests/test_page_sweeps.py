"""Sweeps page (AppTest): defaults, presets, bad query strings; a cell of the page's heatmap equals a direct
``simulate`` of its configuration; a selected cell opens on Trajectories with that configuration."""
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from page_support import charts, errors, run_page, warnings

import dynamics
from dynamics.sweeps import cell_config
from ui import scene as sc
from ui.views import CODECS, grid_sweep_config

SMALL = {"sxn": "8", "syn": "6", "ssteps": "300"}


def cells(fig):
    return next(t for t in fig["data"] if isinstance(t.get("meta"), dict) and t["meta"].get("role") == "cells")


def page_sweep(at):
    """The SweepConfig the page ran, rebuilt from the page's session state (scene + view)."""
    state = {k: at.session_state[k] for k in sc.state_keys(int(at.session_state["runs"])) if k in at.session_state}
    scene = sc.state_to_scene(state)
    view = CODECS["sweeps"].from_state({k: at.session_state[k] for k in CODECS["sweeps"].keys})
    return scene, view, grid_sweep_config(scene, view)


def test_defaults_alpha_by_beta3_for_the_ademamix_run():
    at = run_page("sweeps", SMALL)
    assert not errors(at) and not warnings(at)
    (fig,) = charts(at)
    custom = np.asarray(cells(fig)["customdata"])
    assert custom.shape == (48, 9)
    assert "run 2: AdEMAMix" in fig["layout"]["title"]["text"]
    captions = " ".join(str(c.value) for c in at.caption)
    assert "8 × 6 = 48 runs × 300 steps = 14,400 optimizer steps in" in captions  # the sweep's cost
    assert fig["layout"]["yaxis"]["title"]["text"] == "β₃"  # spelt as in the sidebar


@pytest.mark.parametrize("ix, iy", [(0, 0), (5, 3), (7, 5)])
def test_a_cell_equals_a_direct_simulate_of_its_config(ix, iy):
    at = run_page("sweeps", SMALL | {"tol": "0.1"})
    (fig,) = charts(at)
    custom = np.asarray(cells(fig)["customdata"]).reshape(6, 8, 9)[iy, ix]
    scene, view, cfg = page_sweep(at)
    run = cell_config(cfg, ix, iy)
    assert run.optimizer.alpha == pytest.approx(custom[2]) and run.optimizer.beta3 == pytest.approx(custom[3])
    traj = dynamics.simulate(run)
    assert traj.distance[traj.last_finite_step] == pytest.approx(custom[4], rel=1e-10, abs=1e-14)
    hits = np.flatnonzero(traj.distance <= 0.1)
    assert custom[5] == (hits[0] if hits.size else -1)
    assert traj.loss[traj.last_finite_step] == pytest.approx(custom[6], rel=1e-10, abs=1e-14)


def test_selected_cell_opens_on_trajectories_with_that_configuration():
    at = run_page("sweeps", SMALL)
    scene, view, cfg = page_sweep(at)
    at.session_state["cx"], at.session_state["cy"] = 5, 3  # what a click on the heatmap writes
    at.run()
    assert any("Selected: cell α=" in str(m.value) for m in at.markdown)
    (fig,) = charts(at)
    assert any(t.get("name") == "selected cell" and list(t["x"]) == [5] for t in fig["data"])
    assert at.query_params["cx"] == "5" and at.query_params["cy"] == "3"  # the selection is in the URL
    at.button(key="open_cell").click().run()
    assert not at.exception
    # Now on the Trajectories page, whose run 2 is the cell's configuration.
    assert "Trajectories" in [t.value for t in at.title]
    expected = cell_config(cfg, 5, 3).optimizer
    assert at.session_state["r2_alpha"] == pytest.approx(expected.alpha)
    assert at.session_state["r2_b3"] == pytest.approx(expected.beta3)
    assert at.session_state["r2_name"].startswith("cell α=")
    assert at.session_state["steps"] == 300


def test_selected_cell_from_the_url():
    """A copied URL reproduces the selection: the "Selected" text and the link to Trajectories."""
    at = run_page("sweeps", SMALL | {"cx": "5", "cy": "3"})
    assert not warnings(at)
    _, view, cfg = page_sweep(at)
    run = cell_config(cfg, 5, 3)
    alpha, beta3 = cfg.x.values()[5], cfg.y.values()[3]
    assert (view.cell_x, view.cell_y) == (5, 3)
    selected = next(str(m.value) for m in at.markdown if "Selected: cell" in str(m.value))
    assert f"α={alpha:.4g}" in selected and f"β₃={beta3:.4g}" in selected
    (link,) = [b for b in at.get("link_button")]
    query = parse_qs(urlparse(link.proto.url).query)
    assert float(query["r2_alpha"][0]) == pytest.approx(run.optimizer.alpha)
    assert float(query["r2_b3"][0]) == pytest.approx(run.optimizer.beta3)
    assert query["steps"] == ["300"]
    (fig,) = charts(at)
    assert any(t.get("name") == "selected cell" and list(t["x"]) == [5] for t in fig["data"])
    assert at.query_params["cx"] == "5" and at.query_params["cy"] == "3"


def test_selected_basin_cell_from_the_url():
    at = run_page("sweeps", {"preset": "basins-trap", "bn": "16", "ssteps": "300", "cx": "2", "cy": "7",
                             "cmap": "1"})
    assert not warnings(at)
    assert any("Selected: cell start x=" in str(m.value) and "(run 2)" in str(m.value) for m in at.markdown)


@pytest.mark.parametrize("query, expected", [
    ({"cx": "8", "cy": "3"}, ["`cx=8` ignored: cell column cx=8 is outside the grid (8 columns: 0 … 7)", "`cy=3`"]),
    ({"cx": "2", "cy": "6"}, ["`cy=6` ignored: cell row cy=6 is outside the grid (6 rows: 0 … 5)"]),
    ({"cx": "2.5", "cy": "1"}, ["`cx=2.5` ignored: not a whole number", "`cy=1` ignored: a selected cell needs both"]),
    ({"cx": "x", "cy": "1"}, ["`cx=x` ignored: not a whole number"]),
    ({"cx": "-1", "cy": "1"}, ["`cx=-1` ignored: out of range"]),
    ({"cx": "2"}, ["`cx=2` ignored: a selected cell needs both its column cx and its row cy"]),
    ({"cx": "2", "cy": "1", "cmap": "1"}, ["`cmap=1` ignored: the grid has a single map"]),
])
def test_bad_selected_cell_in_the_url(query, expected):
    at = run_page("sweeps", SMALL | query)
    text = warnings(at)
    for part in expected:
        assert part in text, (part, text)
    assert not errors(at) and charts(at)
    keeps = query.get("cmap") == "1"  # only the bad map index is dropped, the cell stays
    assert any("Selected: cell" in str(m.value) for m in at.markdown) == keeps
    assert ("cx" in at.query_params) == keeps and "cmap" not in at.query_params
    assert at.query_params["sxn"] == "8"  # the sweep's own settings are kept


def test_adam_run_gets_a_hint_and_a_fix():
    at = run_page("sweeps", SMALL | {"srun": "1"})
    assert "does not use α" in warnings(at)
    assert not charts(at)
    at.button[0].click().run()  # "Sweep quantities this optimizer uses": lr × β1
    assert at.session_state["sx"] == "lr" and at.session_state["sy"] == "beta1"
    (fig,) = charts(at)
    assert "run 1: Adam" in fig["layout"]["title"]["text"]


def test_preset_adam_lr_beta1():
    at = run_page("sweeps", {"preset": "adam-lr-beta1", "sxn": "16", "syn": "8"})
    (fig,) = charts(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == "learning rate η (log)"
    legend = [t["name"] for t in fig["data"] if isinstance(t.get("x"), list) and t["x"] == [None]]
    assert any(n.startswith("never reached ε") for n in legend) and any(n.startswith("diverged") for n in legend)


def test_preset_alpha_beta3_is_the_documented_grid():
    _, view, cfg = page_sweep(run_page("sweeps", {"preset": "alpha-beta3", "sxn": "8", "syn": "8", "ssteps": "200"}))
    assert (cfg.x.param, cfg.x.low, cfg.x.high, cfg.x.log) == ("alpha", 2.0, 40.0, True)
    assert (cfg.y.param, cfg.y.low, cfg.y.high) == ("beta3", 0.99, 0.9999)


def test_preset_basins_side_by_side():
    at = run_page("sweeps", {"preset": "basins-trap", "bn": "16", "ssteps": "300"})
    (fig,) = charts(at)
    panels = [t for t in fig["data"] if isinstance(t.get("meta"), dict) and t["meta"].get("role") == "cells"]
    assert [p["meta"]["panel"] for p in panels] == [0, 1]
    assert "run 1: Adam β₁=0.999" in fig["layout"]["annotations"][0]["text"]
    assert any((t.get("name") or "").startswith("ended at global") for t in fig["data"])
    assert at.session_state["obj"] == "trap"


def test_preset_basins_trap_every_start_settles():
    """The preset's default numbers (64 × 64 starts, 20,000 steps, ε = 0.01): every start of both runs ends within ε
    of a minimum, so the "minimum reached" maps show a minimum everywhere (at 5,000 steps most of Adam β₁ = 0.999's
    starts were still ringing around theirs: "not within ε at the end")."""
    at = run_page("sweeps", {"preset": "basins-trap"})
    (fig,) = charts(at)
    assert "20,000 steps, ε = 0.01" in fig["layout"]["title"]["text"]
    legend = {t["name"] for t in fig["data"] if isinstance(t.get("x"), list) and t["x"] == [None]}
    assert "not within ε at the end (0 / 0)" in legend and "diverged (0 / 0)" in legend


def test_hide_sweep_and_exports_sections():
    shown = run_page("sweeps", SMALL)
    assert "sx" in {w.key for w in shown.selectbox}
    at = run_page("sweeps", SMALL | {"hide": "sweep,exports"})
    assert not {w.key for w in at.selectbox} & {"mode", "sx", "sy", "metric"}
    assert len(charts(at)) == 1 and at.session_state["sx"] == "alpha"  # the sweep still runs, with its values
    assert len(at.expander) < len(shown.expander)  # no "Export & share"


def test_bad_query_strings():
    at = run_page("sweeps", SMALL | {"sx": "gamma", "sxn": "1000", "tol": "-1", "mode": "weird", "sy": "alpha"})
    text = warnings(at)
    for key in ("sx=gamma", "sxn=1000", "tol=-1", "mode=weird", "sy=alpha"):
        assert key in text, (key, text)
    assert not errors(at)
    assert charts(at)  # the page still shows a (default-axes) sweep
