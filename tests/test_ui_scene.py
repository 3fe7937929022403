"""The Trajectories page's state model and URL codec (ui.scene, ui.controls, ui.fields, ui.flags) and the presets.

Pure tests (no Streamlit session): every URL the page writes must decode to the same scene, every query string —
however bad — must decode without raising, with a specific message per unusable key.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamics.config import MAX_STEPS, ObjectiveConfig, OptimizerConfig
from dynamics.optimizers import USED_FIELDS
from presets import PRESET_DIR, Preset, load_presets
from ui import scene as sc
from ui.controls import ParseError, url_number
from ui.fields import BETA_GRID, bounds_of, log_grid
from ui.flags import SECTIONS, parse_flags


def test_defaults_encode_to_an_empty_url_and_round_trip():
    assert sc.encode(sc.Scene()) == {}
    scene, messages = sc.decode({})
    assert scene == sc.Scene() and messages == []
    assert sc.state_to_scene(sc.scene_to_state(sc.Scene())) == sc.Scene()


def test_default_scene_is_adam_vs_ademamix_on_rosenbrock():
    s = sc.Scene()
    assert [r.optimizer.name for r in s.runs] == ["adam", "ademamix"]
    assert s.objective.name == "rosenbrock"
    assert s.resolved_focus == 2 and s.resolved_t == s.steps // 10


def test_slider_grids_come_from_the_model_bounds():
    lr = sc.RUN_CONTROL["lr"]
    assert lr.bounds == bounds_of(OptimizerConfig, "lr")
    assert max(sc.LR_GRID) == OptimizerConfig.model_fields["lr"].metadata[1].le  # le=10 from the model
    assert all(0 <= b < 1 for b in BETA_GRID)
    assert sc.STEPS_GRID[0] == 100 and sc.STEPS_GRID[-1] == MAX_STEPS
    assert log_grid(1e-3, 1e-2, (1, 2, 5)) == (0.001, 0.002, 0.005, 0.01)
    assert "Peak learning rate" in lr.help and "0 < lr ≤ 10" in lr.help


@pytest.mark.parametrize("raw,reason", [
    ("nan", "not a finite number"), ("inf", "not a finite number"), ("-1", "out of range"),
    ("1e308", "out of range"), ("abc", "not a number"), ("", "empty"),
])
def test_lr_parse_reasons(raw, reason):
    with pytest.raises(ParseError, match=reason):
        sc.RUN_CONTROL["lr"].parse(raw)


def test_url_numbers_are_short_and_exact():
    assert url_number(0.003) == "0.003" and url_number(5.0) == "5" and url_number(1e-08) == "1e-08"
    assert float(url_number(0.1 + 0.2)) == 0.1 + 0.2


# ------------------------------------------------------------------------------------------------ round trips


@st.composite
def scenes(draw):
    n = draw(st.integers(1, 8))
    runs = []
    for k in range(n):
        name = draw(st.sampled_from(sc.OPTIMIZER_NAMES))
        opt = {
            "name": name,
            "lr": draw(st.one_of(st.sampled_from(sc.LR_GRID), st.floats(1e-6, 10.0))),
            "beta1": draw(st.sampled_from(BETA_GRID)), "beta2": draw(st.sampled_from(BETA_GRID)),
            "beta3": draw(st.sampled_from(BETA_GRID)),
            "alpha": draw(st.one_of(st.sampled_from(sc.ALPHA_GRID), st.floats(0.0, 1000.0))),
            "t_alpha_beta3": draw(st.sampled_from(sc.T_GRID)),
            "weight_decay": draw(st.sampled_from(sc.WD_GRID)),
            "eps": draw(st.sampled_from(sc.EPS_GRID)),
            "bias_correction": draw(st.booleans()),
            "beta3_scheduler": draw(st.sampled_from(["half_life", "linear"])),
            "initial_m1": draw(st.one_of(st.none(), st.tuples(st.floats(-5, 5), st.floats(-5, 5)))),
        }
        # a run's URL only carries the fields its optimizer uses: give unused ones their slot defaults
        base = sc.slot_default(k + 1).optimizer.model_dump()
        opt = {f: (v if f == "name" or f in USED_FIELDS[name] else base[f]) for f, v in opt.items()}
        if opt["initial_m1"] == (0.0, 0.0):
            opt["initial_m1"] = None
        runs.append(sc.RunSpec(name=draw(st.text(st.characters(categories=["L", "N"]), max_size=12)),
                               color=draw(st.integers(0, 7)), optimizer=OptimizerConfig(**opt)))
    steps = draw(st.integers(1, MAX_STEPS))
    obj_name = draw(st.sampled_from(["rosenbrock", "trap", "quadratic", "rastrigin", "himmelblau"]))
    obj = {"name": obj_name}
    if obj_name == "rosenbrock":
        obj |= {"rosenbrock_a": draw(st.floats(-5, 5)), "rosenbrock_b": draw(st.sampled_from(sc.RB_B_GRID))}
    if obj_name == "quadratic":
        obj |= {"kappa": draw(st.floats(1, 1e4)), "angle_deg": draw(st.floats(-90, 90))}
    return sc.Scene(
        objective=ObjectiveConfig(**obj),
        start=draw(st.one_of(st.none(), st.tuples(st.floats(-50, 50), st.floats(-50, 50)))),
        steps=steps, noise_sigma=draw(st.sampled_from(sc.SIGMA_GRID)), seed=draw(st.integers(0, 2**31 - 1)),
        runs=tuple(runs), t=draw(st.one_of(st.none(), st.integers(0, steps))),
        focus=draw(st.one_of(st.none(), st.integers(1, n))),
    )


def _canonical(scene: sc.Scene) -> sc.Scene:
    """What a scene means on the page: a start equal to the objective's default start is 'no start'."""
    if scene.start is not None and sc._close(scene.start, sc.default_start(scene.objective)):
        scene = sc.replace_scene(scene, start=None)
    if scene.t is not None and scene.t == sc.auto_t(scene.steps):
        scene = sc.replace_scene(scene, t=None)
    if scene.focus is not None and scene.focus == sc.auto_focus(scene.runs):
        scene = sc.replace_scene(scene, focus=None)
    return scene


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_every_url_the_page_writes_decodes_to_the_same_scene(scene):
    encoded = sc.encode(scene)
    decoded, messages = sc.decode(encoded)
    assert messages == []
    assert _canonical(decoded) == _canonical(scene)
    assert sc.encode(decoded) == sc.encode(_canonical(scene))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_flat_widget_state_round_trips(scene):
    assert _canonical(sc.state_to_scene(sc.scene_to_state(scene))) == _canonical(scene)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(
    st.one_of(st.sampled_from(sc.state_keys(9) + ["runs", "preset", "r0_lr", "r10_lr", "zz"]), st.text(max_size=8)),
    st.one_of(st.text(max_size=40), st.sampled_from(["nan", "inf", "-inf", "1e308", "-5", "0", "1", "9",
                                                     "ademamix", "custom", "true", "1e-3"])),
    max_size=12))
