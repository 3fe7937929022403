"""Reusable helpers for AdEMAMix Lab tests: Streamlit servers, Playwright waits/checks, Plotly figure decoding.

Import from tests as ``from browser_support import ...`` (pytest.ini puts tests/ on sys.path).

Server:
    lab_env(), free_port(), streamlit_server(...)  (context manager; conftest's ``app_server`` fixture uses it)
Browser (Playwright, sync API):
    wait_for_app_idle(page), assert_no_error_elements(page), plotly_figure_data(page, index)
AppTest (streamlit.testing.v1):
    plotly_specs(at), decode_plotly(obj)
"""
from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

# Debian's chromium (apt-get install chromium); ./lab.sh test installs it. Playwright's own browser downloads are
# not used. The flags are those verified in docs/stack notes §1.7 for headless CI on 2 cores.
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
]

# Generous: the first session of a cold server imports JAX and compiles (≈6 s measured on 2 cores; CI is slower).
APP_IDLE_TIMEOUT_MS = 90_000

# Streamlit 1.67 test ids of error output (verified in chromium):
#   st.error(...)                  -> stAlert > stAlertContainer > stAlertContentError
#   st.exception(...) / uncaught   -> stException (+ stAlertContentError, stExceptionMessage)
#   (with client.showErrorDetails="none" an uncaught exception is still an stException with a redacted message)
#   st.warning(...)                -> stAlertContentWarning (not an error)
ERROR_TEST_IDS = ("stException", "stAlertContentError")


# --------------------------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------------------------


