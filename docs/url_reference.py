"""Generate the README's reference sections from the code, so they cannot drift from it.

Three generated blocks of README.md, each between HTML-comment markers:

* ``surfaces``: the loss surfaces of the Trajectories page (``dynamics.objectives``: title, formula's purpose).
* ``url-reference``: every URL parameter of every page — from the control tables (``ui.scene``, ``ui.views``), which
  are derived from the pydantic models (``dynamics.config``, ``ui.scene.Scene``, the page views): key, widget label,
  field description, accepted values and bounds, default, and where it applies. The page-wide keys (``preset``,
  ``lecture``, ``hide``, ``embed``) list the preset ids and the ``hide`` section names found in the code.
* ``presets``: every preset (``presets/*.json``, ``presets/<page>/*.json``) with what it shows and which of its
  numbers are the paper's and which are ours.

    .venv/bin/python docs/url_reference.py            # print the blocks
    .venv/bin/python docs/url_reference.py --write    # rewrite them in README.md
    .venv/bin/python docs/url_reference.py --check    # exit 1 if README.md is out of date

``tests/test_readme.py`` fails when the README differs from what this script generates.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
BLOCKS = ("surfaces", "url-reference", "presets")


# ------------------------------------------------------------------------------------------------ helpers


def _cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _code(value: object) -> str:
    return f"`{value}`"


def pages() -> list[tuple[str, str, str]]:
    """(script, title, url path) of every page, read from ``app.PAGES`` without running Streamlit."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "PageEntry":
            script, title, _icon, url_path = (ast.literal_eval(a) for a in node.args[:4])
            out.append((script, title, url_path))
    return out


def page_titles() -> dict[str, str]:
    return {Path(script).stem: title for script, title, _ in pages()}


def page_url(page: str) -> str:
    for script, _title, url_path in pages():
        if Path(script).stem == page:
            return f"/{url_path}"
    raise KeyError(page)


def hide_sections() -> dict[str, list[str]]:
    """Section names a page can hide (``flags.shows("<name>")`` in pages/ and ui/) → the pages that have them."""
    titles = page_titles()
    view_pages = [titles[p] for p in ("kernels", "schedules", "sweeps")]
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.parent.name == "pages":
            where = [titles[path.stem]]
        elif path.stem == "pagekit":  # the plumbing of the three view pages
            where = view_pages
        else:
            where = list(titles.values())
        for name in re.findall(r"\.shows\(\s*[\"']([a-z_]+)[\"']\s*\)", text):
            found.setdefault(name, set()).update(where)
    order = list(titles.values())
    return {name: sorted(where, key=order.index) for name, where in sorted(found.items())}


def _is_integer(control) -> bool:
    return control.kind == "int" or (control.kind == "grid" and all(isinstance(v, int) for v in control.grid))


def _options(control) -> str:
    grid = list(control.grid)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in grid) and not control.labels:
        if grid == list(range(grid[0], grid[-1] + 1)):
            return f"`{grid[0]}` … `{grid[-1]}`"
    parts = []
    for v in grid:
        label = control.labels.get(v)
        parts.append(_code(v) if label is None or label == str(v) else f"{_code(v)} ({label})")
    return ", ".join(parts)


def _values(control, key: str) -> str:
    """What the URL accepts for this control."""
    if control.kind == "choice":
        return "one of " + _options(control)
    if control.kind == "bool":
        return "`true` / `false`"
    bounds = control.bounds
    if control.kind == "text":
        return f"text, at most {bounds.max_length:,} characters" if bounds.max_length else "text"
    kind = "integer" if _is_integer(control) else "number"
    text = kind
    if bounds.lo is not None or bounds.hi is not None:
        text += f", {bounds.describe(key)}"
    if control.kind == "grid" or control.slider:
        text += " (slider)"
    return text


def _default_text(control, value) -> str:
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    return _code(control.to_url(value))


def _meaning(control) -> str:
    """The field's description (the model's); for one component of a pair, the widget label too."""
    from ui.fields import description_of

    description = description_of(control.model, control.field)
    return f"{description}: {control.label}" if control.element is not None else description


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


# ------------------------------------------------------------------------------------------------ URL reference


