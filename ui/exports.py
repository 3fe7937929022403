"""Charts and exports on every page: the shared chart config (PNG/SVG camera button), standalone HTML figures,
data as CSV/JSON, the exact config as JSON, and a config upload that restores the view after validation.

    exports.chart(fig, key="kernel", name="kernels-t10000")             # every chart goes through this
    exports.panel(page, figures={...}, data={...}, config=model, restore=fn)   # the "Export & share" block

Everything heavy (the 4.8 MB HTML files, CSV of 10⁵-step trajectories) is produced only when its download button is
clicked (Streamlit runs the callable then), so the page itself never pays for exports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import streamlit as st
from pydantic import BaseModel

from figures.export import (
    ConfigUploadError,
    chart_config,
    config_document,
    data_document,
    figure_html,
    parse_config_document,
    safe_filename,
    tables_to_csv,
    trajectory_table,
)

IMAGE_FORMAT_KEY = "img_format"
IMAGE_FORMATS = {"png": "PNG", "svg": "SVG"}


def image_format() -> str:
    """The camera button's format (a per-session preference, default PNG)."""
    value = st.session_state.get(IMAGE_FORMAT_KEY, "png")
    return value if value in IMAGE_FORMATS else "png"


def chart_config_for(name: str) -> dict[str, Any]:
    """The shared chart config (``figures.export.chart_config``) with this session's image format."""
    return chart_config(f"ademamix-lab-{name}", image_format())


def chart(fig: Any, *, key: str, name: str, **kwargs: Any) -> Any:
    """A chart with the app's chart config (``ui.widgets.chart``): the camera button saves ``<name>.png|svg`` at
    2×, no Plotly logo or cloud button. Extra keyword arguments (``on_select``, ``selection_mode``, …) pass
    through."""
    from .widgets import chart as widget_chart

    return widget_chart(fig, key, name=name, **kwargs)


@dataclass(frozen=True)
class FigureExport:
    """A figure offered as standalone HTML; ``build`` is called only when the download is clicked."""

    title: str
    build: Callable[[], Any]


@dataclass(frozen=True)
class DataExport:
    """Result tables offered as CSV and JSON: ``tables()`` → {label: {column: array}} (one table per run, …)."""

    title: str
    kind: str
    tables: Callable[[], Mapping[str, Mapping[str, Any]]]
    key: str = "run"  # the CSV column that tells the tables apart
    extra: Callable[[], Mapping[str, Any]] | None = None


def _messages_key(page: str) -> str:
    return f"_upload_message:{page}"


def _on_upload(page: str, uploader_key: str, model: type[BaseModel], restore: Callable[[BaseModel], None]) -> None:
    """Upload callback (runs before the page script, so it may rewrite widget state)."""
    ss = st.session_state
    uploaded = ss.get(uploader_key)
    if uploaded is None:
        return
    name = getattr(uploaded, "name", "file")
    try:
        config = parse_config_document(uploaded.getvalue(), model, page=page)
    except ConfigUploadError as err:
        ss[_messages_key(page)] = ("error", f"**{name}** was not loaded: {err} Nothing was changed.")
        return
    restore(config)
    ss[_messages_key(page)] = ("success", f"Restored the view from **{name}**.")


def show_upload_message(page: str) -> None:
    """The outcome of the last config upload on this page (shown once)."""
    message = st.session_state.pop(_messages_key(page), None)
    if message is None:
        return
    kind, text = message
    if kind == "error":
        st.error(text, icon=":material/error:")
    else:
        st.success(text, icon=":material/check_circle:")


