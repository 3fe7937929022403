"""Exports, pure (no Streamlit): standalone HTML figures, data tables as CSV/JSON, and the exact view config as JSON.

Standalone HTML (``figure_html``)
    One self-contained file: plotly.js embedded (works offline, no CDN), no "share to cloud" button or Plotly logo,
    the app name/version and the exact config embedded both machine-readably (``<script type="application/json"
    id="ademamix-lab-meta">``) and visibly (a collapsed footer). The page itself references nothing on the network.

Data tables (``table_to_csv`` / ``table_from_csv``, ``data_document`` / ``parse_data_document``)
    A table is an ordered mapping ``column -> 1D array`` of equal lengths. CSV floats are written with ``repr`` (the
    shortest string that reads back to the same float64), so a CSV round trip is exact; NaN is written ``nan``.
    JSON documents hold several named tables plus the config; NaN becomes ``null`` and ±inf the strings
    ``"inf"``/``"-inf"`` (JSON has neither), and both read back exactly.
    ``trajectory_table`` (every recorded quantity of a run), ``kernel_table`` and ``sweep_table`` build tables from
    engine results.

Config documents (``config_document`` / ``parse_config_document``)
    ``{"format": "ademamix-lab/config", "format_version": 1, "app_version": …, "page": …, "config": {…}}``.
    Parsing validates everything (size, encoding, JSON syntax, envelope, page, the pydantic model) and raises
    ``ConfigUploadError`` with one specific, human-readable message; it never returns a partially valid config.

``chart_config`` is the Plotly config every chart in the app uses (in Streamlit and in exported HTML): the modebar's
camera button downloads PNG or SVG at 2× scale under a meaningful file name.
"""
from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError

APP_NAME = "AdEMAMix Lab"
APP_VERSION = "0.1.0"
CONFIG_FORMAT = "ademamix-lab/config"
DATA_FORMAT = "ademamix-lab/data"
FORMAT_VERSION = 1
META_SCRIPT_ID = "ademamix-lab-meta"
MAX_UPLOAD_BYTES = 256 * 1024  # a config is a few KB; anything bigger is not one of ours

ImageFormat = Literal["png", "svg"]
Table = Mapping[str, Sequence[Any] | np.ndarray]

_REPO_ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------------------------------
# Version and chart config
# ---------------------------------------------------------------------------------------------------------------------

def _git_commit(root: Path = _REPO_ROOT) -> str | None:
    """Short commit hash read from .git without running git (None outside a checkout, e.g. in the Docker image)."""
    try:
        head = (root / ".git" / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            ref_file = root / ".git" / ref
            if ref_file.exists():
                return ref_file.read_text().strip()[:8]
            packed = root / ".git" / "packed-refs"
            for line in packed.read_text().splitlines() if packed.exists() else ():
                if line.endswith(" " + ref):
                    return line.split()[0][:8]
            return None
        return head[:8] or None
    except OSError:
        return None


def app_version() -> str:
    """``APP_VERSION``, plus ``+g<commit>`` when running from a git checkout (PEP 440 local version style)."""
    commit = _git_commit()
    return f"{APP_VERSION}+g{commit}" if commit else APP_VERSION


def safe_filename(name: str, default: str = "figure") -> str:
    """A file-name stem made of letters, digits, '-', '_' and '.' only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    return stem[:80] or default


def chart_config(filename: str, image_format: ImageFormat = "png", *, scale: int = 2) -> dict[str, Any]:
    """Plotly config for every chart: camera button → ``<filename>.png|svg`` at ``scale``×, no logo, no cloud button."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg', got {image_format!r}")
    from .common import PLOTLY_CONFIG  # the app-wide base (tool buttons removed, no logo, no cloud)

    return {
        **PLOTLY_CONFIG,
        "displaylogo": False,
        "showSendToCloud": False,
        "toImageButtonOptions": {"format": image_format, "scale": int(scale), "filename": safe_filename(filename)},
    }


# ---------------------------------------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------------------------------------

