"""Deciding "nothing changed" before pandas or matplotlib is imported.

After every successful build, OUT/.scomm-build.stamp records one hash of everything the build depended
on: the bytes of the data files and of every table of the data package, the package's code, the notebook
sources, the settings of the build, the build's manifest, and the size and modification time of every
output the manifest lists and of every raw record file (those are verified against their checksums
whenever the build does any work). A build whose stamp still matches has nothing to do and returns at
once; any difference (an edited input or output, a new setting, other code) falls back to the full
comparison of what each notebook read. The stamp is not an output: it is never committed or reported.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from scomm import output_folder
from scomm.paths import (
    CLAIMS_CSV,
    DATA_DIR,
    DATAPACKAGE_JSON,
    FIGURES_CSV,
    METRICS_CSV,
    MILESTONES_CSV,
    NOTEBOOKS_DIR,
    SOURCES_CSV,
    SRC_DIR,
    beside,
    resolve,
)

STAMP_NAME = ".scomm-build.stamp"  # in OUT, beside the lock
VERSION = "1"


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def code_hash() -> str:
    """Hash of the package's code, chart style and typeface (a change re-runs every notebook)."""
    h = hashlib.sha256()
    for path in sorted((SRC_DIR / "scomm").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".mplstyle", ".ttf"}:
            h.update(path.relative_to(SRC_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _raw_folders() -> list[Path]:
    """The raw record folders and the derived tables (the ones the record modules were told to use, when
    those modules are loaded, else the bundled ones)."""
    folders = [DATA_DIR / "raw", DATA_DIR / "derived"]
    for name in ("scomm.enforcement", "scomm.detainers"):
        module = sys.modules.get(name)
        for attribute in ("RAW_DIR", "DERIVED_DIR"):
            folder = getattr(module, attribute, None)
            if isinstance(folder, Path):
                folders.append(folder)
    return list(dict.fromkeys(folders))


def stamp(out_dir: Path, paths: Sequence[Path], formats: Sequence[str], notebooks: Iterable[Path]) -> str | None:
    """The hash of everything a build of `paths` into `out_dir` depends on; None when there is no build
    record to compare with (no manifest)."""
    manifest_path = out_dir / "figures" / "build-state" / "manifest.json"
    try:
        manifest_bytes = manifest_path.read_bytes()
        outputs = sorted(json.loads(manifest_bytes).get("outputs", {}))
    except (OSError, ValueError, AttributeError):
        return None
    h = hashlib.sha256()

    def add(*parts: object) -> None:
        h.update("\0".join(str(p) for p in parts).encode() + b"\n")

    add("version", VERSION, sys.version, out_dir.resolve(), ",".join(formats))
    add("manifest", hashlib.sha256(manifest_bytes).hexdigest())
    for path in paths:
        add("input", path.resolve(), _sha(path))
    try:
        package = json.loads(DATAPACKAGE_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        package = {}
    add("datapackage", _sha(DATAPACKAGE_JSON))
    folder = paths[0].parent
    for resource in package.get("resources", []) if isinstance(package, dict) else []:
        rel = str(resource.get("path", "")) if isinstance(resource, dict) else ""
        if rel:
            source = folder / rel if (folder / rel).is_file() else DATA_DIR / rel
            add("table", rel, source.resolve(), _sha(source))
    # each file once, whichever folders hold it (a record module's folder may lie inside data/raw)
    for path in sorted({p.resolve() for raw in _raw_folders() for p in _files(raw)}):
        add("raw", path, _stat(path))
    add("code", code_hash())
    for nb in notebooks:
        add("notebook", Path(nb).resolve(), _stat(Path(nb)))
    for name in ("conftest.py", "sanitize.cfg"):
        add("aux", name, _stat(NOTEBOOKS_DIR / name))
    for rel in outputs:
        add("output", rel, _stat(out_dir / rel))
    return h.hexdigest()


def matches(out_dir: Path, key: str | None) -> bool:
    """True when `key` is the stamp the last build into `out_dir` left."""
    if key is None:
        return False
    try:
        return (out_dir / STAMP_NAME).read_text(encoding="utf-8").strip() == key
    except OSError:
        return False


def write(out_dir: Path, key: str | None) -> None:
    """Leave `key` for the next build into `out_dir` (nothing when there is no key)."""
    path = out_dir / STAMP_NAME
    if key is None:
        path.unlink(missing_ok=True)
        return
    output_folder.replace_bytes(path, (key + "\n").encode("utf-8"))


def leave(out_dir: Path, paths: Sequence[Path], formats: Sequence[str], notebooks: Sequence[Path]) -> None:
    """Record what a build depended on, so the next one can tell at once that nothing changed."""
    try:
        write(out_dir, stamp(out_dir, paths, formats, notebooks))
    except OSError:  # a read-only folder: the next build compares in full
        pass


def quick_paths(data: str | None, sources: str | None, metrics: str | None) -> tuple[Path, ...]:
    """`scomm.data.dataset_paths` without importing it (it loads pandas): the five data files a build reads.
    A build leaves a stamp only when this agrees with the real resolution."""
    figures = resolve(data, FIGURES_CSV)
    if figures.is_dir():
        figures = figures / "figures.csv"
    return (
        figures,
        resolve(sources, beside(figures, "sources.csv", SOURCES_CSV)),
        resolve(metrics, beside(figures, "metrics.csv", METRICS_CSV)),
        beside(figures, "milestones.csv", MILESTONES_CSV),
        beside(figures, "claims.csv", CLAIMS_CSV),
    )
