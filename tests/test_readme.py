"""The README says only what is true of the code: its generated sections match the code, its two commands are what
lab.sh and CI run, its links, images and file map point at files that exist, its benchmark rows are the measured
ones, and the architecture rules it states hold."""
from __future__ import annotations

import ast
import difflib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
FIX = "run .venv/bin/python docs/url_reference.py --write"


def _url_reference_module():
    spec = importlib.util.spec_from_file_location("url_reference", ROOT / "docs" / "url_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(title: str) -> str:
    """The text of the README's ``## title`` section (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def code_blocks(text: str, lang: str = "") -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


# ------------------------------------------------------------------------------------------------ (a) generated


@pytest.mark.parametrize("name", ["surfaces", "url-reference", "presets"])
def test_generated_section_matches_the_code(name):
    ref = _url_reference_module()
    want = ref.block(name)
    start, end = ref.markers(name)
    assert start in README and end in README, f"README.md lost the markers of the {name} section; {FIX}"
    have = README[README.index(start): README.index(end) + len(end)]
    if have != want:
        diff = "\n".join(difflib.unified_diff(have.splitlines(), want.splitlines(), "README.md", "generated",
                                              lineterm="", n=1))
        pytest.fail(f"README.md's {name} section is out of date: {FIX}\n{diff[:4000]}")


def test_url_reference_lists_every_url_key():
    from ui import scene as sc
    from ui.views import VIEW_CONTROLS

    ref = _url_reference_module().url_reference_markdown()
    keys = [c.name for c in sc.OBJECTIVE_CONTROLS + sc.SCENE_CONTROLS] + [sc.RUNS_KEY]
    keys += [f"r{{k}}_{c.name}" for c in sc.RUN_CONTROLS]
    keys += [c.name for controls in VIEW_CONTROLS.values() for c in controls]
    keys += ["preset", "lecture", "hide", "embed"]
    missing = [k for k in keys if f"| `{k}` |" not in ref]
    assert not missing, f"keys missing from the URL reference: {missing}"


# ------------------------------------------------------------------------------------------------ (b) the two commands


def test_quick_start_commands_are_what_lab_sh_and_ci_run():
    blocks = code_blocks(section("Quick start"), "bash")
    assert blocks, "Quick start has no bash block"
    commands = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.split("#")[0].strip()]
    assert commands == ["./lab.sh app", "./lab.sh test"], commands

    lab = (ROOT / "lab.sh").read_text(encoding="utf-8")
    for sub in ("app", "test"):
        assert re.search(rf"^\s+{sub}\)\s*$", lab, re.M), f"lab.sh has no '{sub})' command"
    usage = subprocess.run(["bash", str(ROOT / "lab.sh"), "--help"], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 0, usage.stderr
    for command in commands:
        assert command in usage.stdout, f"`./lab.sh --help` does not document {command!r}"

    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    runs = [line for line in ci if line.startswith("./lab.sh")]
    assert runs == ['./lab.sh test "$@"'], f".ci/run must run exactly the README's test command; it runs {runs}"
    assert "CI runs exactly this via `bash .ci/run`" in README


# ------------------------------------------------------------------------------------------------ (c) links and files


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _links() -> list[str]:
    text = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)  # code blocks hold no links
    targets = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)
    targets += re.findall(r"<img[^>]*\ssrc=\"([^\"]+)\"", text)
    return targets


def test_relative_links_and_images_exist():
    anchors = {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", README, flags=re.M | re.S),
                                              re.M)}
    problems = []
    for target in _links():
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        if not path:
            if fragment not in anchors:
                problems.append(f"#{fragment}: no such heading")
            continue
        if not (README_PATH.parent / path).exists():
            problems.append(f"{target}: no such file")
    assert not problems, "broken links in README.md:\n" + "\n".join(problems)
    assert any(t.endswith(".png") for t in _links()), "README.md shows no screenshot"


def test_screenshots_are_referenced_small_and_complete():
    from PIL import Image

    from bench.screenshots import MAX_BYTES, OUT, SHOTS, VIEWPORT

    files = sorted(OUT.glob("*.png"))
    assert {p.stem for p in files} == {s.name for s in SHOTS}, "docs/screenshots/ differs from bench/screenshots.py"
    linked = set(_links())
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        assert rel in linked, f"{rel} is not shown in README.md"
        assert path.stat().st_size <= MAX_BYTES, f"{rel}: {path.stat().st_size:,} bytes"
        with Image.open(path) as image:
            assert image.size == (VIEWPORT["width"], VIEWPORT["height"]), (rel, image.size)


def _file_map() -> list[str]:
    blocks = [b for b in code_blocks(section("Architecture")) if "app.py" in b]
    assert len(blocks) == 1, "Architecture needs exactly one file map block"
    paths = []
    for line in blocks[0].splitlines():
        names = re.split(r"\s{2,}", line.strip())[0]
        first, *more = [n.strip() for n in names.split(",")]
        paths.append(first)
        parent = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
        paths += [parent + n for n in more]
    return paths


def test_file_map_paths_exist_and_cover_the_code():
    paths = _file_map()
    missing = [p for p in paths if not (ROOT / p.rstrip("/")).exists()]
    assert not missing, f"the file map names paths that do not exist: {missing}"
    covered = set(paths)
    for folder in ("pages", "figures", "ui", "dynamics"):
        for py in sorted((ROOT / folder).glob("*.py")):
            rel = py.relative_to(ROOT).as_posix()
            if py.name != "__init__.py":
                assert rel in covered, f"{rel} is missing from the README's file map"
    for top in ("presets/", "bench/", "docs/url_reference.py", "docs/screenshots/", "tests/", "app.py", "lab.sh"):
        assert top in covered, f"{top} is missing from the README's file map"


# ------------------------------------------------------------------------------------------------ performance


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("|---")]


def test_performance_rows_are_the_measured_ones():
    perf = section("Performance")
    engine = _table_rows((ROOT / "bench" / "results.md").read_text(encoding="utf-8"))
    assert engine and all(row in perf for row in engine), \
        "the README's engine table differs from bench/results.md: copy the table from there"
    measured = set()
    for name in ("results.md", "trajectories_timings.md", "page_timings.md"):
        measured |= set(_table_rows((ROOT / "bench" / name).read_text(encoding="utf-8")))
    stale = [row for row in _table_rows(perf) if row not in measured]
    assert not stale, "README rows not found in bench/*.md (re-copy them after a bench run):\n" + "\n".join(stale)
    for script in ("bench.engine_bench", "bench.trajectories_bench", "bench.page_bench"):
        assert f"-m {script}" in perf and (ROOT / (script.replace(".", "/") + ".py")).exists(), script


# ------------------------------------------------------------------------------------------------ architecture rules


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def test_dynamics_imports_only_jax_numpy_pydantic():
    allowed = {"jax", "jaxlib", "numpy", "pydantic", "dynamics"} | set(sys.stdlib_module_names)
    for path in sorted((ROOT / "dynamics").glob("*.py")):
        extra = _imports(path) - allowed
        assert not extra, f"{path.relative_to(ROOT)} imports {sorted(extra)} (dynamics/: JAX, NumPy, pydantic only)"


def test_figures_do_not_import_streamlit():
    for path in sorted((ROOT / "figures").glob("*.py")):
        assert "streamlit" not in _imports(path), f"{path.relative_to(ROOT)} imports streamlit"


def test_no_eval_or_exec_anywhere_in_the_app():
    files = [ROOT / "app.py"] + [p for d in ("dynamics", "figures", "ui", "pages", "presets")
                                 for p in sorted((ROOT / d).glob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
                pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno} calls {node.func.id}()")