def test_decode_never_raises_and_explains_every_dropped_key(query):
    scene, messages = sc.decode(query)
    assert isinstance(scene, sc.Scene)
    encoded = sc.encode(scene)
    for key, value in query.items():
        if key in sc.RESERVED_KEYS:
            continue
        used = encoded.get(key) is not None or any(m.key == key for m in messages)
        # a key is either reflected in the scene, reported, or a no-op (its value equals the default)
        if not used:
            reencoded = sc.decode({key: value})[0]
            assert sc.encode(reencoded).get(key) is None, (key, value, messages)


@pytest.mark.parametrize("query,fragment", [
    ({"r1_lr": "nan"}, "`r1_lr=nan` ignored: not a finite number; using the default."),
    ({"foo": "bar"}, "`foo` ignored: unknown parameter."),
    ({"steps": "-5"}, "`steps=-5` ignored: out of range: allowed 1 ≤ steps ≤ 100,000"),
    ({"sigma": "1e308"}, "`sigma=1e308` ignored: out of range"),
    ({"runs": "100"}, "`runs=100` ignored: out of range: allowed 1 ≤ runs ≤ 8"),
    ({"r9_lr": "0.1"}, "`r9_lr=0.1` ignored: there is no run 9"),
    ({"r1_b3": "0.5"}, "`r1_b3=0.5` ignored: Adam does not use β₃."),
    ({"obj": "trap", "rb_a": "2"}, "`rb_a=2` ignored: the Trap (paper Fig. 18) surface has no such parameter."),
    ({"obj": "custom", "expr": "__import__('os').system('ls')"}, "`expr=__import__('os').system('ls')` ignored:"),
    ({"obj": "custom", "expr": "x" * 10_000}, "(10,000 characters)` ignored: 10,000 characters; at most 300"),
    ({"obj": "custom", "xmin": "3", "xmax": "1"}, r"x\_range must be increasing"),
    ({"t": "99999"}, "`t=99999` ignored: beyond the last step (5,000)"),
    ({"focus": "5"}, "`focus=5` ignored: there are only 2 runs"),
    ({"r1_opt": "evil"}, "`r1_opt=evil` ignored: not one of the options"),
    ({"steps": ["100", "200"]}, "`steps` was given 2 times; using the last value."),
])
def test_bad_values_get_specific_messages_and_defaults(query, fragment):
    scene, messages = sc.decode(query)
    texts = " | ".join(m.text for m in messages)
    assert fragment in texts
    for key in query:
        if key != "steps":
            assert key not in sc.encode(scene) or key == "obj"


