"""Work around Streamlit's legacy ``pages/`` auto-discovery on a fresh server.

Streamlit decides once per process, when the first session starts, whether the app "uses the pages directory"
(``PagesManager.uses_pages_directory``: true whenever a ``pages/`` folder sits beside the entry point). Until some
script calls ``st.navigation``, that first run goes through the legacy multipage mechanism: a deep link such as
``/kernels`` then runs ``pages/kernels.py`` on its own, without ``app.py`` (no page config, legacy sidebar
navigation). Our pages live in ``pages/`` and are listed explicitly by ``st.navigation`` in ``app.py``; calling
``require_app_navigation()`` at the top of ``app.py`` and of every page turns the legacy mode off and reruns, so the
very first request is served through ``app.py`` like every later one.
"""
from __future__ import annotations

import streamlit as st


def require_app_navigation() -> None:
    """If this run is a legacy ``pages/`` run, switch to ``st.navigation`` mode and rerun (no-op otherwise)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
