"""The charts' SVG, drawn by vl-convert once per distinct chart.

Drawing a chart costs vl-convert about 0.4 s, and a re-build after one report changed draws the
same charts for every other report. So each SVG is kept in a cache folder outside the report
folder, which every build replaces whole (beside it by default; a release keeps it outside the
warehouse folder, serving.release.chart_cache_folder). An entry is named by the sha256 of what the
chart's Vega-Lite specification is built from (its inputs, and the version of the code that builds
it: charts.py says which), the config and the vl-convert version: the same name is the same drawing.
Asking by inputs rather than by specification lets a hit skip Altair too: building the ~180
specifications of a 100-report warehouse took most of a re-build's time.
A build that completes removes the entries it did not use, so the folder holds one report's charts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import version
from pathlib import Path

import vl_convert as vlc

from extract.atomic_files import write_bytes

SUFFIX = ".svg"
VL_CONVERT = version("vl-convert-python")  # the release, post-releases included: another may draw otherwise
# The active cache: its folder and the names drawn or read in it so far (set by `chart_cache`).
_active: ContextVar[tuple[Path, set[str]] | None] = ContextVar("chart_cache", default=None)


def chart_key(inputs: list, config: dict) -> str:
    """The cache name of a drawing: what its specification is built from (in order), the config
    vl-convert is given and its version."""
    text = json.dumps([VL_CONVERT, inputs, config], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vegalite_to_svg(inputs: list, spec: Callable[[], dict], config: dict) -> str:
    """vl-convert's SVG of the specification `spec()` builds from `inputs`; from the active cache
    folder when it holds the drawing of these inputs, and then without calling `spec` (see `chart_cache`)."""
    active = _active.get()
    if active is None:
        return vlc.vegalite_to_svg(spec(), config=config)
    folder, used = active
    key = chart_key(inputs, config)
    used.add(key)
    path = folder / f"{key}{SUFFIX}"
    try:
        svg = path.read_text(encoding="utf-8")
        if svg.endswith("</svg>"):  # else damaged: drawn again
            return svg
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    svg = vlc.vegalite_to_svg(spec(), config=config)
    write_bytes(path, svg.encode("utf-8"))
    return svg


@contextmanager
def chart_cache(folder: Path) -> Iterator[None]:
    """Charts drawn inside this block are read from / kept in `folder`; when the block completes,
    the entries it did not use are removed (after an error they are kept: nothing was published)."""
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    token = _active.set((folder, used))
    try:
        yield
    finally:
        _active.reset(token)
    for path in folder.iterdir():
        if path.name.removesuffix(SUFFIX) not in used:
            path.unlink(missing_ok=True)