def test_message_values_are_sanitised():
    scene, messages = sc.decode({"r1_name": "a`b\x00c", "x`y": "1"})
    assert all("\x00" not in m.text for m in messages)
    assert "`x`y`" not in " ".join(m.text for m in messages)  # backticks cannot break out of the code span


def test_decode_on_top_of_a_preset_base():
    preset = load_presets()["fig2"]
    scene, messages = sc.decode({"r1_lr": "0.02"}, base=preset.scene)
    assert messages == []
    assert scene.runs[0].optimizer.lr == 0.02 and scene.runs[1:] == preset.scene.runs[1:]


# ------------------------------------------------------------------------------------------------ run list edits


def test_removing_a_run_shifts_the_later_runs_with_their_names_and_colours():
    preset = load_presets()["fig2"].scene
    scene = sc.replace_scene(preset, focus=4)
    smaller = sc.without_run(scene, 2)
    assert smaller.runs == scene.runs[:1] + scene.runs[2:]
    assert smaller.focus == 3
    state = sc.scene_to_state(smaller)
    assert state["runs"] == 5 and state["r2_b1"] == scene.runs[2].optimizer.beta1
    assert state["r2_c"] == scene.runs[2].color and "r6_lr" not in state


def test_new_run_copies_the_last_with_a_free_colour():
    scene = sc.Scene()
    run = sc.new_run(scene)
    assert run.optimizer == scene.runs[-1].optimizer and run.color == 2 and run.name == ""
    bigger = sc.with_run(scene, run)
    assert sc.encode(bigger)["runs"] == "3"


def test_run_labels_are_generated_and_disambiguated():
    scene = sc.with_run(sc.Scene(), sc.new_run(sc.Scene()))
    labels = [sc.run_label(r, k, scene.runs) for k, r in enumerate(scene.runs, 1)]
    assert labels[0] == "Adam η=0.01"
    assert labels[1].startswith("AdEMAMix η=0.01 β₃=0.9999 α=5") and labels[1] != labels[2]


def test_scrubber_stops_are_fine_early_and_end_at_the_last_step():
    stops = sc.scrubber_stops(100_000)
    assert stops[:101] == tuple(range(101)) and stops[-1] == 100_000 and len(stops) < 450
    assert sc.scrubber_stops(50) == tuple(range(51))


# ------------------------------------------------------------------------------------------------ flags


def test_flags():
    f = parse_flags({"lecture": ["1"], "hide": ["beta2,eps", "presets"]}, embedded=True)
    assert f.lecture and f.embedded and f.chrome_hidden
    assert f.hide == {"beta2", "eps", "presets"}
    assert not f.shows("presets")
    assert not f.shows_control(sc.RUN_CONTROL["b2"], "r1_b2")  # by field name
    assert f.shows_control(sc.RUN_CONTROL["b1"], "r1_b1")
    assert f.style.scale > 1
    assert not parse_flags({"lecture": ["false"]}).lecture
    assert len(parse_flags({"hide": [",".join(f"k{i}" for i in range(1000))]}).hide) == 64


