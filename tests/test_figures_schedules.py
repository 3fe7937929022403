"""Schedule figures against the paper's definitions (App. A.1, Fig. 7), re-derived here independently."""
import math

import numpy as np
import pytest

import dynamics  # noqa: F401  (float64)
from dynamics.config import OptimizerConfig
from figures.schedules import (
    fig7_figure, fig7_table, sample_steps, schedule_table, schedules_figure, warm_note,
)
from figures.style import DEFAULT_STYLE, run_color


def t_half(beta):
    return math.log(0.5) / math.log(beta) - 1.0


def beta_of(tau):
    return 0.5 ** (1.0 / (tau + 1.0))


def paper_beta3(t, beta3, beta_start, total):
    if total == 0 or t >= total:
        return beta3
    mu = t / total
    return beta_of((1 - mu) * t_half(beta_start) + mu * t_half(beta3))


def test_schedule_table_matches_the_paper():
    cfg = OptimizerConfig(beta1=0.9, beta3=0.9999, alpha=8.0, t_alpha_beta3=1000)
    table = schedule_table(cfg, 3000, t=np.arange(1, 3001))
    assert table["step"][0] == 1 and table["step"][-1] == 3000
    for i in (0, 10, 499, 998, 999, 1500, 2999):
        t = int(table["step"][i])
        assert table["beta3"][i] == pytest.approx(paper_beta3(t, 0.9999, 0.9, 1000), rel=1e-13)
        assert table["alpha"][i] == pytest.approx(8.0 * min(t / 1000, 1.0), rel=1e-13)
        linear = 0.9 + min(t / 1000, 1.0) * (0.9999 - 0.9)
        assert table["beta3_linear_scheduler"][i] == pytest.approx(linear, rel=1e-13)
        assert table["half_life"][i] == pytest.approx(t_half(table["beta3"][i]), rel=1e-10)
    # The paper's scheduler interpolates the half-life linearly: exactly linear in t until T.
    hl = table["half_life"][:1000]
    expected = [(1 - t / 1000) * t_half(0.9) + t / 1000 * t_half(0.9999) for t in table["step"][:1000]]
    np.testing.assert_allclose(hl, expected, rtol=1e-9)
    assert np.all(table["lr"] == cfg.lr)


def test_schedules_off_when_T_is_zero():
    table = schedule_table(OptimizerConfig(t_alpha_beta3=0, alpha=5.0, beta3=0.999), 100)
    assert np.all(table["alpha"] == 5.0) and np.all(table["beta3"] == 0.999)
    assert table["half_life"][0] == pytest.approx(t_half(0.999))


def test_sample_steps_keeps_the_kink_and_ends():
    t = sample_steps(100_000, 12_345)
    assert t[0] == 1 and t[-1] == 100_000 and 12_345 in t and 12_346 in t
    assert t.size <= 2002 and np.all(np.diff(t) > 0)
    assert np.array_equal(sample_steps(50), np.arange(1, 51))


def test_lr_schedule_cosine():
    cfg = OptimizerConfig(lr=0.01, lr_schedule="warmup_cosine", warmup_steps=100, lr_final_ratio=0.1)
    table = schedule_table(cfg, 1100, t=np.array([50, 100, 600, 1100]))
    assert table["lr"][0] == pytest.approx(0.005)
    assert table["lr"][1] == pytest.approx(0.01)
    assert table["lr"][2] == pytest.approx(0.001 + 0.009 * 0.5)
    assert table["lr"][3] == pytest.approx(0.001)


def _traces(fig, **meta):
    return [tr for tr in fig.data if all(str(tr.name).find(v) >= 0 for v in meta.values())]


def test_schedules_figure_panels_and_colours():
    runs = [("AdEMAMix", OptimizerConfig(t_alpha_beta3=500)), ("Adam", OptimizerConfig(name="adam", lr=0.003))]
    fig = schedules_figure(runs, 2000, slots=[2, 5])
    axes = {(tr.xaxis, tr.yaxis) for tr in fig.data}
    assert {("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")} <= axes
    adam = [tr for tr in fig.data if tr.name.startswith("Adam")]
    assert len(adam) == 1 and adam[0].yaxis == "y4"  # Adam appears in the η panel only
    assert np.allclose(adam[0].y, 0.003)
    for tr in fig.data:
        if tr.name.startswith("AdEMAMix"):
            assert tr.line.color == run_color(2)
    beta_solid = next(tr for tr in fig.data if tr.yaxis == "y" and "paper" in tr.name)
    assert beta_solid.y[-1] == pytest.approx(0.9999)
    assert beta_solid.x[0] == 1 and beta_solid.x[-1] == 2000
    # The warm-up end is marked.
    assert any("T_α,β₃ = 500" in (a.text or "") for a in fig.layout.annotations)


def _note(fig):
    return next(a for a in fig.layout.annotations if (a.text or "").strip().startswith("T_α,β₃ = "))


