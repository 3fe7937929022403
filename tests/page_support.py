"""AppTest helpers for the page tests (kernels, schedules, sweeps)."""
from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from browser_support import REPO_ROOT, plotly_specs

TIMEOUT = 120


def run_page(page: str, query: dict[str, Any] | None = None, at: AppTest | None = None) -> AppTest:
    """Run ``app.py`` on ``pages/<page>.py`` with the given query string (values as str or list of str)."""
    if at is None:
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return plotly_specs(at)


def warnings(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def traces(fig: dict, **meta) -> list[dict]:
    return [tr for tr in fig["data"] if isinstance(tr.get("meta"), dict)
            and all(tr["meta"].get(k) == v for k, v in meta.items())]
