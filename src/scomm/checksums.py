"""Raw files are checked against the SHA256SUMS file vendored beside them before anything reads them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from scomm.problems import Problem

SUMS_NAME = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sums(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """The file name -> checksum lines of a `sha256sum` listing, and a problem for each line that is not one."""
    listed: dict[str, str] = {}
    problems = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, [
            Problem(
                path.name,
                None,
                None,
                None,
                f"a {SUMS_NAME} file in {path.parent} listing the "
                "SHA-256 of each raw file (as `sha256sum FILE > SHA256SUMS` writes it)",
            )
        ]
    except (OSError, UnicodeDecodeError) as err:
        return {}, [Problem(path.name, None, None, None, f"a readable UTF-8 {SUMS_NAME} file ({err})")]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(Problem(path.name, number, None, line[:80], "'<64 hex digits>  <file name>'"))
        else:
            listed[match.group(2)] = match.group(1).lower()
    return listed, problems


def verify(folder: Path, names: Iterable[str], known: dict[str, str] | None = None) -> list[Problem]:
    """Problems for each of `names` (files in `folder`) that SHA256SUMS does not list, or whose bytes no
    longer have the listed checksum, and for each listed file that is missing. `known`: checksums
    already computed (name -> hex), so no file is read twice."""
    sums_path = folder / SUMS_NAME
    listed, problems = read_sums(sums_path)
    if problems and not listed:
        return problems
    for name in names:
        path = folder / name
        if name not in listed:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    None,
                    f"a line for it in {sums_path} (a raw file must be listed with its checksum before it is read)",
                )
            )
            continue
        if not path.is_file():
            continue
        actual = (known or {}).get(name) or sha256(path)
        if actual != listed[name]:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    f"SHA-256 {actual[:16]}...",
                    f"the SHA-256 listed in {sums_path} ({listed[name][:16]}...): the file was "
                    "changed or damaged; restore it, or if you replaced it on purpose, update its "
                    f"line (sha256sum {name})",
                )
            )
    for name in listed:
        if not (folder / name).exists():
            problems.append(
                Problem(name, None, None, None, f"the file {sums_path} lists (it is missing from {folder})")
            )
    return problems