def test_warm_up_note_stays_inside_the_alpha_panel():
    """T_α,β₃ = the run length (the `warmup` preset): the note sits left of the line, anchored right, instead of
    running past the panel's right edge (it was clipped to "T_α")."""
    cfg = OptimizerConfig(t_alpha_beta3=10_000)
    note = _note(schedules_figure([("A", cfg)], 10_000))
    assert note.x == 10_000 and note.xanchor == "right" and note.xref == "x2"
    assert note.text.strip() == "T_α,β₃ = 10,000"
    early = _note(schedules_figure([("A", OptimizerConfig(t_alpha_beta3=2_000))], 10_000))
    assert early.x == 2_000 and early.xanchor == "left"  # room on the right: beside the line as before
    # On a log step axis 2,000 of 10,000 is far right; a T beyond the run is noted at the right edge.
    assert warm_note(2_000, 10_000, log_x=True)["xanchor"] == "right"
    beyond = warm_note(20_000, 10_000)
    assert beyond["x"] == 10_000 and beyond["xanchor"] == "right" and "20,000" in beyond["text"]


def test_identical_curves_of_different_runs_stay_visible():
    """The `warmup` preset: two runs with the same α(t) and η(t). Earlier runs are drawn wider (as on the
    Trajectories map), so the later one does not hide them."""
    opt = dict(lr=0.005, alpha=8.0, t_alpha_beta3=1000, lr_schedule="warmup_cosine", warmup_steps=50)
    runs = [("paper", OptimizerConfig(**opt)), ("linear", OptimizerConfig(beta3_scheduler="linear", **opt)),
            ("adam", OptimizerConfig(name="adam", lr=0.005, lr_schedule="warmup_cosine", warmup_steps=50))]
    fig = schedules_figure(runs, 1000, slots=[1, 2, 5])
    for panel, suffix in (("y2", ": α"), ("y4", ": η")):
        curves = [tr for tr in fig.data if tr.yaxis == panel and tr.name.endswith(suffix)]
        assert [tr.name.split(":")[0] for tr in curves] == ["paper", "linear", "adam"][:len(curves)]
        np.testing.assert_allclose(curves[0].y, curves[1].y)  # the same curve...
        widths = [tr.line.width for tr in curves]
        assert widths == sorted(widths, reverse=True) and widths[0] > widths[1]  # ...the earlier one wider
        assert curves[0].line.dash == "solid" and curves[1].line.dash == "dash"  # ...the repeat dashed on top
    adam_lr = next(tr for tr in fig.data if tr.name == "adam: η")
    assert adam_lr.line.dash == "dash"  # the same η(t) as the AdEMAMix runs
    alone = schedules_figure([runs[0], ("other", OptimizerConfig(alpha=3.0, t_alpha_beta3=1000))], 1000)
    assert [tr.line.dash for tr in alone.data if tr.yaxis == "y2"] == ["solid", "solid"]  # different α(t)
    # A run has the same width in every panel.
    first = {tr.line.width for tr in fig.data if tr.name.startswith("paper") and "comparison" not in tr.name}
    assert len(first) == 1


def test_schedules_figure_one_minus_beta_and_lecture():
    runs = [("A", OptimizerConfig(t_alpha_beta3=100))]
    fig = schedules_figure(runs, 200, one_minus_beta=True, log_half_life=True, style=DEFAULT_STYLE.lecture())
    solid = next(tr for tr in fig.data if tr.yaxis == "y" and "paper" in tr.name)
    assert solid.y[-1] == pytest.approx(1 - 0.9999)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis3.type == "log"
    normal = schedules_figure(runs, 200)
    assert solid.line.width > normal.data[0].line.width and fig.layout.font.size > normal.layout.font.size


def test_fig7_endpoints_and_midpoint():
    table = fig7_table()
    assert table["x"][0] == 0.0 and table["x"][-1] == 1.0
    for end in (0.999, 0.9999):
        for kind in ("half_life", "linear"):
            col = table[f"{kind}_{end:g}"]
            assert col[0] == pytest.approx(0.9, abs=1e-15)
            assert col[-1] == pytest.approx(end, abs=1e-15)
        mid = np.searchsorted(table["x"], 0.5)
        assert table[f"linear_{end:g}"][mid] == pytest.approx((0.9 + end) / 2, rel=1e-14)
        assert table[f"half_life_{end:g}"][mid] == pytest.approx(
            beta_of(0.5 * t_half(0.9) + 0.5 * t_half(end)), rel=1e-13)
        # The paper's scheduler is above the linear one during the warm-up (its half-life grows linearly, the
        # linear scheduler's only at the very end).
        inner = slice(1, -1)
        assert np.all(table[f"half_life_{end:g}"][inner] > table[f"linear_{end:g}"][inner])


def test_fig7_figure_traces():
    fig = fig7_figure()
    assert len(fig.data) == 4
    for tr in fig.data:
        assert tr.x[0] == 0.0 and tr.x[-1] == 1.0
        assert tr.y[0] == pytest.approx(0.9)
    ends = sorted({round(float(tr.y[-1]), 6) for tr in fig.data})
    assert ends == [0.999, 0.9999]