def lab_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a Streamlit server in tests: the same JAX settings as ``./lab.sh app`` and the Dockerfile."""
    env = dict(os.environ if base is None else base)
    env["JAX_PLATFORMS"] = "cpu"
    env.setdefault("JAX_COMPILATION_CACHE_DIR", str(REPO_ROOT / ".cache" / "jax"))
    env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1 (small race window; fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StreamlitServer:
    url: str  # base URL without trailing slash, e.g. "http://127.0.0.1:40123"
    process: subprocess.Popen
    log_path: Path

    def log(self, tail_chars: int = 8000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail_chars:]
        except OSError:
            return ""


def wait_for_health(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Poll ``<url>/_stcore/health`` until it answers 200 "ok"; raise if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    last_error: object = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"Streamlit exited with code {process.returncode} before becoming healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                body = resp.read().decode(errors="replace").strip()
                if resp.status == 200 and body == "ok":
                    return
                last_error = f"HTTP {resp.status} {body!r}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
        time.sleep(0.25)
    raise TimeoutError(f"{url}/_stcore/health not ok after {timeout:.0f} s (last: {last_error})")


@contextlib.contextmanager
def streamlit_server(
    argv: Sequence[str] | None = None,
    *,
    script: str = "app.py",
    cwd: Path | str = REPO_ROOT,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    extra_args: Sequence[str] = (),
    timeout: float = 60.0,
) -> Iterator[StreamlitServer]:
    """Start a Streamlit server, wait until healthy, yield it, then terminate it.

    By default runs ``<venv python> -m streamlit run <script> --server.port=<free> --server.address=127.0.0.1
    --server.headless=true --server.fileWatcherType=none`` in ``cwd`` (so ``cwd/.streamlit/config.toml`` applies).
    Pass ``argv`` to run an exact command line instead (``port``/``host`` then only say where to connect).
    Output goes to a log file whose tail is attached to any startup error.
    """
    port = free_port() if port is None else port
    if argv is None:
        argv = [
            sys.executable, "-m", "streamlit", "run", script,
            f"--server.port={port}", f"--server.address={host}",
            "--server.headless=true", "--server.fileWatcherType=none",
            *extra_args,
        ]
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{connect_host}:{port}"
    log_dir = Path(tempfile.mkdtemp(prefix="lab-streamlit-"))
    log_path = log_dir / "server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            list(argv), cwd=str(cwd), env=dict(lab_env() if env is None else env),
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = StreamlitServer(url=url, process=process, log_path=log_path)
    try:
        try:
            wait_for_health(url, process, timeout=timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}\ncommand: {list(argv)}\ncwd: {cwd}\n--- server log ---\n{server.log()}") from None
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


# --------------------------------------------------------------------------------------------------------------
# Browser (Playwright)
# --------------------------------------------------------------------------------------------------------------


def wait_for_app_idle(page: Any, *, rerun_expected: bool = False, timeout: float = APP_IDLE_TIMEOUT_MS) -> None:
    """Wait until the app is connected and its script has finished running (Streamlit's own e2e criterion).

    ``stApp``'s ``data-test-script-state`` is "initial" before the first run, "running" during a run and
    "notRunning" after it. After an interaction (click, key press, ...) pass ``rerun_expected=True``: the rerun may
    not have started yet, so first wait (up to 2 s) for the state to leave "notRunning". Prefer waiting for the
    concrete result you expect as well.
    """
    from playwright.sync_api import expect

    app = page.get_by_test_id("stApp")
    if rerun_expected:
        with contextlib.suppress(AssertionError):
            expect(app).not_to_have_attribute("data-test-script-state", "notRunning", timeout=2_000)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def error_elements_text(page: Any) -> list[str]:
    """Texts of all error elements on the page (empty list when there are none)."""
    selector = ", ".join(f'[data-testid="{tid}"]' for tid in ERROR_TEST_IDS)
    return page.evaluate(
        "sel => [...document.querySelectorAll(sel)].map(e => `${e.dataset.testid}: ${e.innerText.trim()}`)",
        selector,
    )


def assert_no_error_elements(page: Any) -> None:
    """Fail if the page shows an exception (``stException``) or an ``st.error`` box (``stAlertContentError``)."""
    errors = error_elements_text(page)
    assert not errors, "error elements on the page:\n" + "\n".join(errors)


def plotly_figure_data(page: Any, index: int = 0) -> list[dict[str, Any]]:
    """The traces (``gd.data``) of the ``index``-th rendered Plotly chart, NumPy arrays decoded.

    Streamlit sends NumPy arrays as ``{"dtype", "bdata"[, "shape"]}``; plotly.js keeps that object in ``gd.data``
    (plus ``_inputArray``), so the result is decoded with :func:`decode_plotly`.
    """
    data = page.evaluate(
        """i => {
            const plots = document.querySelectorAll('.js-plotly-plot');
            if (i >= plots.length) throw new Error(`only ${plots.length} plotly chart(s) on the page`);
            return plots[i].data;
        }""",
        index,
    )
    return decode_plotly(data)


def plotly_layout(page: Any, index: int = 0) -> dict[str, Any]:
    """The ``layout`` of the ``index``-th rendered Plotly chart as plotly.js holds it (``gd.layout``)."""
    return page.evaluate("i => document.querySelectorAll('.js-plotly-plot')[i].layout", index)


# --------------------------------------------------------------------------------------------------------------
# Plotly figure decoding (AppTest and browser)
# --------------------------------------------------------------------------------------------------------------


def _is_typed_array(obj: Any) -> bool:
    return isinstance(obj, dict) and "bdata" in obj and "dtype" in obj


def _decode_typed_array(obj: Mapping[str, Any]) -> np.ndarray:
    arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
    shape = obj.get("shape")
    if shape is not None:
        if isinstance(shape, str):  # Plotly writes "2, 3"
            shape = tuple(int(s) for s in shape.replace(" ", "").split(",") if s)
        arr = arr.reshape(tuple(shape))
    return arr.copy()  # writable, independent of the base64 buffer


def decode_plotly(obj: Any) -> Any:
    """Recursively replace Plotly typed arrays ``{"dtype","bdata"[,"shape"]}`` by NumPy arrays (2D via ``shape``)."""
    if _is_typed_array(obj):
        return _decode_typed_array(obj)
    if isinstance(obj, dict):
        return {k: decode_plotly(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode_plotly(v) for v in obj]
    return obj


def plotly_specs(at: Any) -> list[dict[str, Any]]:
    """Figures of all ``st.plotly_chart`` elements of an AppTest run, decoded: ``[{"data": [...], "layout": {...},
    ...}, ...]`` with NumPy arrays in place of typed arrays. The chart's ``config`` (``st.plotly_chart(config=)``) is
    added under the key ``"_config"``.

    AppTest does not model Plotly charts (they are ``UnknownElement``); the figure JSON is in ``el.proto.spec``.
    """
    import json

    figures = []
    for el in at.get("plotly_chart"):
        fig = decode_plotly(json.loads(el.proto.spec))
        fig["_config"] = json.loads(el.proto.config) if el.proto.config else {}
        figures.append(fig)
    return figures
