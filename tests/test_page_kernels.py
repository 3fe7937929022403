"""EMA-kernel page (AppTest): defaults, each preset, URL → widgets, bad query strings; assertions on figure data."""
import numpy as np
import pytest

from page_support import charts, errors, run_page, traces, warnings

import dynamics  # noqa: F401


def test_defaults_show_both_runs_at_the_end_of_the_run():
    at = run_page("kernels")
    assert not errors(at) and not warnings(at)
    (fig,) = charts(at)
    assert "t = 5,000" in fig["layout"]["title"]["text"]
    totals = traces(fig, component="total")
    assert [t["meta"]["slot"] for t in totals] == [0, 1]  # the runs' palette slots (same colours as Trajectories)
    adam, ademamix = totals
    k = np.asarray(adam["customdata"], dtype=float)
    np.testing.assert_allclose(adam["y"][np.isfinite(adam["y"])],
                               (0.1 * 0.9**k / (1 - 0.9**5000))[np.isfinite(adam["y"])], rtol=1e-5)
    # AdEMAMix defaults: α = 5, β₃ = 0.9999 → slow mass α(1 − β₃^t) (legend and mass box)
    slow = traces(fig, component="slow")[0]
    assert f"mass {5 * (1 - 0.9999**5000):.3g}" in slow["name"]
    config = fig["_config"]
    assert config["toImageButtonOptions"] == {"format": "png", "scale": 2, "filename": "ademamix-lab-kernels-t5000"}
    assert config["displaylogo"] is False


def test_url_sets_the_step_and_axes():
    at = run_page("kernels", {"kt": "1000", "klogx": "false", "parts": "false"})
    assert at.select_slider(key="kt").value == 1000
    assert at.toggle(key="klogx").value is False
    (fig,) = charts(at)
    assert "t = 1,000" in fig["layout"]["title"]["text"]
    assert fig["layout"]["xaxis"]["type"] == "linear"
    assert not traces(fig, component="slow")  # parts hidden
    total = traces(fig, component="total")[0]
    np.testing.assert_array_equal(total["x"], total["customdata"])  # linear axis: x = k


def test_preset_fig3a_kernel_values_are_one_minus_beta_beta_to_the_k():
    at = run_page("kernels", {"preset": "fig3a"})
    (fig,) = charts(at)
    curves = traces(fig, component="single")
    assert [c["meta"]["beta"] for c in curves] == [0.9, 0.99, 0.999, 0.9999]
    for c in curves:
        beta = c["meta"]["beta"]
        k = np.asarray(c["customdata"], dtype=float)
        y = np.asarray(c["y"], dtype=float)
        ok = np.isfinite(y)
        np.testing.assert_allclose(y[ok], ((1 - beta) * beta**k)[ok], rtol=1e-12, atol=1e-300)
        np.testing.assert_array_equal(c["x"], k + 1)  # log lag axis: x = k + 1
        assert c["meta"]["t"] == 10_000
    assert any("Fig. 3a" in str(e.label) for e in at.expander)  # the preset's note (paper vs ours)


def test_preset_fig23():
    at = run_page("kernels", {"preset": "fig23"})
    (fig,) = charts(at)
    mixes = {t["meta"]["mix"] for t in fig["data"]}
    assert mixes == {"sum", "convex"}
    total = traces(fig, mix="sum", component="total")[0]
    assert total["x"][-1] == 256_000
    assert "states neither η_max nor T" in " ".join(str(c.value) for c in at.caption)  # ours, and said so


def test_preset_fig31_linear_and_log():
    at = run_page("kernels", {"preset": "fig31"})
    (fig,) = charts(at)
    nested = [t for t in fig["data"] if t["meta"]["component"] == "nested"]
    assert len(nested) == 2 and fig["layout"]["yaxis2"]["type"] == "log"
    k = np.asarray(nested[0]["x"], dtype=float)
    a = 0.1 * 0.9 ** np.arange(201)
    b = 0.6 * 0.4 ** np.arange(201)
    np.testing.assert_allclose(nested[0]["y"], np.convolve(a, b)[:201], rtol=1e-12)
    assert k[0] == 0 and k[-1] == 200


def test_preset_warmup_sets_runs_and_animates():
    at = run_page("kernels", {"preset": "warmup"})
    (fig,) = charts(at)
    assert len(fig["frames"]) >= 20
    assert fig["layout"]["sliders"][0]["steps"][-1]["label"] == "20,000"
    assert at.session_state["r2_T"] == 20_000 and at.session_state["r2_alpha"] == 8.0
    last = fig["frames"][-1]["layout"]["annotations"][0]["text"]
    assert "masses at t = 20,000" in last


def test_bad_query_strings_are_reported_and_ignored():
    at = run_page("kernels", {"fig": "fig99", "kt": "abc", "klogx": "maybe", "f23eta": "-1", "bogus": "1",
                              "r2_alpha": "nan"})
    text = warnings(at)
    for key in ("fig=fig99", "kt=abc", "klogx=maybe", "bogus", "r2_alpha=nan"):
        assert key in text, (key, text)
    assert not errors(at)
    (fig,) = charts(at)
    assert "t = 5,000" in fig["layout"]["title"]["text"]  # defaults used


def test_unknown_preset_is_reported():
    at = run_page("kernels", {"preset": "nope"})
    assert "preset=nope" in warnings(at)


@pytest.mark.parametrize("lecture", ["1"])
def test_lecture_mode_enlarges_the_figure(lecture):
    normal = charts(run_page("kernels"))[0]
    big = charts(run_page("kernels", {"lecture": lecture}))[0]
    assert big["layout"]["font"]["size"] > normal["layout"]["font"]["size"]
    assert traces(big, component="total")[0]["line"]["width"] > traces(normal, component="total")[0]["line"]["width"]


def test_hide_removes_chosen_controls():
    at = run_page("kernels", {"hide": "kt,klogy,runs"})
    keys = {w.key for w in at.select_slider} | {w.key for w in at.toggle}
    assert "kt" not in keys and "klogy" not in keys and "klogx" in keys
    assert not any(e.label.startswith("Run 1") for e in at.expander)