def _config_payload(config: BaseModel | Mapping[str, Any] | None) -> Any:
    if config is None:
        return None
    if isinstance(config, BaseModel):
        return config.model_dump(mode="json")
    return json.loads(json.dumps(config, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, np.ndarray):
        return [_json_number(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return _json_number(obj.item())
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _json_number(v: Any) -> Any:
    """NaN → None, ±inf → "inf"/"-inf" (JSON has neither); everything else unchanged."""
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _from_json_number(v: Any) -> Any:
    if v is None:
        return math.nan
    if v == "inf":
        return math.inf
    if v == "-inf":
        return -math.inf
    return v


def _script_json(payload: Any) -> str:
    """JSON safe to put inside <script>: no "</" (which could close the element) and no "<!--"."""
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=1)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


# ---------------------------------------------------------------------------------------------------------------------
# Standalone HTML
# ---------------------------------------------------------------------------------------------------------------------

_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{app} {version}">
<title>{title}</title>
<style>
 html, body {{ margin: 0; padding: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
              color: #262730; background: #ffffff; }}
 main {{ padding: 12px 16px 4px 16px; }}
 .figure {{ width: 100%; max-width: 1400px; height: {height}; margin: 0 auto; }}
 footer {{ padding: 4px 16px 16px 16px; font-size: 12px; color: #555; }}
 footer pre {{ max-height: 24em; overflow: auto; background: #f6f6f8; padding: 8px; border-radius: 4px; }}
</style>
<script type="application/json" id="{meta_id}">
{meta_json}
</script>
</head>
<body>
<main>
{figure_div}
</main>
<footer>
<details>
<summary>{app} {version} · {summary} · exported {page_label}</summary>
<pre>{config_text}</pre>
</details>
</footer>
</body>
</html>
"""


def figure_html(
    fig: Any,
    *,
    title: str,
    config: BaseModel | Mapping[str, Any] | None = None,
    page: str | None = None,
    image_format: ImageFormat = "png",
    filename: str | None = None,
    height: str = "88vh",
    version: str | None = None,
) -> str:
    """A self-contained interactive HTML page for a Plotly figure (plotly.js embedded, nothing loaded from the network).

    ``config`` (a pydantic model or a JSON-able mapping) is embedded exactly: ``parse_config_document`` accepts the
    ``"config"`` member of the embedded metadata (``extract_html_metadata``).
    """
    version = version or app_version()
    stem = safe_filename(filename or title)
    figure_div = fig.to_html(
        full_html=False,
        include_plotlyjs=True,  # embedded: the file works offline (~4.8 MB)
        config={**chart_config(stem, image_format), "responsive": True},
        div_id=f"figure-{stem}",
        default_width="100%",
        default_height="100%",
        auto_play=False,
    )
    figure_div = f'<div class="figure">{figure_div}</div>'
    meta = {
        "app": APP_NAME,
        "app_version": version,
        "format": CONFIG_FORMAT,
        "format_version": FORMAT_VERSION,
        "page": page,
        "title": title,
        "config": _config_payload(config),
    }
    config_text = json.dumps(meta["config"], ensure_ascii=False, indent=2) if config is not None else "(no config)"
    return _HTML_TEMPLATE.format(
        app=html.escape(APP_NAME),
        version=html.escape(version),
        title=html.escape(f"{title} · {APP_NAME}"),
        height=height,
        meta_id=META_SCRIPT_ID,
        meta_json=_script_json(meta),
        figure_div=figure_div,
        summary=html.escape(title),
        page_label=html.escape(f"from the {page} page" if page else "figure"),
        config_text=html.escape(config_text),
    )


def extract_html_metadata(text: str) -> dict[str, Any]:
    """The metadata ``figure_html`` embedded (app, app_version, page, title, config)."""
    match = re.search(
        rf'<script type="application/json" id="{META_SCRIPT_ID}">\s*(.*?)\s*</script>', text, flags=re.S)
    if match is None:
        raise ValueError("no AdEMAMix Lab metadata in this HTML file")
    return json.loads(match.group(1).replace("<\\/", "</").replace("<\\!--", "<!--"))


def config_document_from_html(text: str) -> str:
    """The config document (as ``config_document`` writes it) embedded in an exported HTML file."""
    meta = extract_html_metadata(text)
    return json.dumps({k: meta[k] for k in ("format", "format_version", "app_version", "page", "config")})


# ---------------------------------------------------------------------------------------------------------------------
# Tables: CSV and JSON
# ---------------------------------------------------------------------------------------------------------------------

def _columns(table: Table) -> dict[str, np.ndarray]:
    cols = {str(name): np.asarray(values) for name, values in table.items()}
    lengths = {name: col.shape for name, col in cols.items()}
    if any(len(shape) != 1 for shape in lengths.values()):
        raise ValueError(f"table columns must be 1D, got shapes {lengths}")
    if len({shape[0] for shape in lengths.values()}) > 1:
        raise ValueError(f"table columns must have equal lengths, got {lengths}")
    return cols


def _cell(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # shortest exact round-trip representation; 'nan', 'inf', '-inf'
    return str(v)


def table_to_csv(table: Table, *, comments: Iterable[str] = ()) -> str:
    """CSV with a header row. Floats round-trip exactly. Optional leading ``# comment`` lines (e.g. the version)."""
    cols = _columns(table)
    out = io.StringIO()
    for line in comments:
        out.write("# " + line.replace("\n", " ") + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    n = next(iter(cols.values())).shape[0] if cols else 0
    lists = [col.tolist() for col in cols.values()]
    for i in range(n):
        writer.writerow([_cell(col[i]) for col in lists])
    return out.getvalue()


def _parse_column(values: list[str]) -> np.ndarray:
    if all(re.fullmatch(r"[+-]?\d+", v) for v in values) and values:
        return np.array([int(v) for v in values], dtype=np.int64)
    if values and all(v in ("true", "false") for v in values):
        return np.array([v == "true" for v in values], dtype=bool)
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=object)


def table_from_csv(text: str) -> dict[str, np.ndarray]:
    """Inverse of ``table_to_csv``: integer, boolean, float64 or string columns (comment lines skipped)."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines))
    if not rows:
        raise ValueError("empty CSV")
    header, body = rows[0], rows[1:]
    if any(len(row) != len(header) for row in body):
        raise ValueError("ragged CSV: every row must have as many cells as the header")
    return {name: _parse_column([row[j] for row in body]) for j, name in enumerate(header)}


def _table_json(table: Table) -> dict[str, list[Any]]:
    return {name: [_json_number(v) for v in col.tolist()] for name, col in _columns(table).items()}


def _document_header(fmt: str, version: str | None) -> dict[str, Any]:
    """The fields every exported JSON document starts with (format, its version, the app and its version)."""
    return {"format": fmt, "format_version": FORMAT_VERSION, "app": APP_NAME, "app_version": version or app_version()}


def data_document(
    kind: str,
    tables: Mapping[str, Table],
    *,
    config: BaseModel | Mapping[str, Any] | None = None,
    page: str | None = None,
    extra: Mapping[str, Any] | None = None,
    version: str | None = None,
) -> str:
    """A JSON document with named tables (column → values) and the exact config that produced them."""
    doc = {
        **_document_header(DATA_FORMAT, version),
        "kind": kind,
        "page": page,
        "config": _config_payload(config),
        **({"extra": json.loads(json.dumps(extra, default=_json_default))} if extra else {}),
        "tables": {name: _table_json(table) for name, table in tables.items()},
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, default=_json_default)


def parse_data_document(text: str | bytes) -> dict[str, Any]:
    """Inverse of ``data_document``: the document with every table's columns as NumPy arrays (NaN/inf restored)."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("format") != DATA_FORMAT:
        raise ValueError(f"not an {APP_NAME} data file (format must be {DATA_FORMAT!r})")
    tables = {}
    for name, cols in doc.get("tables", {}).items():
        tables[name] = {}
        for col, values in cols.items():
            values = [_from_json_number(v) for v in values]
            if values and all(isinstance(v, bool) for v in values):
                tables[name][col] = np.array(values, dtype=bool)
            elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                tables[name][col] = np.array(values, dtype=np.int64)
            elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                tables[name][col] = np.array(values, dtype=np.float64)
            else:
                tables[name][col] = np.array(values, dtype=object)
    return {**doc, "tables": tables}


def tables_to_csv(tables: Mapping[str, Table], *, comments: Iterable[str] = (), key: str = "table") -> str:
    """Several tables with the same columns as one CSV, tagged by a leading ``key`` column (e.g. the run label)."""
    items = list(tables.items())
    if not items:
        return table_to_csv({key: np.array([], dtype=object)}, comments=comments)
    merged: dict[str, list[np.ndarray]] = {key: []}
    names = list(_columns(items[0][1]))
    for label, table in items:
        cols = _columns(table)
        if list(cols) != names:
            raise ValueError(f"table {label!r} has columns {list(cols)}, expected {names}")
        n = next(iter(cols.values())).shape[0]
        merged[key].append(np.full(n, label, dtype=object))
        for name in names:
            merged.setdefault(name, []).append(cols[name])
    return table_to_csv({name: np.concatenate(parts) for name, parts in merged.items()}, comments=comments)


def split_csv_tables(table: Mapping[str, np.ndarray], key: str = "table") -> dict[str, dict[str, np.ndarray]]:
    """Inverse of ``tables_to_csv`` after ``table_from_csv``: one table per distinct ``key`` value, in file order."""
    labels = [str(v) for v in table[key].tolist()]
    order = list(dict.fromkeys(labels))
    out = {}
    for label in order:
        mask = np.array([lab == label for lab in labels])
        out[label] = {name: col[mask] for name, col in table.items() if name != key}
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Tables from engine results (duck-typed: no engine import needed here)
# ---------------------------------------------------------------------------------------------------------------------

TRAJECTORY_VECTOR_FIELDS = ("params", "grad", "m1", "m2", "nu", "m1_hat", "update")
TRAJECTORY_SCALAR_FIELDS = ("loss", "alpha", "beta3", "lr", "distance")
_VECTOR_PREFIX = {"params": ""}


def trajectory_table(traj: Any) -> dict[str, np.ndarray]:
    """Every recorded quantity of a ``dynamics.Trajectory``, one row per step (row 0 = the start).

    Columns: step, x, y, loss, grad_x, grad_y, m1_x, m1_y, m2_x, m2_y, nu_x, nu_y, m1_hat_x, m1_hat_y, update_x,
    update_y, alpha, beta3, lr, distance (NaN from the divergence step on, as in the Trajectory).
    """
    params = np.asarray(traj.params)
    table: dict[str, np.ndarray] = {"step": np.arange(params.shape[0], dtype=np.int64)}
    table["x"], table["y"] = params[:, 0], params[:, 1]
    table["loss"] = np.asarray(traj.loss)
    for name in TRAJECTORY_VECTOR_FIELDS[1:]:
        values = np.asarray(getattr(traj, name))
        table[f"{name}_x"], table[f"{name}_y"] = values[:, 0], values[:, 1]
    for name in TRAJECTORY_SCALAR_FIELDS[1:]:
        table[name] = np.asarray(getattr(traj, name))
    return table


def kernel_table(kernel: Any) -> dict[str, np.ndarray]:
    """A ``dynamics.kernels.Kernel``: lag, fast, slow, total weight of g(t−k)."""
    return {"lag": np.asarray(kernel.lags, dtype=np.int64), "fast": np.asarray(kernel.fast),
            "slow": np.asarray(kernel.slow), "total": np.asarray(kernel.total)}


def kernel_summary(kernel: Any) -> dict[str, Any]:
    """Scalars of a Kernel (step, masses, betas, half-lives, α_t, β₃_t, labels) for a JSON export."""
    names = ("t", "fast_mass", "slow_mass", "total_mass", "fast_beta", "slow_beta", "fast_half_life",
             "slow_half_life", "alpha_t", "beta3_t", "fast_label", "slow_label")
    return {name: getattr(kernel, name) for name in names}


def grid_table(x_name: str, x_values: np.ndarray, y_name: str | None, y_values: np.ndarray | None,
               metrics: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A (ny, nx) grid in long form: ix, iy, <x_name>, <y_name>, then one column per metric (row-major in y)."""
    x_values = np.asarray(x_values)
    y_values = np.asarray([np.nan] if y_values is None else y_values)
    ny, nx = y_values.shape[0], x_values.shape[0]
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    table: dict[str, np.ndarray] = {"ix": ix.ravel(), "iy": iy.ravel(), x_name: x_values[ix.ravel()]}
    if y_name is not None:
        table[y_name] = y_values[iy.ravel()]
    for name, grid in metrics.items():
        grid = np.asarray(grid)
        if grid.shape != (ny, nx):
            grid = grid.reshape(ny, nx)
        table[name] = grid.ravel()
    return table


# ---------------------------------------------------------------------------------------------------------------------
# Config documents (download, upload)
# ---------------------------------------------------------------------------------------------------------------------

class ConfigUploadError(ValueError):
    """A rejected config file; ``str(err)`` is a specific message for the user."""


def config_document(config: BaseModel, *, page: str, version: str | None = None) -> str:
    """The exact view config as a JSON document that ``parse_config_document`` restores."""
    doc = {
        **_document_header(CONFIG_FORMAT, version),
        "page": page,
        "config": config.model_dump(mode="json"),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)


def _format_validation_error(err: ValidationError, limit: int = 4) -> str:
    parts = []
    for e in err.errors()[:limit]:
        loc = ".".join(str(p) for p in e.get("loc", ())) or "(top level)"
        msg = e.get("msg", "invalid")
        value = e.get("input")
        shown = "" if isinstance(value, (dict, list)) else f" (got {json.dumps(value, default=str)[:60]})"
        parts.append(f"{loc}: {msg}{shown}")
    more = err.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more problem(s)" if more > 0 else "")


def parse_config_document(raw: bytes | str, model: type[BaseModel], *, page: str) -> BaseModel:
    """Validate an uploaded config file for ``page`` and return the ``model`` instance, or raise ConfigUploadError.

    Accepts the document ``config_document`` writes, an exported HTML file's metadata JSON, or a bare config object.
    """
    if isinstance(raw, bytes):
        if len(raw) > MAX_UPLOAD_BYTES and raw.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
            raise ConfigUploadError(
                f"This looks like an exported HTML figure ({len(raw) / 1e6:.1f} MB): upload the much smaller "
                "“Config (JSON)” file instead.")
        if len(raw) > MAX_UPLOAD_BYTES:
            raise ConfigUploadError(
                f"The file is {len(raw) / 1024:.0f} KB; a config file is at most {MAX_UPLOAD_BYTES // 1024} KB.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigUploadError(f"The file is not UTF-8 text (byte {exc.start}); expected a JSON config.") from None
    else:
        text = raw
        if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
            raise ConfigUploadError(f"The file is too large for a config (limit {MAX_UPLOAD_BYTES // 1024} KB).")
    if not text.strip():
        raise ConfigUploadError("The file is empty; expected a JSON config exported from this app.")
    if text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        try:
            text = config_document_from_html(text)
        except (ValueError, KeyError) as exc:
            raise ConfigUploadError(f"This HTML file has no {APP_NAME} config embedded ({exc}).") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ConfigUploadError(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except ValueError as exc:
        raise ConfigUploadError(f"Not valid JSON: {exc}.") from None
    if not isinstance(doc, dict):
        raise ConfigUploadError(f"Expected a JSON object at the top level, got {type(doc).__name__}.")
    if "format" in doc:
        if doc["format"] == DATA_FORMAT:
            raise ConfigUploadError("This is a data export (CSV/JSON of results), not a config: "
                                    "upload the file from “Config (JSON)”.")
        if doc["format"] != CONFIG_FORMAT:
            raise ConfigUploadError(f"Unknown format {str(doc['format'])[:60]!r}; expected {CONFIG_FORMAT!r}.")
        version = doc.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise ConfigUploadError(
                f"Unsupported format_version {version!r}; this app reads version {FORMAT_VERSION}.")
        doc_page = doc.get("page")
        if doc_page is not None and doc_page != page:
            raise ConfigUploadError(
                f"This config is for the {doc_page!r} page, not {page!r}: open that page and upload it there.")
        if "config" not in doc:
            raise ConfigUploadError("The file has no “config” member.")
        payload = doc["config"]
    else:
        payload = doc  # a bare config object
    if not isinstance(payload, dict):
        raise ConfigUploadError(f"“config” must be a JSON object, got {type(payload).__name__}.")
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        raise ConfigUploadError(f"Invalid config: {_format_validation_error(err)}.") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a config")