def url_reference_markdown() -> str:
    from dynamics.config import OptimizerConfig
    from figures.common import MAX_RUNS
    from presets import load_presets
    from ui import scene as sc
    from ui.controls import FALSE_WORDS, TRUE_WORDS
    from ui.views import VIEW_CONTROLS, load_page_presets

    titles = page_titles()
    optimizers = sc.OPTIMIZER_NAMES
    out: list[str] = []

    # ---- the scene: surface, start, length, noise, scrubber (every page)
    out += ["#### The scene: surface (every page)", ""]
    rows = []
    for c in sc.OBJECTIVE_CONTROLS:
        if c.name == "obj":
            where = "every surface"
        else:
            where = ", ".join(_code(f"obj={name}") for name, fields in sc.OBJECTIVE_PARAMS.items()
                              if c.field in fields)
        rows.append([_code(c.name), _meaning(c), _values(c, c.name), _default_text(c, c.model_default), where])
    out += _table(["key", "meaning", "values", "default", "used by"], rows)
    out += ["", "#### The scene: start, length, noise, runs, scrubber (every page)", ""]
    rows = [[_code(c.name), _meaning(c), _values(c, c.name), _default_text(c, c.model_default)]
            for c in sc.SCENE_CONTROLS]
    runs_field = sc.Scene.model_fields["runs"]
    rows.append([_code(sc.RUNS_KEY), f"Number of runs: {runs_field.description}",
                 f"integer, 1 ≤ {sc.RUNS_KEY} ≤ {MAX_RUNS}", _code(len(sc.DEFAULT_RUNS))])
    out += _table(["key", "meaning", "values", "default"], rows)

    # ---- the runs
    out += ["", f"#### Runs: `r1_…` to `r{MAX_RUNS}_…` (every page)", ""]
    rows = []
    for c in sc.RUN_CONTROLS:
        defaults = []
        for k in range(1, MAX_RUNS + 1):
            spec = sc.slot_default(k)
            src = spec.optimizer if c.model is OptimizerConfig else spec
            value = getattr(src, c.field)
            if c.element is not None:
                value = None if value is None else value[c.element]
            defaults.append(_default_text(c, value))
        if len(set(defaults)) == 1:
            default = defaults[0]
        elif len(set(defaults[1:])) == 1:
            default = f"{defaults[0]} (run 1), {defaults[1]} (runs 2–{MAX_RUNS})"
        elif defaults == [_default_text(c, k - 1) for k in range(1, MAX_RUNS + 1)]:
            default = "`k − 1` (run k)"
        else:
            default = ", ".join(f"{d} (run {k})" for k, d in enumerate(defaults, 1))
        used = [name for name in optimizers if sc.control_used(c, name)]
        where = "every optimizer" if len(used) == len(optimizers) else ", ".join(_code(n) for n in used)
        key = f"r{{k}}_{c.name}"
        rows.append([_code(key), _meaning(c), _values(c, key), default, where])
    out += _table(["key", "meaning", "values", "default", "used by"], rows)

    # ---- the page views
    for page, controls in VIEW_CONTROLS.items():
        out += ["", f"#### {titles[page]} view (`{page_url(page)}` only)", ""]
        rows = [[_code(c.name), _meaning(c), _values(c, c.name), _default_text(c, c.model_default)]
                for c in controls]
        out += _table(["key", "meaning", "values", "default"], rows)

    # ---- page-wide keys
    preset_ids = [f"{titles['trajectories']}: " + ", ".join(_code(p) for p in load_presets())]
    for page in VIEW_CONTROLS:
        preset_ids.append(f"{titles[page]}: " + ", ".join(_code(p) for p in load_page_presets(page)))
    by_pages: dict[tuple[str, ...], list[str]] = {}
    for name, where in hide_sections().items():
        by_pages.setdefault(tuple(where), []).append(_code(name))
    every = tuple(titles.values())
    section_text = "; ".join(
        f"{'every page' if where == every else ' and '.join(where)}: {', '.join(names)}"
        for where, names in sorted(by_pages.items(), key=lambda kv: (kv[0] != every, -len(kv[0]), kv[0])))
    true_words = "/".join(sorted(TRUE_WORDS, key=lambda w: (len(w), w)))
    false_words = "/".join(sorted(FALSE_WORDS, key=lambda w: (len(w), w)))
    out += ["", "#### Every page: presets and presentation", ""]
    rows = [
        [_code("preset"), "start from a preset; the other keys in the URL change it",
         "a preset id of this page (" + "; ".join(preset_ids) + "). On EMA kernels, Schedules and Sweeps a "
         "Trajectories id loads that preset's scene"],
        [_code("lecture"), "lecture mode: larger fonts and lines, navigation hidden, sidebar collapsed",
         f"{true_words} (on; `?lecture` alone too) or {false_words} (off)"],
        [_code("hide"), "controls or sections not shown (their values still come from the URL or the preset)",
         "comma-separated: URL keys (`r1_lr`), keys without the run (`lr`: every run), field names (`beta2`), "
         "or sections: " + section_text],
        [_code("embed"), "Streamlit's embed mode: no toolbar, padding or navigation", "`true`"],
    ]
    out += _table(["key", "meaning", "values"], rows)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ surfaces


