"""The shared run list and scene in session state: reading it, writing it, and the widget callbacks that edit it
(add/remove runs, presets, objective and steps changes, click-to-set-start).

Every page that shows the compared runs uses these, so a run keeps its settings, name and colour across pages.
Callbacks run before the page script (Streamlit's order), which is the only time widget keys may be rewritten.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import streamlit as st
from pydantic import ValidationError

from dynamics.config import ObjectiveConfig
from figures.common import MAX_RUNS

from . import scene as sc
from .cache import objective_cached
from .urlstate import apply_state

LAST_GOOD_OBJECTIVE = "_last_good_objective"
ACTIVE_PRESET = "_active_preset"


def write_scene(scene: sc.Scene) -> None:
    """Put ``scene`` into the widgets' session state (every managed key; stale runs removed)."""
    state = sc.scene_to_state(scene)
    apply_state(state, sc.managed_keys())
    st.session_state["_t_was_auto"] = scene.t is None


def session_state_dict() -> dict[str, Any]:
    ss = st.session_state
    return {k: ss[k] for k in sc.managed_keys() if k in ss}


def objective_problem(config: ObjectiveConfig) -> str | None:
    """Why the engine cannot build this objective (formula message, not implemented, …), or None."""
    try:
        objective_cached(config)
    except NotImplementedError:
        return f"the {sc.OBJECTIVE_LABELS.get(config.name, config.name)} surface is not available yet"
    except Exception as err:  # noqa: BLE001 — FormulaError and friends: their message is the explanation
        return sc.escape_markdown(str(err)) or type(err).__name__
    return None


def resolve_objective(state: Mapping[str, Any]) -> tuple[ObjectiveConfig, str | None]:
    """The objective to draw: the state's, or — if that one is invalid (bad formula, inverted range) — the last
    one that worked, with the reason. Remembers the last good objective in session state."""
    ss = st.session_state
    try:
        config = sc.state_to_objective(state)
        problem = objective_problem(config)
    except ValidationError as err:
        config, problem = None, sc.pydantic_reason(err)
    if problem is None:
        ss[LAST_GOOD_OBJECTIVE] = config
        return config, None
    last = ss.get(LAST_GOOD_OBJECTIVE)
    fallback = last if last is not None and objective_problem(last) is None else ObjectiveConfig()
    return fallback, problem


def scene_from_session() -> tuple[sc.Scene, str | None, list[sc.Message]]:
    """(scene, objective problem, messages) from the widgets' state. Never raises: an inconsistent state goes
    through the tolerant URL decoder, whose messages say what was replaced."""
    state = session_state_dict()
    objective, problem = resolve_objective(state)
    try:
        return sc.state_to_scene(state, objective=objective), problem, []
    except (ValidationError, ValueError, TypeError, KeyError):
        query = sc.state_as_query(state)
        scene, messages = sc.decode(query)
        scene = sc.replace_scene(scene, objective=objective, start=None) if scene.objective != objective else scene
        return scene, problem, messages


def decode_query(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[sc.Message]]:
    """Page decoder: ``?preset=<id>`` gives the base scene, the other keys override it; objectives the engine
    cannot build are replaced with a message. Returns the flat state for the widgets."""
    from presets import get_preset, load_presets

    messages: list[sc.Message] = []
    base = None
    ss = st.session_state
    if ("runs" in ss and ss.get("_url_page") not in (None, "trajectories")
            and not [k for k in query if k not in ("lecture", "hide")]):
        # Arriving from another page (Streamlit drops unbound URL parameters on a page switch): keep the shared
        # scene that page showed instead of resetting it to the defaults.
        return session_state_dict(), []
    ss.pop(ACTIVE_PRESET, None)
    if "preset" in query:
        raw = (query.get("preset") or [""])[-1]
        preset = get_preset(raw.strip())
        if preset is None:
            known = ", ".join(load_presets())
            messages.append(sc.Message("preset", f"`preset={sc.show_value(raw)}` ignored: unknown preset "
                                                 f"(known: {known})."))
        else:
            base = preset.scene
            ss[ACTIVE_PRESET] = preset.id
    scene, more = sc.decode(query, base)
    messages += more
    problem = objective_problem(scene.objective)
    if problem is not None:
        key = "expr" if scene.objective.name == "custom" else "obj"
        raw = scene.objective.expression if key == "expr" else scene.objective.name
        messages.append(sc.Message(key, f"`{key}={sc.show_value(raw)}` ignored: {problem}; using the default "
                                        f"surface."))
        fallback = ObjectiveConfig(name="custom") if key == "expr" else ObjectiveConfig()
        if objective_problem(fallback) is not None:
            fallback = ObjectiveConfig()
        scene = sc.replace_scene(scene, objective=fallback, start=None)
    ss["_t_was_auto"] = scene.t is None
    return sc.scene_to_state(scene), messages


# ------------------------------------------------------------------------------------------------ callbacks


def _current() -> sc.Scene:
    return scene_from_session()[0]


def add_run() -> None:
    scene = _current()
    if len(scene.runs) < MAX_RUNS:
        write_scene(sc.with_run(scene, sc.new_run(scene)))


def remove_run(k: int) -> None:
    scene = _current()
    if len(scene.runs) > 1 and 1 <= k <= len(scene.runs):
        write_scene(sc.without_run(scene, k))


def apply_preset(preset_id: str) -> None:
    from presets import get_preset

    preset = get_preset(preset_id)
    if preset is not None:
        write_scene(preset.scene)
        st.session_state[ACTIVE_PRESET] = preset.id
        st.session_state[LAST_GOOD_OBJECTIVE] = preset.scene.objective


def reset_scene() -> None:
    write_scene(sc.Scene())
    st.session_state.pop(ACTIVE_PRESET, None)


def on_objective_change() -> None:
    """A new surface: move the start to its default start."""
    ss = st.session_state
    state = session_state_dict()
    try:
        objective = sc.state_to_objective(state)
    except ValidationError:
        return
    ss["x0"], ss["y0"] = sc.default_start(objective)


def on_steps_change() -> None:
    """Keep the scrubber meaningful: follow the default position if it was there, else clamp."""
    ss = st.session_state
    steps = int(ss.get("steps", sc.Scene().steps))
    if ss.get("_t_was_auto", True) or int(ss.get("t", 0)) > steps:
        ss["t"] = sc.auto_t(steps)


def on_scrub() -> None:
    st.session_state["_t_was_auto"] = False


def round_to_view(value: float, span: float) -> float:
    """Round a clicked coordinate to about a hundredth of the view (clean numbers in the URL)."""
    step = 10.0 ** math.floor(math.log10(max(span, 1e-12) / 100.0))
    return float(f"{round(value / step) * step:.12g}")


def on_map_select(chart_key: str, view: tuple[tuple[float, float], tuple[float, float]]) -> None:
    """Set the start point from a click on the map (any point of the map's traces; the invisible grid covers the
    whole view)."""
    ss = st.session_state
    event = ss.get(chart_key)
    try:
        points = event.selection.points if event is not None else []
    except AttributeError:
        points = (event or {}).get("selection", {}).get("points", [])
    for p in points:
        x, y = p.get("x"), p.get("y")
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and math.isfinite(x) and math.isfinite(y):
            (x0, x1), (y0, y1) = view
            ss["x0"] = round_to_view(float(x), x1 - x0)
            ss["y0"] = round_to_view(float(y), y1 - y0)
            return
