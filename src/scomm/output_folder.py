"""Guarding a folder that a command writes into: one lock that cannot admit two holders, staging folders
that killed runs left behind, and proof that every path a build writes, moves or deletes lies inside the
folder it was given.

Nothing here knows what a build produces; `build` and `enforcement` call it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath


class UnsafePathError(Exception):
    """A path that would take a write, move or delete outside the folder it belongs to."""


# ---------------------------------------------------------------- where a build may write


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# the project's own folders: a build into one of them would mix its outputs with the data, code or last build
PROJECT_FOLDERS = frozenset(
    {"data", "src", "tests", "notebooks", "figures", "benchmarks", "requirements", ".git", ".venv", ".ci"}
)


def refuse_unsafe_out(out: Path, project_root: Path) -> None:
    """Raise UnsafePathError for an output folder that would spread outputs over a user's files: the file
    system's root, the home folder, a folder that holds the project (its parent or above), or one of the
    project's own folders (`PROJECT_FOLDERS`, or a folder inside one)."""
    resolved = out.resolve()
    home = Path.home().resolve()
    root = project_root.resolve()
    if resolved == Path(resolved.anchor):
        raise UnsafePathError(
            f"--out {out}: refusing to build into the root of the file system; "
            "give a folder of its own, such as ./report"
        )
    if resolved == home:
        raise UnsafePathError(
            f"--out {out}: refusing to build into your home folder; give a folder of its own, such as ~/scomm-report"
        )
    if resolved != root and root.is_relative_to(resolved):
        raise UnsafePathError(
            f"--out {out}: refusing to build into {resolved}, which holds the project; "
            "give the project itself (no --out) or a folder of its own"
        )
    if resolved != root and resolved.is_relative_to(root) and resolved.relative_to(root).parts[0] in PROJECT_FOLDERS:
        raise UnsafePathError(
            f"--out {out}: refusing to build into {resolved}, inside the project's own "
            f"{resolved.relative_to(root).parts[0]}/ folder; give the project itself (no --out) or a folder of its own"
        )


def inside(out: Path, rel: str, allowed_tops: Iterable[str]) -> Path:
    """`out / rel`, after proving that `rel` is a plain relative path (no '..', not absolute, no empty
    or NUL parts) under one of `allowed_tops` and that its folder, with symlinks resolved, lies inside
    `out`. Raises UnsafePathError naming the entry otherwise."""
    if not isinstance(rel, str) or not rel or "\0" in rel or "\\" in rel:
        raise UnsafePathError(f"{rel!r} is not a relative path of the output folder")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        raise UnsafePathError(f"{rel!r} leaves the output folder (absolute, or with '..')")
    if pure.parts[0] not in set(allowed_tops):
        raise UnsafePathError(f"{rel!r} is not under {', '.join(sorted(set(allowed_tops)))}/ of the output folder")
    base = out.resolve()
    target = out / rel
    if not target.parent.resolve().is_relative_to(base):  # a symlinked folder pointing elsewhere
        raise UnsafePathError(f"{rel!r} leads outside the output folder through a symbolic link")
    return target


# ---------------------------------------------------------------- the lock


class FolderLock:
    """An exclusive lock on `folder/name`, held with the operating system's file lock (flock).

    The kernel releases the lock when its holder dies, however it dies, so a lock left by a killed run
    is free at once and two runs can never both hold it. The file records the holder's process id for
    messages; it is removed on release (a run that finds the file replaced after locking tries again)."""

    def __init__(self, folder: Path, name: str, busy_message: str):
        self.path = folder / name
        self.busy_message = busy_message  # formatted with {pid} and {path}
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise LockBusy naming the live holder's process id."""
        for _ in range(100):
            try:  # never through a symbolic link: the lock file is written, and it must be the folder's own
                fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
            except OSError as err:
                if err.errno != errno.ELOOP:
                    raise
                raise LockBusy(
                    f"{self.path} is a symbolic link; a build writes only inside its output folder and never "
                    "through a link: remove it (no build leaves one) and build again"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise LockBusy(self.busy_message.format(pid=self._holder() or "unknown", path=self.path)) from None
            try:  # the file we locked must still be the one at the path (a releasing holder unlinks it)
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise LockBusy(f"could not take the lock {self.path}")

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or "0") or None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        """Remove the lock file and release the lock (unlink first, while still holding it)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class LockBusy(Exception):
    """Another live run holds the lock."""


# ---------------------------------------------------------------- staging


def move_in(staging: Path, folder: Path, names: Iterable[str], manifest: str) -> None:
    """Move the staged files `names`, then the staged `manifest`, into `folder`. The old manifest goes first, so
    an interrupted move leaves no manifest and the next run writes everything again."""
    (folder / manifest).unlink(missing_ok=True)
    for name in names:
        os.replace(staging / name, folder / name)
    os.replace(staging / manifest, folder / manifest)


def link_or_copy(source: Path, target: Path) -> None:
    """Put an unchanged output at `target` in a staging folder: a hard link to `source` when the file system
    allows it (no bytes copied), else a copy with its times. Staged files are only ever replaced, never written
    in place (see `replace_bytes`), so the last build's file behind a link is never changed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # staged twice: the last wins, as a copy would
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def replace_bytes(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a new file moved into place: a staged hard link is replaced, not written
    through, and so is a symbolic link someone left at `target` or at the new file's name (the new file is
    created afresh, never opened through a link)."""
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)


def staging_name(prefix: str) -> str:
    """The start of a staging folder's name: `prefix` and this process's id (so others can tell it is live)."""
    return f"{prefix}{os.getpid()}-"


def clean_stale_staging(folder: Path, prefix: str) -> list[Path]:
    """Remove staging folders `prefix<pid>-*` in `folder` whose process is gone (killed runs)."""
    removed = []
    for path in folder.glob(prefix + "*"):
        match = re.match(re.escape(prefix) + r"(\d+)-", path.name)
        if (
            path.is_dir()
            and not path.is_symlink()
            and match
            and int(match.group(1)) != os.getpid()
            and not pid_alive(int(match.group(1)))
        ):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