def surfaces_markdown() -> str:
    from dynamics.config import ObjectiveConfig
    from dynamics.objectives import available_objectives, get_objective
    from ui import scene as sc

    rows = []
    for name, title in available_objectives().items():
        objective = get_objective(ObjectiveConfig(name=name))
        params = ", ".join(_code(c.name) for c in sc.OBJECTIVE_CONTROLS
                           if c.name != "obj" and sc.objective_control_used(c, name))
        rows.append([_code(name), title, objective.description, params or "none"])
    return "\n".join(_table(["`obj=`", "surface", "what it shows", "parameters"], rows))


# ------------------------------------------------------------------------------------------------ presets


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])\s+(?=[A-Z])", text)
    return match.group(1) if match else text


def presets_markdown() -> str:
    from presets import load_presets
    from ui.views import VIEW_MODELS, load_page_presets

    titles = page_titles()
    groups = [("trajectories", list(load_presets().values()))]
    groups += [(page, list(load_page_presets(page).values())) for page in VIEW_MODELS]
    out: list[str] = []
    for page, presets in groups:
        out += [f"**{titles[page]}** (`{page_url(page)}?preset=<id>`)", ""]
        for p in presets:
            out.append(f"- `{p.id}`: **{p.title}.** {_first_sentence(p.summary)} *{p.reference}.*")
            out.append("  - From the paper: " + ("; ".join(p.source.paper) or "nothing (our scene)") + ".")
            out.append("  - Ours: " + ("; ".join(p.source.ours) or "nothing") + ".")
        out.append("")
    return "\n".join(out).rstrip()


# ------------------------------------------------------------------------------------------------ README blocks


GENERATORS = {"surfaces": surfaces_markdown, "url-reference": url_reference_markdown, "presets": presets_markdown}


def markers(name: str) -> tuple[str, str]:
    return (f"<!-- {name}:start (generated by docs/url_reference.py; edit the code, then run it with --write) -->",
            f"<!-- {name}:end -->")


def block(name: str) -> str:
    """The whole generated block, markers included."""
    start, end = markers(name)
    return f"{start}\n{GENERATORS[name]()}\n{end}"


def replace_block(text: str, name: str, new_block: str) -> str:
    start, end = markers(name)
    pattern = re.compile(re.escape(start.split(" (")[0]) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md has no {name} block (markers {start!r} … {end!r})")
    return pattern.sub(lambda _m: new_block, text, count=1)


def updated_readme(text: str) -> str:
    for name in BLOCKS:
        text = replace_block(text, name, block(name))
    return text


def main(argv: list[str]) -> int:
    if "--write" in argv or "--check" in argv:
        text = README.read_text(encoding="utf-8")
        new = updated_readme(text)
        if "--check" in argv:
            if new != text:
                print("README.md is out of date: run .venv/bin/python docs/url_reference.py --write",
                      file=sys.stderr)
                return 1
            return 0
        if new != text:
            README.write_text(new, encoding="utf-8")
            print("README.md updated")
        else:
            print("README.md already up to date")
        return 0
    for name in BLOCKS:
        print(block(name), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
