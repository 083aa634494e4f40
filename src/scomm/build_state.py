"""The record a build keeps in its output folder (figures/build-state/manifest.json) and the moves it
makes with it: which files are the build's, which the user changed or added, and the swap that puts a
new build in place (or puts everything back). Every path taken from the record is proven to lie inside
the output folder before it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from scomm import output_folder
from scomm.notebook_runner import notebook_paths
from scomm.paths import PROJECT_ROOT

STATE = "build-state"
MANIFEST = "manifest.json"
OUTPUT_SUBDIRS = ("notebooks", "figures")
AUX_FILES = ("conftest.py", "sanitize.cfg")  # beside the notebooks: nbval settings, copied with them


class BuildError(Exception):
    """An expected reason to stop a build: the message says what and where; nothing was changed."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(out: Path) -> dict:
    """The last build's manifest in OUT ({} when there is none or it is not valid JSON).

    Every path it names is proven to lie inside OUT (under notebooks/ or figures/) before anything uses
    it: an entry that is absolute, holds '..' or leads out through a symbolic link stops the build
    (BuildError) before a file is moved or deleted."""
    path = out / "figures" / STATE / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("outputs", {}), dict)
        and isinstance(manifest.get("notebooks", {}), dict)
        and all(
            isinstance(rec, dict)
            and isinstance(rec.get("outputs", []), list)
            and isinstance(rec.get("reads", {}), dict)
            for rec in manifest.get("notebooks", {}).values()
        )
    ):
        return {}  # not a manifest this build wrote: every file in OUT counts as the user's (kept)
    named: list = list(manifest.get("outputs", {}))
    for rec in manifest.get("notebooks", {}).values():
        named += list(rec.get("outputs", []))
    bad = []
    for rel in named:
        try:
            output_folder.inside(out, rel, OUTPUT_SUBDIRS)
        except output_folder.UnsafePathError as err:
            bad.append(str(err))
    if bad:
        listed = "\n".join(f"  {b}" for b in bad[:10]) + (f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BuildError(
            f"{path} names files outside the output folder:\n{listed}\n"
            "nothing was moved or deleted; restore that file from a good copy (git checkout, or "
            "delete the build-state folder to start afresh)"
        )
    return manifest


# Beside the no-op stamp in OUT (not an output): each output's size, modification time and hash as the last
# build left it, so that a file whose size and time are unchanged is not read again to find edits (as git's
# index does). Any write changes the time; the hash is still compared with the manifest's.
STATS_NAME = ".scomm-build.stamp.stats"


def record_output_stats(out: Path, outputs: dict[str, str]) -> None:
    """Keep, for the next build into `out`, the size, time and hash (`outputs`: path -> SHA-256) of every
    output as it lies in `out` now. A folder that cannot be written is left without (the next build hashes)."""
    stats = {}
    for rel, digest in outputs.items():
        try:
            st = (out / rel).stat()
        except OSError:
            continue
        stats[rel] = [st.st_size, st.st_mtime_ns, digest]
    path = out / STATS_NAME
    try:
        output_folder.replace_bytes(path, json.dumps(stats, sort_keys=True).encode("utf-8"))
    except OSError:
        pass


def _recorded_stats(out: Path) -> dict:
    try:
        stats = json.loads((out / STATS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stats if isinstance(stats, dict) else {}


def edited_outputs(out: Path, manifest: dict, project_root: bool) -> list[Path]:
    """Outputs of the last build that have been changed since (their bytes differ from the manifest's
    hash): a build would replace or delete them. The project's own notebooks are sources as well as
    outputs, so edits to them are expected there. A file whose size and modification time are those the
    last build recorded for that very hash (`record_output_stats`) is taken as unchanged without reading it."""
    changed = []
    stats = _recorded_stats(out)
    for rel, digest in sorted((manifest.get("outputs") or {}).items()):
        if project_root and rel.startswith("notebooks/"):
            continue
        target = out / rel
        if not target.is_file() or target.is_symlink():
            continue
        st = target.stat()
        if stats.get(rel) == [st.st_size, st.st_mtime_ns, digest]:
            continue
        if _sha(target) != digest:
            changed.append(target)
    return changed


def foreign_files(out: Path, manifest: dict) -> list[Path]:
    """Files under OUT/notebooks and OUT/figures that no build wrote (the user's own)."""
    ours = set(manifest.get("outputs", {}))
    if out.resolve() == PROJECT_ROOT.resolve():  # the project's own notebooks and nbval settings are ours
        ours |= {f"notebooks/{p.name}" for p in notebook_paths()} | {f"notebooks/{n}" for n in AUX_FILES}
    found = []
    for sub in OUTPUT_SUBDIRS:
        base = out / sub
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(out).as_posix()
            if (
                path.is_file()
                and rel not in ours
                and "__pycache__" not in path.parts
                and ".ipynb_checkpoints" not in path.parts
                and not rel.startswith("figures/other-data/")
                and not rel.startswith(f"figures/{STATE}/")
            ):
                found.append(path)
    return sorted(found)


def swap_in(staging: Path, out: Path, new_files: Sequence[str], old_files: Sequence[str]) -> None:
    """Move each staged file of `new_files` to OUT and delete `old_files` that are no longer produced;
    on any failure put everything back as it was. Files the build did not write are never touched."""
    backup = staging / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None when it did not exist)
    order = list(new_files) + [r for r in old_files if r not in set(new_files)]
    for rel in order:  # every path proven inside OUT before the first is touched
        try:
            output_folder.inside(out, rel, OUTPUT_SUBDIRS)
        except output_folder.UnsafePathError as err:
            raise BuildError(f"{err}; nothing was moved or deleted") from None
    try:
        for rel in order:
            target = out / rel
            saved = None
            if target.exists():
                saved = backup / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, saved)
            done.append((target, saved))
            if rel in new_files:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
    except OSError:
        for target, saved in reversed(done):
            target.unlink(missing_ok=True)  # the old file was moved aside first: what stands here is new
            if saved is not None:
                os.replace(saved, target)
        raise
