"""Page-wide presentation flags read from the URL, shared by every page: embed, lecture, hide.

    ?embed=true            Streamlit's embed mode (no toolbar/padding); the app also hides its navigation.
    ?lecture=1             projector mode: navigation hidden, sidebar collapsed, larger fonts and figures.
    ?hide=beta2,eps,runs   controls or sections not rendered (values still come from the URL / presets).

``hide`` entries match a control's URL key (``r1_lr``), its short name (``lr``: every run), its model field name
(``beta2``) or a section name listed in ``SECTIONS``. Unknown entries are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from figures.common import DEFAULT_STYLE, Style

from .controls import FALSE_WORDS, TRUE_WORDS, Control

# Every section a page can hide: every name that pages/ and ui/ ask ``Flags.shows`` about (tests/test_ui_scene.py
# checks this against the code; the README's URL reference lists which page has which).
SECTIONS = ("presets", "surface", "length", "runs", "scrubber", "explanation", "status", "curves", "internals",
            "view", "sweep", "exports")
MAX_HIDE_ENTRIES = 64


@dataclass(frozen=True)
class Flags:
    embedded: bool = False
    lecture: bool = False
    hide: frozenset[str] = frozenset()

    @property
    def chrome_hidden(self) -> bool:
        """Navigation hidden (embedded or lecture)."""
        return self.embedded or self.lecture

    @property
    def style(self) -> Style:
        return DEFAULT_STYLE.lecture() if self.lecture else DEFAULT_STYLE

    def shows(self, section: str) -> bool:
        if section not in SECTIONS:  # a page asking about a section the URL reference does not list
            raise ValueError(f"unknown section {section!r}: add it to ui.flags.SECTIONS")
        return section not in self.hide

    def shows_control(self, control: Control, key: str | None = None) -> bool:
        names = {control.name, control.field, key or control.name}
        return not (names & self.hide)


def parse_flags(query: dict[str, list[str]] | None, embedded: bool = False) -> Flags:
    """Flags from query parameters (values as lists of strings, as ``st.query_params.get_all`` gives them)."""
    query = query or {}
    lecture_raw = (query.get("lecture") or [""])[-1].strip().lower()
    lecture = lecture_raw in TRUE_WORDS or (lecture_raw == "" and "lecture" in query)
    if lecture_raw in FALSE_WORDS:
        lecture = False
    hide: set[str] = set()
    for value in query.get("hide") or []:
        for part in value.split(","):
            part = part.strip()
            if part and len(hide) < MAX_HIDE_ENTRIES and len(part) <= 40:
                hide.add(part)
    return Flags(embedded=embedded, lecture=lecture, hide=frozenset(hide))


def read_flags() -> Flags:
    """The current session's flags (call from app.py or a page)."""
    query = {k: st.query_params.get_all(k) for k in ("lecture", "hide") if k in st.query_params}
    return parse_flags(query, embedded=bool(st.context.is_embedded))


LECTURE_CSS = """
<style>
  /* lecture mode: larger base text for projectors; charts scale through figures.common.Style */
  [data-testid="stAppViewContainer"] .stMarkdown p,
  [data-testid="stAppViewContainer"] .stMarkdown li { font-size: 1.18rem; }
  [data-testid="stAppViewContainer"] h1 { font-size: 2.4rem; }
  .katex { font-size: 1.25em; }
</style>
"""


def apply_page_flags(flags: Flags) -> None:
    """Page-level side effects of the flags (extra CSS in lecture mode)."""
    if flags.lecture:
        st.html(LECTURE_CSS)
