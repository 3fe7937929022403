"""Trajectories: compare optimizers on a loss surface, look inside every step, share the view as a link.

Thin page: widgets come from ``ui`` (generated from the pydantic models), runs from ``ui.cache`` (the engine),
figures from ``figures`` (pure builders). No maths here.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

from figures.common import run_color
from figures.explain import explain_step
from figures.trajectories import RunView, curves_figure, internals_figure, map_figure, map_view, run_status
from presets import load_presets
from ui import exports
from ui import runs as ur
from ui import scene as sc
from ui import urlstate
from ui.cache import minimum_value, objective_cached, simulate_cached, surface_cached
from ui.flags import read_flags
from ui.widgets import chart, color_bar, render, show_messages, status_line

PAGE = "trajectories"
MAP_KEY = "map_click"

flags = read_flags()
style = flags.style
urlstate.sync_from_url(PAGE, ur.decode_query, sc.managed_keys())
urlstate.ensure_state(sc.scene_to_state(sc.Scene()) | {"runs": st.session_state.get("runs", 2)})
ss = st.session_state


def control(c, key=None, **kw):
    key = key or c.name
    if flags.shows_control(c, key):
        return render(c, key, **kw)
    return ss.get(key)


# ------------------------------------------------------------------------------------------------ sidebar
presets = load_presets()
with st.sidebar:
    if flags.shows("presets"):
        st.subheader("Presets")
        for p in presets.values():
            st.button(p.title, key=f"preset_{p.id}", on_click=ur.apply_preset, args=(p.id,),
                      help=f"{p.summary}\n\nLink: ?preset={p.id}", width="stretch")
        st.button("Reset to defaults", key="reset_scene", on_click=ur.reset_scene, type="tertiary",
                  icon=":material/restart_alt:")

    if flags.shows("surface"):
        st.subheader("Surface")
        available = sc.available_objectives()
        control(sc.GLOBAL_CONTROL["obj"], options=available, on_change=ur.on_objective_change)
        obj_name = ss.get("obj", "rosenbrock")
        params = [c for c in sc.OBJECTIVE_CONTROLS if c.name != "obj" and sc.objective_control_used(c, obj_name)]
        expr_slot = None
        for c in params:
            if c.name == "expr":
                control(c, help=c.help)
                expr_slot = st.empty()
            elif c.element is None:
                control(c)
        ranges = [c for c in params if c.element is not None]
        if ranges:
            cols = st.columns(2)
            for i, c in enumerate(ranges):
                with cols[i % 2]:
                    control(c)
        c1, c2 = st.columns(2)
        with c1:
            control(sc.GLOBAL_CONTROL["x0"])
        with c2:
            control(sc.GLOBAL_CONTROL["y0"])
        st.caption("Click anywhere on the map to start there.")

    if flags.shows("length"):
        st.subheader("Length and noise")
        control(sc.GLOBAL_CONTROL["steps"], on_change=ur.on_steps_change)
        control(sc.GLOBAL_CONTROL["sigma"])
        if ss.get("sigma", 0) > 0:
            control(sc.GLOBAL_CONTROL["seed"])

scene, objective_problem, state_messages = ur.scene_from_session()
with st.sidebar:
    if flags.shows("surface") and objective_problem:
        target = expr_slot if expr_slot is not None else st
        target.warning(f"{objective_problem}. Showing the last surface that worked.", icon="⚠️")

    if flags.shows("runs"):
        st.subheader("Runs")
        n = len(scene.runs)
        for k, run in enumerate(scene.runs, 1):
            label = sc.run_label(run, k, scene.runs)
            with st.expander(f"Run {k} · {label}", expanded=k <= 2 and n <= 3):
                st.html(color_bar(run_color(run.color)))
                opt = run.optimizer.name
                for c in sc.RUN_CONTROLS:
                    if c.advanced or not sc.control_used(c, opt):
                        continue
                    control(c, sc.run_key(k, c.name))
                advanced = [c for c in sc.RUN_CONTROLS if c.advanced and sc.control_used(c, opt)]
                with st.popover("Advanced", icon=":material/tune:", width="stretch"):
                    for c in advanced:
                        control(c, sc.run_key(k, c.name))
                st.button("Remove run", key=f"remove_run_{k}", on_click=ur.remove_run, args=(k,),
                          disabled=n <= 1, icon=":material/delete:", type="tertiary")
        st.button("Add run", key="add_run", on_click=ur.add_run, disabled=n >= sc.MAX_RUNS,
                  icon=":material/add:", width="stretch",
                  help="Adds a copy of the last run in the next free colour (up to 8 runs)")

# ------------------------------------------------------------------------------------------------ engine
trajs = [simulate_cached(cfg) for cfg in scene.run_configs()]
labels = [sc.run_label(r, k, scene.runs) for k, r in enumerate(scene.runs, 1)]
views = [RunView(traj, label, run_color(r.color), k) for k, (traj, label, r) in
         enumerate(zip(trajs, labels, scene.runs), 1)]
objective = objective_cached(scene.objective)
view = map_view(objective, trajs)
grid = surface_cached(scene.objective, *view)
f_star = minimum_value(scene.objective)
t = scene.resolved_t
focus = scene.resolved_focus

# ------------------------------------------------------------------------------------------------ main
encoded = sc.encode(scene)
if not flags.lecture:  # projector mode: every pixel for the map
    st.title("Trajectories", anchor=False)
show_messages(urlstate.url_messages(PAGE, encoded) + state_messages)
active = ss.get(ur.ACTIVE_PRESET)
if active in presets:
    p = presets[active]
    if sc.encode(p.scene) == encoded:
        st.caption(f"**Preset: {p.title}.** {p.summary.split('. ')[0]}.")
        with st.expander("What this preset shows, and which numbers are the paper's", icon=":material/info:"):
            st.markdown(f"*{p.reference}*\n\n{p.summary}")
            st.markdown("**From the paper:** " + ("; ".join(p.source.paper) or "nothing (our scene)"))
            st.markdown("**Our choices:** " + "; ".join(p.source.ours))
    else:
        st.caption(f"Modified from the preset “{p.title}”.")

left, right = st.columns([3, 2], gap="medium")
with left:
    st.latex(objective.latex)
    fig_map = map_figure(views, grid, objective, view=view, t=t, focus=focus - 1, style=style, f_star=f_star)
    chart(fig_map, MAP_KEY, on_select=partial(ur.on_map_select, MAP_KEY, view), selection_mode="points")
    if flags.shows("scrubber"):
        c1, c2 = st.columns([1, 3])
        with c1:
            render(sc.focus_control(scene), "focus", label="explain run")
        with c2:
            render(sc.scrubber_control(scene.steps), "t", label="step", on_change=ur.on_scrub)
with right:
    if flags.shows("status"):
        st.markdown("**Runs**")
        lines = []
        for v in views:
            status = run_status(v.traj)
            icon = {"converged": "✓", "diverged": "✕", "far": "…", "unknown": "·"}[status.kind]
            lines.append(status_line(v.color, v.label, status.text, icon))
        st.markdown("<br>".join(lines), unsafe_allow_html=True)
    if flags.shows("explanation"):
        fv = views[focus - 1]
        ex = explain_step(fv.traj, t)
        st.markdown(f"**Step {min(t, fv.traj.last_finite_step):,} of {fv.label}** · {ex.optimizer}")
        st.latex(ex.rule)
        if ex.filled:
            st.latex(ex.filled)
        for note in ex.notes:
            st.caption(note)
        st.caption("Arrows on the map start at θₜ₋₁: −g, −m̂₁ and −α·m₂ share one scale (directions and relative "
                   "sizes); Δθ has its own scale, given in the legend.")

if flags.shows("curves"):
    chart(curves_figure(views, t=t, style=style, f_star=f_star), "curves")
if flags.shows("internals"):
    chart(internals_figure(views, t=t, style=style), "internals")

exports.trajectories_panel(scene, views, fig_map, t=t, style=style, f_star=f_star, flags=flags)
ss["_t_was_auto"] = scene.t is None
urlstate.sync_to_url(PAGE, encoded)
