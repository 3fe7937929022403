"""Schedules page (AppTest): defaults, presets (Fig. 7 endpoints, the warm-up), URL → widgets, bad query strings."""
import math

import numpy as np
import pytest

from page_support import charts, errors, run_page, warnings

import dynamics  # noqa: F401


def t_half(beta):
    return math.log(0.5) / math.log(beta) - 1.0


def test_defaults():
    at = run_page("schedules")
    assert not errors(at)
    (fig,) = charts(at)
    assert fig["layout"]["title"]["text"] == "Schedules over 5,000 steps"
    beta = [t for t in fig["data"] if t["yaxis"] == "y"]
    assert len(beta) == 1 and np.allclose(beta[0]["y"], 0.9999)  # default AdEMAMix: no warm-up → constant β₃
    assert "No AdEMAMix run has a warm-up" in " ".join(str(i.value) for i in at.info)
    assert fig["_config"]["toImageButtonOptions"]["filename"] == "ademamix-lab-schedules-5000"


def test_preset_fig7_endpoints():
    at = run_page("schedules", {"preset": "fig7"})
    (fig,) = charts(at)
    assert len(fig["data"]) == 4
    for trace in fig["data"]:
        x, y = np.asarray(trace["x"]), np.asarray(trace["y"])
        assert x[0] == 0 and x[-1] == 1
        assert y[0] == pytest.approx(0.9, abs=1e-15)
    ends = sorted({round(float(t["y"][-1]), 6) for t in fig["data"]})
    assert ends == [0.999, 0.9999]
    paper = [t for t in fig["data"] if "half-life" in t["name"]]
    for trace in paper:  # the paper's scheduler at x = 1/2: β of the mean half-life
        end = round(float(trace["y"][-1]), 6)
        mid = int(np.searchsorted(trace["x"], 0.5))
        assert trace["y"][mid] == pytest.approx(0.5 ** (1 / (0.5 * t_half(0.9) + 0.5 * t_half(end) + 1)), rel=1e-12)


def test_preset_warmup_runs_and_both_schedulers():
    at = run_page("schedules", {"preset": "warmup"})
    (fig,) = charts(at)
    assert at.session_state["r1_T"] == 10_000 and at.session_state["r2_b3s"] == "linear"
    beta = {t["name"]: t for t in fig["data"] if t["yaxis"] == "y"}
    paper = next(t for n, t in beta.items() if "paper (half-life)" in n and "comparison" not in n)
    linear = next(t for n, t in beta.items() if n.endswith("β₃, linear"))
    x = np.asarray(paper["x"])
    for i in (0, len(x) // 3, len(x) - 1):
        t = float(x[i])
        mu = min(t / 10_000, 1)
        assert paper["y"][i] == pytest.approx(0.5 ** (1 / ((1 - mu) * t_half(0.9) + mu * t_half(0.9999) + 1)),
                                              rel=1e-12)
        assert linear["y"][i] == pytest.approx((1 - mu) * 0.9 + mu * 0.9999, rel=1e-12)
    alpha = [t for t in fig["data"] if t["yaxis"] == "y2"]
    assert alpha[0]["y"][-1] == pytest.approx(8.0)
    assert not [t for t in fig["data"] if "comparison" in (t["name"] or "")]  # both schedulers already shown


def test_url_toggles():
    at = run_page("schedules", {"omb": "true", "loghl": "1", "steps": "20000", "r2_T": "5000"})
    assert at.toggle(key="omb").value is True
    (fig,) = charts(at)
    assert fig["layout"]["yaxis"]["type"] == "log" and fig["layout"]["yaxis3"]["type"] == "log"
    solid = next(t for t in fig["data"] if t["yaxis"] == "y" and "comparison" not in t["name"])
    assert solid["y"][-1] == pytest.approx(1e-4, rel=1e-9)  # 1 − β₃ at the end
    assert solid["x"][-1] == 20_000


def test_bad_query_strings():
    at = run_page("schedules", {"sfig": "fig8", "omb": "perhaps", "f7b0": "1.5", "steps": "-3"})
    text = warnings(at)
    for key in ("sfig=fig8", "omb=perhaps", "f7b0=1.5", "steps=-3"):
        assert key in text, (key, text)
    assert not errors(at)
    assert charts(at)[0]["layout"]["title"]["text"] == "Schedules over 5,000 steps"


def test_learning_rate_schedule_from_the_url():
    at = run_page("schedules", {"r2_lrs": "warmup_cosine", "r2_wu": "500", "r2_lrf": "0.1", "steps": "5000"})
    assert not warnings(at)
    (fig,) = charts(at)
    lr = next(t for t in fig["data"] if t["yaxis"] == "y4" and t["name"].startswith("AdEMAMix"))
    x, y = np.asarray(lr["x"], float), np.asarray(lr["y"], float)
    peak, low = 0.01, 0.001
    for i in (0, len(x) // 2, len(x) - 1):
        t = x[i]
        expected = peak * t / 500 if t <= 500 else low + (peak - low) * 0.5 * (1 + math.cos(math.pi * (t - 500) / 4500))
        assert y[i] == pytest.approx(expected, rel=1e-12)


def test_hide_view_section():
    at = run_page("schedules", {"hide": "view", "slogx": "true"})
    keys = {w.key for w in at.toggle} | {w.key for w in at.selectbox}
    assert not keys & {"sfig", "slogx", "omb", "loghl"}
    (fig,) = charts(at)
    assert fig["layout"]["xaxis"]["type"] == "log"  # hidden, but its URL value still applies