def test_sections_list_every_hideable_section_and_nothing_else():
    """ui.flags.SECTIONS is what the pages and ui/ helpers ask ``Flags.shows`` about (as the README reference finds
    them), and asking about anything else is a bug."""
    from docs.url_reference import hide_sections

    assert set(SECTIONS) == set(hide_sections())
    f = parse_flags({"hide": ["view,sweep,exports"]})
    assert not f.shows("view") and not f.shows("sweep") and not f.shows("exports") and f.shows("runs")
    with pytest.raises(ValueError, match="unknown section"):
        f.shows("no-such-section")


def test_module_docstring_lists_every_url_key():
    doc = sc.__doc__
    for control in sc.RUN_CONTROLS:
        assert f"r{{k}}_{control.name}" in doc, control.name
    for control in sc.OBJECTIVE_CONTROLS + sc.SCENE_CONTROLS:
        assert f" {control.name} " in doc or f" {control.name}\n" in doc, control.name
    assert sc.RUNS_KEY in doc


# ------------------------------------------------------------------------------------------------ presets


def test_presets_load_and_validate():
    presets = load_presets()
    assert list(presets) == ["fig2", "fig18", "noise", "no-warmup"]
    for pid, preset in presets.items():
        assert (PRESET_DIR / f"{pid}.json").exists()
        assert preset.summary and "DRAFT" not in preset.summary
        assert preset.source.ours, "every preset says which numbers are ours"
        decoded, messages = sc.decode(sc.encode(preset.scene))
        assert messages == [] and _canonical(decoded) == _canonical(preset.scene)
        for cfg in preset.scene.run_configs():
            assert cfg.steps == preset.scene.steps


def test_fig2_uses_the_papers_stated_settings():
    s = load_presets()["fig2"].scene
    assert s.objective.name == "rosenbrock" and s.start == (-3.0, 5.0)
    adams = [r.optimizer for r in s.runs if r.optimizer.name == "adam"]
    mixes = [r.optimizer for r in s.runs if r.optimizer.name == "ademamix"]
    assert sorted(o.beta1 for o in adams) == [0.9, 0.99, 0.999, 0.9999] and {o.beta2 for o in adams} == {0.999}
    assert sorted(o.beta3 for o in mixes) == [0.999, 0.9999]
    assert {(o.beta1, o.beta2, o.alpha) for o in mixes} == {(0.9, 0.999, 9.0)}


def test_fig18_uses_the_trap_and_initial_momentum():
    s = load_presets()["fig18"].scene
    assert s.objective.name == "trap"
    adam, mix = (r.optimizer for r in s.runs[:2])
    assert adam.name == "adam" and adam.beta1 == 0.999 and adam.beta2 == 0.999 and adam.initial_m1 is not None
    assert mix.name == "ademamix" and (mix.beta1, mix.beta2, mix.beta3) == (0.9, 0.999, 0.999)
    assert mix.initial_m1 is not None and mix.initial_m2 is not None


def test_a_broken_preset_file_is_rejected(tmp_path):
    bad = tmp_path / "oops.json"
    bad.write_text('{"id": "oops", "title": "x", "reference": "r", "summary": "s", '
                   '"source": {"paper": [], "ours": []}, "scene": {"steps": -1}}')
    from presets import PresetError, load_preset_file

    with pytest.raises(PresetError, match="steps"):
        load_preset_file(bad)
    assert Preset.model_json_schema()["properties"]["scene"]


def test_half_life_helper():
    assert sc.half_life(0.9) == pytest.approx(math.log(0.5) / math.log(0.9) - 1)


def test_bounded_cache_evicts_by_entries_and_bytes():
    from ui.cache import BoundedCache

    cache = BoundedCache("t", max_entries=3, max_bytes=100, size_of=lambda v: v)
    for key, size in (("a", 10), ("b", 10), ("c", 10)):
        assert cache.get_or_compute(key, lambda s=size: s) == size
    cache.get_or_compute("a", lambda: 999)  # a hit refreshes "a"
    cache.get_or_compute("d", lambda: 10)  # over 3 entries: the least recently used ("b") goes
    assert cache.hits == 1 and len(cache) == 3
    assert cache.get_or_compute("b", lambda: 11) == 11  # recomputed
    cache.get_or_compute("big", lambda: 95)  # over 100 bytes: evicts old entries, keeps the newest
    assert cache.nbytes <= 100 and cache.get_or_compute("big", lambda: -1) == 95
