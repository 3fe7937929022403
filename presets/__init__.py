"""Named scenes (``presets/*.json``), validated by the same pydantic models as every URL and engine run.

A preset file holds a ``Preset``: an id (also its URL, ``?preset=<id>``), a title, what it shows, where each
number comes from (``source.paper`` = stated in the paper, ``source.ours`` = our choice where the paper is
silent) and the ``scene`` itself (``ui.scene.Scene``: objective, start, steps, noise, runs, scrubbed step).

    from presets import load_presets, get_preset
    load_presets()["fig2"].scene.run_configs()
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError

from dynamics.config import FrozenModel
from ui.scene import Scene

PRESET_DIR = Path(__file__).resolve().parent


class PresetSource(FrozenModel):
    paper: tuple[str, ...] = Field(description="Settings stated in the paper (or its reference code)")
    ours: tuple[str, ...] = Field(description="Our choices where the paper is silent")


class Preset(FrozenModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="URL id: ?preset=<id>")
    order: int = Field(0, description="Position in the preset list")
    title: str = Field(max_length=60)
    reference: str = Field(max_length=120, description="What it reproduces, e.g. 'Pagliardini et al., Fig. 2'")
    summary: str = Field(max_length=800, description="What the scene shows, in one paragraph")
    source: PresetSource
    scene: Scene


class PresetError(ValueError):
    pass


def load_preset_file(path: Path) -> Preset:
    try:
        preset = Preset.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, json.JSONDecodeError) as err:
        raise PresetError(f"{path.name}: {err}") from err
    if preset.id != path.stem:
        raise PresetError(f"{path.name}: id {preset.id!r} must equal the file name {path.stem!r}")
    return preset


@lru_cache(maxsize=1)
def load_presets(directory: str | None = None) -> dict[str, Preset]:
    """All presets by id, in display order (raises PresetError on the first invalid file)."""
    folder = Path(directory) if directory else PRESET_DIR
    presets = [load_preset_file(p) for p in sorted(folder.glob("*.json"))]
    return {p.id: p for p in sorted(presets, key=lambda p: (p.order, p.id))}


def get_preset(preset_id: str) -> Preset | None:
    return load_presets().get(preset_id)
