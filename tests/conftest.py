"""Shared pytest configuration for AdEMAMix Lab.

Policy: **no test may be skipped** (nor xfail). A skip usually means a missing dependency, and CI must not go green
without having run everything; so every skip/xfail is reported as a failure here (collection-time skips too).

Fixtures:
    clear_streamlit_caches  (autouse) st.cache_data / st.cache_resource cleared around every test
    app_server              (session) base URL of `streamlit run app.py` started like ./lab.sh app
    base_url                (session) = app_server, so Playwright's ``page.goto("/?embed=true")`` works
    browser_type_launch_args (session) Debian chromium for pytest-playwright's browser/page fixtures
Helpers live in tests/browser_support.py.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, streamlit_server

# Same runtime environment as ./lab.sh and the Dockerfile, also for in-process tests (AppTest, unit tests).
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(REPO_ROOT / ".cache" / "jax"))
os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"

# Run from the repo root so AppTest finds app.py, pages/ and .streamlit/config.toml.
os.chdir(REPO_ROOT)


# --------------------------------------------------------------------------------------------------------------
# No skips: every skipped or xfailed test is a failure.
# --------------------------------------------------------------------------------------------------------------


def _skip_reason(longrepr: object) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, lineno, "Skipped: reason")
        return f"{longrepr[2]} ({longrepr[0]}:{longrepr[1]})"
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    if report.skipped:
        if hasattr(report, "wasxfail"):
            why = f"test xfailed ({report.wasxfail or 'no reason'}); xfail is not allowed in this project"
            del report.wasxfail
        else:
            why = f"test skipped: {_skip_reason(report.longrepr)}; skips are not allowed in this project"
        report.outcome = "failed"
        report.longrepr = f"NOT ALLOWED — {why}. Fix the cause (e.g. install the dependency) instead of skipping."
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    report = yield
    if report.skipped:  # e.g. a module-level pytest.importorskip / pytest.skip(allow_module_level=True)
        report.outcome = "failed"
        report.longrepr = (
            f"NOT ALLOWED — {collector.nodeid or collector.name} skipped at collection: "
            f"{_skip_reason(report.longrepr)}. Skips are not allowed in this project."
        )
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Belt and braces: if anything still ended up "skipped" (another plugin), fail the session.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and session.exitstatus == 0:
        sys.stderr.write(f"\n{len(skipped)} test(s) were skipped; skips are not allowed: failing the run.\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # pytest exits 5 when nothing was collected; ./lab.sh test also turns 5 into a failure.


# --------------------------------------------------------------------------------------------------------------
# Streamlit
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """Clear ``st.cache_data`` and ``st.cache_resource`` before and after every test (caches are process-global, so
    AppTest runs would otherwise share them). Also shows full error details in AppTest (``at.exception``): the
    production config redacts them (``client.showErrorDetails = "none"``).

    Free for tests that never import Streamlit (nothing to clear then).
    """
    if "streamlit" not in sys.modules:
        yield
        return
    import streamlit as st
    from streamlit import config as st_config

    st_config.set_option("client.showErrorDetails", "full")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``, no trailing slash) of ``streamlit run app.py`` started from the repo
    root with ``--server.port=<free port> --server.address=127.0.0.1 --server.headless=true
    --server.fileWatcherType=none``, the repo's .streamlit/config.toml and ./lab.sh's JAX env. Full error details are
    shown (``--client.showErrorDetails=full``) so browser failures say what went wrong. Waits for
    ``/_stcore/health`` (60 s), terminates the server at the end of the session.
    """
    with streamlit_server(extra_args=["--client.showErrorDetails=full"]) as server:
        yield server.url
        if server.process.poll() is not None:
            raise RuntimeError(f"app server died during the session:\n{server.log()}")


@pytest.fixture(scope="session")
def base_url(app_server: str) -> str:
    """pytest-playwright's base URL: relative ``page.goto("/...")`` goes to :func:`app_server`."""
    return app_server


# --------------------------------------------------------------------------------------------------------------
# Playwright: Debian chromium (Playwright's browser downloads are not available here)
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} not found: run the tests with ./lab.sh test (it installs chromium), or "
            "`apt-get update && apt-get install -y chromium`."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session", autouse=True)
def _playwright_expect_timeout() -> None:
    """Playwright's default 5 s ``expect`` timeout is too short for a cold JAX server on 2 cores."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
