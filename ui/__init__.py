"""Streamlit-side infrastructure shared by every page of AdEMAMix Lab.

Pure modules (importable without a running Streamlit session; unit-testable):
    ui.fields      defaults/bounds/help from pydantic fields; log grids (``log_grid``, ``BETA_GRID``)
    ui.controls    ``Control``: one widget spec per model field (parse URL text with specific reasons, format)
    ui.scene       the Trajectories page's ``Scene`` model, control tables, URL codec (``encode``/``decode``),
                   flat widget state (``scene_to_state``/``state_to_scene``), run-list edits
    ui.cache       bounded process-wide caches: ``simulate_cached``, ``surface_cached``, ``objective_cached``,
                   warm-up of compiled programs

Streamlit modules:
    ui.flags       ``read_flags()`` → ``Flags`` (embed / lecture / hide) and lecture CSS
    ui.urlstate    ``sync_from_url`` / ``sync_to_url`` / ``url_messages``: URL ⇄ session state for any page
    ui.widgets     ``render(control, key)`` → the Streamlit widget; ``show_messages``; coloured run headings
    ui.runs        the shared run list in session state and its callbacks (add/remove run, presets, click-to-start)
"""
