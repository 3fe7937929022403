"""Command-line export of AdEMAMix Lab figures, for slides without a browser.

    python -m figures --list                                   presets and the figures each one makes
    python -m figures --preset fig2 --out fig2.html            interactive, self-contained HTML (works offline)
    python -m figures --preset fig2 --figure curves --out c.html
    python -m figures --preset fig3a --out fig3a.csv           the figure's data (also --format json)
    python -m figures --preset kernels/warmup --lecture --out warmup.html
    python -m figures --config ademamix-lab-sweeps-config.json --out sweep.html   a config downloaded from a page

A preset is a Trajectories preset (``presets/*.json``) or a page preset (``presets/<page>/*.json``); when an id
exists on several pages, qualify it (``kernels/warmup``). ``--format`` defaults to the extension of ``--out``
(html, json, csv); ``--out -`` writes JSON/CSV to stdout. The HTML embeds plotly.js, the config and the app
version, and loads nothing from the network. PNG/SVG: open the HTML and use the camera button (no Chrome needed).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


def _presets() -> dict[str, tuple[str, Any]]:
    """Every preset by qualified id (``page/id``) → (page, config model)."""
    from presets import load_presets
    from ui import scene as sc
    from ui.views import PAGE_MODELS, VIEW_MODELS, load_page_presets

    out: dict[str, tuple[str, Any]] = {}
    for pid, preset in load_presets().items():
        out[f"trajectories/{pid}"] = ("trajectories", preset.scene)
    for page in VIEW_MODELS:
        for pid, preset in load_page_presets(page).items():
            scene = preset.scene if preset.scene is not None else sc.Scene()
            out[f"{page}/{pid}"] = (page, PAGE_MODELS[page](scene=scene, view=preset.view_model))
    return out


def _titles() -> dict[str, str]:
    from presets import load_presets
    from ui.views import VIEW_MODELS, load_page_presets

    titles = {f"trajectories/{pid}": p.title for pid, p in load_presets().items()}
    for page in VIEW_MODELS:
        titles |= {f"{page}/{pid}": p.title for pid, p in load_page_presets(page).items()}
    return titles


def resolve_preset(name: str) -> tuple[str, str, Any]:
    """(qualified id, page, config) of a preset name, qualified or not (raises ValueError with the candidates)."""
    presets = _presets()
    if name in presets:
        return (name, *presets[name])
    matches = [q for q in presets if q.split("/", 1)[1] == name]
    if len(matches) == 1:
        return (matches[0], *presets[matches[0]])
    if matches:
        raise ValueError(f"preset {name!r} exists on several pages: {', '.join(matches)} — use one of these")
    raise ValueError(f"unknown preset {name!r}; run `python -m figures --list` (known: "
                     f"{', '.join(q.split('/', 1)[1] for q in presets)})")


def load_config(path: str) -> tuple[str, Any]:
    """(page, config) from a config document downloaded from any page (validated like an upload)."""
    import json

    from figures.export import ConfigUploadError, config_document_from_html, parse_config_document
    from ui.scene import Scene
    from ui.views import PAGE_MODELS

    raw = Path(path).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        raw = config_document_from_html(text).encode()
    try:
        page = json.loads(raw).get("page")
    except (ValueError, AttributeError):
        page = None
    models = {"trajectories": Scene, **PAGE_MODELS}
    if page not in models:
        raise ConfigUploadError(f"{path}: not a config document of a known page (page = {page!r}); expected one of "
                                f"{', '.join(models)}")
    return page, parse_config_document(raw, models[page], page=page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", help="preset id (see --list)")
    source.add_argument("--config", help="a config .json downloaded from a page (or an exported .html)")
    parser.add_argument("--list", action="store_true", help="list presets and their figures")
    parser.add_argument("--figure", help="which figure of the page (default: its main figure)")
    parser.add_argument("--out", "-o", help="output file (.html, .json, .csv) or - for stdout")
    parser.add_argument("--format", choices=("html", "json", "csv"), help="default: from --out's extension")
    parser.add_argument("--lecture", action="store_true", help="larger fonts and lines (projector)")
    parser.add_argument("--image-format", choices=("png", "svg"), default="png",
                        help="what the HTML's camera button saves (default png)")
    args = parser.parse_args(argv)

    import dynamics  # noqa: F401  (float64 before anything is traced)

    if args.list:
        titles = _titles()
        for qualified, (page, _) in _presets().items():
            print(f"{qualified:32s} {page:13s} {titles.get(qualified, '')}")
        print("\nFigures: trajectories → map (default), curves, internals; other pages → one figure each.")
        return 0
    if not (args.preset or args.config) or not args.out:
        parser.print_usage(sys.stderr)
        print("error: give --preset or --config, and --out (or --list)", file=sys.stderr)
        return EXIT_USAGE

    from figures.common import DEFAULT_STYLE
    from figures.export import ConfigUploadError, data_document, figure_html, tables_to_csv
    from figures.render import render

    try:
        if args.preset:
            qualified, page, config = resolve_preset(args.preset)
        else:
            page, config = load_config(args.config)
            qualified = Path(args.config).stem
    except (ValueError, ConfigUploadError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE

    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out != "-" else "json")
    if fmt not in ("html", "json", "csv"):
        print(f"error: cannot tell the format from {args.out!r}; pass --format html|json|csv", file=sys.stderr)
        return EXIT_USAGE
    style = DEFAULT_STYLE.lecture() if args.lecture else DEFAULT_STYLE
    outputs = render(page, config, style)
    if args.figure:
        chosen = [o for o in outputs if o.name == args.figure]
        if not chosen:
            print(f"error: page {page} has no figure {args.figure!r} (figures: "
                  f"{', '.join(o.name for o in outputs)})", file=sys.stderr)
            return EXIT_USAGE
        out = chosen[0]
    else:
        out = outputs[0]

    from figures.export import APP_NAME, app_version

    if fmt == "html":
        text = figure_html(out.figure, title=out.title, config=config, page=page, filename=out.name,
                           image_format=args.image_format)
    elif fmt == "json":
        text = data_document(out.kind, out.tables, config=config, page=page, extra=out.extra)
    else:
        text = tables_to_csv(out.tables, key=out.key, comments=[f"{APP_NAME} {app_version()} · {qualified} · "
                                                                f"page {page}", "config: " + config.model_dump_json()])
    if args.out == "-":
        if fmt == "html":
            print("error: write HTML to a file, not stdout", file=sys.stderr)
            return EXIT_USAGE
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({len(text.encode()) / 1e6:.2f} MB): {out.title} [{page}, {qualified}]",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
