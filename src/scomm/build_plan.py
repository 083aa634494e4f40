"""What a build re-runs: each notebook's reads, evaluated on the new data, against what the last build
recorded (its fingerprint), and whether its outputs are still the bytes the last build wrote."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scomm import lineage
from scomm.build_state import BuildError
from scomm.data import Dataset


def sha(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cell types and sources only (outputs change with every run)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [
            (c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
            for c in nb["cells"]
        ]
    except (ValueError, KeyError, TypeError) as err:
        where = f", line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise BuildError(
            f"{path}{where}: not a readable notebook ({err}); expected Jupyter's JSON "
            "notebook format (restore it with git checkout, or open and save it in JupyterLab)"
        ) from None
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


@dataclass
class Plan:
    """Which notebooks run and which keep their previous outputs."""

    run: list[Path]
    reuse: list[Path]
    fingerprints: dict[str, str]


def plan(
    nb_sources: Sequence[Path], ds: Dataset, previous: dict, extra: Callable[[Path], str], force: bool, out: Path
) -> Plan:
    """Compare each notebook's reads, evaluated on the new data, with what the last build recorded."""
    recorded = previous.get("notebooks", {})
    missing = lineage.missing_by_notebook(
        {nb.stem: recorded[nb.stem] for nb in nb_sources if nb.stem in recorded and not force}, ds
    )
    if missing:  # every notebook and every figure at once, not one build at a time
        raise BuildError(
            f"the data lacks figures the notebooks read:\n{lineage.missing_text(missing)}\nnothing was changed"
        )
    run: list[Path] = []
    reuse: list[Path] = []
    prints: dict[str, str] = {}
    for nb in nb_sources:
        rec = recorded.get(nb.stem)
        if rec is None or force:
            run.append(nb)
            continue
        prints[nb.stem] = lineage.fingerprint(rec["reads"], ds, extra(nb))
        outputs_ok = all(
            (out / rel).is_file() and sha(out / rel) == previous["outputs"].get(rel) for rel in rec["outputs"]
        )
        (reuse if prints[nb.stem] == rec["fingerprint"] and outputs_ok else run).append(nb)
    return Plan(run, reuse, prints)