def panel(page: str, *, figures: Mapping[str, FigureExport], data: Mapping[str, DataExport],
          config: BaseModel, restore: Callable[[BaseModel], None], lecture: bool = False) -> None:
    """The "Export & share" block: HTML per figure, data as CSV/JSON, the config as JSON, and a config upload.

    ``config`` is the page's exact, validated config (its pydantic model is also the upload's schema);
    ``restore(config)`` writes an uploaded config into the page's widget state.
    """
    model = type(config)
    stem = f"ademamix-lab-{page}"
    with st.expander("Export & share", icon=":material/download:", expanded=False):
        c1, c2, c3 = st.columns(3, gap="medium")
        with c1:
            st.markdown("**Figures** · interactive HTML, works offline")
            for name, fx in figures.items():
                st.download_button(
                    f"{fx.title} (.html)", data=_html_builder(fx, config, page, name), key=f"dl_html_{page}_{name}",
                    file_name=f"{stem}-{safe_filename(name)}.html", mime="text/html", on_click="ignore",
                    icon=":material/bar_chart:", width="stretch")
            st.radio("Chart camera button saves", list(IMAGE_FORMATS), key=IMAGE_FORMAT_KEY, horizontal=True,
                     persist_state="session",
                     format_func=IMAGE_FORMATS.get, help="PNG or SVG at 2× scale, from the camera icon in each "
                     "chart's toolbar")
        with c2:
            st.markdown("**Data** · every number, CSV or JSON")
            for name, dx in data.items():
                a, b = st.columns(2)
                with a:
                    st.download_button(
                        f"{dx.title} .csv", data=_csv_builder(dx, config, page), key=f"dl_csv_{page}_{name}",
                        file_name=f"{stem}-{safe_filename(name)}.csv", mime="text/csv", on_click="ignore",
                        icon=":material/table:", width="stretch")
                with b:
                    st.download_button(
                        f"{dx.title} .json", data=_json_builder(dx, config, page), key=f"dl_json_{page}_{name}",
                        file_name=f"{stem}-{safe_filename(name)}.json", mime="application/json",
                        on_click="ignore", icon=":material/data_object:", width="stretch")
        with c3:
            st.markdown("**Config** · the exact view, to reload later")
            st.download_button(
                "Config (.json)", data=config_document(config, page=page), key=f"dl_config_{page}",
                file_name=f"{stem}-config.json", mime="application/json", on_click="ignore",
                icon=":material/settings:", width="stretch")
            uploader_key = f"upload_config_{page}"
            st.file_uploader("Restore a config", type=["json"], key=uploader_key,
                             on_change=_on_upload, args=(page, uploader_key, model, restore),
                             help="A config file downloaded from this page: it is validated first; a bad file "
                                  "changes nothing")
    show_upload_message(page)


def _html_builder(fx: FigureExport, config: BaseModel, page: str, name: str) -> Callable[[], str]:
    def build() -> str:
        return figure_html(fx.build(), title=fx.title, config=config, page=page, filename=name,
                           image_format=image_format())
    return build


def _comments(config: BaseModel, page: str) -> list[str]:
    from figures.export import APP_NAME, app_version

    return [f"{APP_NAME} {app_version()} · page {page}", "config: " + config.model_dump_json()]


def _csv_builder(dx: DataExport, config: BaseModel, page: str) -> Callable[[], str]:
    def build() -> str:
        return tables_to_csv(dx.tables(), comments=_comments(config, page), key=dx.key)
    return build


def _json_builder(dx: DataExport, config: BaseModel, page: str) -> Callable[[], str]:
    def build() -> str:
        return data_document(dx.kind, dx.tables(), config=config, page=page,
                             extra=dx.extra() if dx.extra else None)
    return build


# ------------------------------------------------------------------------------------------------ Trajectories


def trajectories_panel(scene: Any, views: Any, fig_map: Any, *, t: int, style: Any, f_star: float | None,
                       flags: Any) -> None:
    """Export block of the Trajectories page (one call from pages/trajectories.py): the map, the curves and the
    internals as HTML, every recorded quantity of every run as CSV/JSON, the scene as a config document; an uploaded
    scene restores the page."""
    if not flags.shows("exports"):
        return
    from figures.trajectories import curves_figure, internals_figure
    from ui import runs as ur

    def restore(config: BaseModel) -> None:
        ur.write_scene(config)  # type: ignore[arg-type]
        st.session_state.pop(ur.ACTIVE_PRESET, None)

    figs = {
        "map": FigureExport("Map", lambda: fig_map),
        "curves": FigureExport("Distance and loss", lambda: curves_figure(views, t=t, style=style, f_star=f_star)),
        "internals": FigureExport("Internals", lambda: internals_figure(views, t=t, style=style)),
    }
    data = {"trajectories": DataExport(
        "Trajectories", "trajectories", lambda: {v.label: trajectory_table(v.traj) for v in views}, key="run",
        extra=lambda: {"runs": [{"label": v.label, "color": v.color, "config": v.traj.config.model_dump(mode="json"),
                                 "diverged_at": v.traj.diverged_at} for v in views]})}
    panel("trajectories", figures=figs, data=data, config=scene, restore=restore, lecture=flags.lecture)
