"""AdEMAMix Lab — entry point: page config, navigation over ``pages/``, shared flags, background warm-up.

Run with ``./lab.sh app`` (or ``streamlit run app.py``). To add a page, append a ``PageEntry`` to ``PAGES``.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.cache import start_background_warm_up
from ui.flags import apply_page_flags, read_flags
from ui.legacy import require_app_navigation

require_app_navigation()  # a fresh server's first run would otherwise use Streamlit's legacy pages/ mode


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/trajectories.py", "Trajectories", ":material/timeline:", "trajectories", default=True),
    PageEntry("pages/kernels.py", "EMA kernels", ":material/waterfall_chart:", "kernels"),
    PageEntry("pages/schedules.py", "Schedules", ":material/show_chart:", "schedules"),
    PageEntry("pages/sweeps.py", "Sweeps", ":material/grid_on:", "sweeps"),
)

flags = read_flags()
st.set_page_config(
    page_title="AdEMAMix Lab",
    page_icon=":material/ssid_chart:",
    layout="wide",
    initial_sidebar_state="collapsed" if flags.lecture else "auto",
)
apply_page_flags(flags)
page = st.navigation(
    [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default) for p in PAGES],
    position="hidden" if flags.chrome_hidden or len(PAGES) < 2 else "top",
)
page.run()
start_background_warm_up()  # after the first page is served: compiles the presets' programs meanwhile
