"""URL ⇄ session state for any page, driven by a page's codec (``decode``/``encode`` from its pydantic model).

Why not ``bind="query-params"`` on each widget: (1) values set by code on the first run (a ``?preset=`` link, a
value between slider stops) never reach a bound URL; (2) a bound widget silently drops a bad value *before* the page
could say what was wrong; (3) removing run 2 of 4 must shift every later run's parameters, and a preset must
replace all of them at once. Here the page's model is the single codec: widgets keep their values in
``st.session_state`` under their URL keys, the page encodes the validated state after each run, and
``st.query_params`` is rewritten only when that encoding changes (Streamlit pushes a browser-history entry, so
Back/Forward step through states; they are decoded again because the URL then differs from what we wrote).

Usage in a page (see pages/trajectories.py)::

    urlstate.sync_from_url("trajectories", decode_fn, managed_keys)   # before any widget
    ...widgets with key=<url key>...
    urlstate.sync_to_url("trajectories", encoded_dict)               # after the state is validated

Keys in ``PRESERVED`` (lecture, hide) are page-independent and carried over unchanged.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

import streamlit as st

PRESERVED = ("lecture", "hide")
Query = dict[str, list[str]]


def current_query() -> Query:
    """The URL's query parameters as lists of strings (repeated keys kept); embed/embed_options are invisible."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _last_key(page: str) -> str:
    return f"_url_written:{page}"


def needs_decode(page: str, query: Query) -> bool:
    """True on the page's first run in this session, or when the URL was changed from outside (Back/Forward)
    while staying on this page. After a page switch Streamlit clears unbound parameters: the page then keeps its
    session state and rewrites its URL instead of resetting to defaults."""
    ss = st.session_state
    last = ss.get(_last_key(page))
    if last is None:
        return True
    return ss.get("_url_page") == page and _strip(query) != _strip(last)


def _strip(query: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return {k: list(v) for k, v in query.items() if k not in PRESERVED}


def apply_state(state: Mapping[str, Any], managed: Iterable[str]) -> None:
    """Write a flat state into session state: keys in ``state`` are set, other ``managed`` keys are removed.
    Call before the widgets of this run are created (at the top of the page, or from a widget callback)."""
    ss = st.session_state
    for key in managed:
        if key in state:
            ss[key] = state[key]
        elif key in ss:
            del ss[key]


def ensure_state(defaults: Mapping[str, Any]) -> None:
    """Give every key without a value its default (e.g. after a page's state was partially cleared)."""
    ss = st.session_state
    for key, value in defaults.items():
        if key not in ss:
            ss[key] = value


def sync_from_url(page: str, decode: Callable[[Query], tuple[Mapping[str, Any], list]],
                  managed: Iterable[str]) -> bool:
    """Decode the URL into session state when needed (see ``needs_decode``); store decode messages for
    ``url_messages``. Returns True if it decoded."""
    query = current_query()
    if not needs_decode(page, query):
        st.session_state["_url_page"] = page
        return False
    state, messages = decode(query)
    apply_state(state, managed)
    st.session_state[f"_url_messages:{page}"] = (list(messages), None)
    st.session_state["_url_page"] = page
    return True


def sync_to_url(page: str, encoded: Mapping[str, str]) -> None:
    """Make the URL say ``encoded`` (plus the preserved keys); a no-op when it already does."""
    want: dict[str, list[str]] = {k: [v] for k, v in encoded.items()}
    query = current_query()
    for key in PRESERVED:
        if key in query:
            want[key] = query[key]
    if query != want:
        st.query_params.from_dict(want)
    st.session_state[_last_key(page)] = want
    st.session_state["_url_page"] = page
    msgs = st.session_state.get(f"_url_messages:{page}")
    if msgs is not None and msgs[1] is None:  # remember the state the messages belong to
        st.session_state[f"_url_messages:{page}"] = (msgs[0], dict(encoded))


def url_messages(page: str, encoded: Mapping[str, str]) -> list:
    """Decode messages of this page, as long as the state is still the one decoded from the URL (they disappear
    once the user changes something)."""
    msgs = st.session_state.get(f"_url_messages:{page}")
    if not msgs or not msgs[0]:
        return []
    messages, snapshot = msgs
    if snapshot is not None and dict(encoded) != snapshot:
        st.session_state[f"_url_messages:{page}"] = ([], None)
        return []
    return messages
