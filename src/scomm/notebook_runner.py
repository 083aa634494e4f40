"""Executing notebooks for a build: each in a fresh kernel, several at a time, with outputs normalised so
that the same inputs give the same bytes; an interrupted run stops every kernel it started.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scomm.paths import NOTEBOOKS_DIR


@dataclass
class NotebookFailure(Exception):
    """A notebook that raised: its name, the failing cell's number, the error and the executed copy."""

    notebook: str
    cell: int | None
    error: str
    kept: Path | None = None

    def __str__(self) -> str:
        where = f"cell {self.cell + 1} (counting every cell from 1)" if self.cell is not None else "start-up"
        text = f"notebook {self.notebook} failed at {where}: {self.error}"
        if self.kept is not None:
            text += f"\n  the executed notebook, with the failing cell's output, is at {self.kept}"
        return text


def notebook_paths(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks in reading order."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


class Kernels:
    """The kernels one build started, so that an interrupted build stops them all (and waits until they
    are gone) before it removes the folder they write into."""

    def __init__(self) -> None:
        self._clients: list = []
        self._lock = threading.Lock()
        self.stopping = False

    def add(self, client) -> None:
        """Track `client`'s kernel; refuse to start one once the build is stopping."""
        with self._lock:
            if self.stopping:
                raise KeyboardInterrupt
            self._clients.append(client)

    def check(self, **_: object) -> None:
        """Raise KeyboardInterrupt once the build is stopping (nbclient calls it when a kernel is ready)."""
        if self.stopping:
            raise KeyboardInterrupt

    def stop_all(self, wait: float = 10.0) -> None:
        """Kill every kernel process started so far and wait for each to exit; no new one starts."""
        with self._lock:
            self.stopping = True
            clients = list(self._clients)
        for client in clients:
            process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()
                try:
                    process.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass


PARAMETERS_TAG = "parameters"


def _with_parameters(nb, parameters: Mapping[str, Any]) -> Callable[[], None]:
    """Set `parameters` in `nb` the papermill way: as assignments appended to the cell tagged 'parameters'
    (or in a cell of their own at the top when there is none). Returns the function that puts the notebook
    back as it was written, so that executed notebooks keep their own parameters cell (and no paths)."""
    import nbformat

    lines = "".join(f"\n{name} = {value!r}" for name, value in parameters.items())
    for cell in nb.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.metadata.get("tags", []):
            original = cell.source
            cell.source = original + "\n# set by scomm build" + lines

            def restore(cell=cell, original=original) -> None:
                cell.source = original

            return restore
    injected = nbformat.v4.new_code_cell("# set by scomm build" + lines)
    nb.cells.insert(0, injected)
    return lambda: nb.cells.remove(injected)


def execute_notebook(
    source: Path,
    target: Path,
    env: dict[str, str],
    kernels: Kernels | None = None,
    failed_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Run `source` in a fresh kernel (with `env`, and `parameters` set in its parameters cell) and write
    it, with its own parameters cell as written, to `target`.

    On failure the executed copy (with the error output) is kept in a temporary folder and named in the
    raised NotebookFailure. `kernels` tracks the kernel so that an interrupted build can stop it.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as err:  # not JSON, or not a notebook
        raise NotebookFailure(source.name, None, f"not a readable notebook: {err}") from None
    for cell in nb.cells:  # start from a clean slate: no stale outputs
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    restore = _with_parameters(nb, parameters) if parameters else (lambda: None)
    # every cell has replied before the kernel is stopped, so it can be stopped at once (a graceful
    # shutdown costs about half a second a notebook)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(source.parent)}},
    )
    if kernels is not None:
        kernels.add(client)
        client.on_notebook_start = kernels.check  # a kernel that came up after an interrupt runs nothing
    try:
        # the kernel's own start-up chatter (warnings about its transport) stays off the terminal
        client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except CellExecutionError as err:
        restore()  # before counting cells: an injected parameters cell is not the user's
        failing = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]
        kept_dir = failed_dir or Path(tempfile.mkdtemp(prefix="scomm-failed-"))
        kept_dir.mkdir(parents=True, exist_ok=True)
        kept = kept_dir / source.name
        _normalise(nb)
        nbformat.write(nb, kept)
        raise NotebookFailure(source.name, failing, message, kept) from None
    except Exception as err:  # kernel died, timeout
        raise NotebookFailure(source.name, None, f"{type(err).__name__}: {err}") from None
    restore()
    _normalise(nb)
    nbformat.write(nb, target)


def _normalise(nb) -> None:
    """Drop run-specific metadata so a rebuild with the same inputs writes the same bytes."""
    nb.metadata.pop("papermill", None)
    nb.nbformat, nb.nbformat_minor = 4, 5
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids (nbformat and papermill would draw random ones)
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":  # printed text arrives in chunks that depend on timing: join them
            merged: list = []
            for out in cell.outputs:
                if (
                    merged
                    and out.get("output_type") == "stream"
                    and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")
                ):
                    merged[-1]["text"] = merged[-1]["text"] + out["text"]
                else:
                    merged.append(out)
            cell.outputs = merged
        cell.metadata.pop("execution", None)


class Progress:
    """One progress display on a terminal; one line per notebook otherwise (CI, log files)."""

    def __init__(self, total: int, enabled: bool):
        self.enabled = enabled and total > 0
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.enabled and self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="notebooks", unit="nb", file=sys.stderr, dynamic_ncols=True, leave=False)

    def done(self, name: str, seconds: float) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(name[:32])
            self.bar.update(1)
        else:
            print(f"scomm build: ran {name} ({seconds:.1f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_notebooks(
    sources: Sequence[Path],
    target_dir: Path,
    env: dict[str, str],
    jobs: int,
    progress: Progress,
    failed_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Execute `sources` `jobs` at a time (threads: each notebook runs in its own kernel process).

    Interrupted (Ctrl-C, or a signal the command line turns into KeyboardInterrupt), it kills every
    kernel and waits for them to exit before passing the interrupt on, so none writes afterwards."""
    kernels = Kernels()

    def one(path: Path) -> None:
        started = time.perf_counter()
        execute_notebook(path, target_dir / path.name, env, kernels, failed_dir, parameters)
        progress.done(path.stem, time.perf_counter() - started)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        # longest first, so the last notebook to finish is a short one; a notebook's size (it holds its
        # charts) is a good enough estimate of its run time
        futures = {path: pool.submit(one, path) for path in sorted(sources, key=_expected_cost, reverse=True)}
        errors = []
        for path in sources:  # failures reported in reading order, whatever order they ran in
            try:
                futures[path].result()
            except NotebookFailure as err:
                errors.append(err)
        if errors:
            raise errors[0]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        kernels.stop_all()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _expected_cost(path: Path) -> int:
    """A notebook's size in bytes: the committed copy holds its charts, which take most of the run time."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def warm_up_executor() -> None:
    """Import the notebook executor (nbclient and nbformat take about a second) in a thread, so that it
    is ready when the first notebook starts; called only when notebooks will run."""
    threading.Thread(target=lambda: (__import__("nbformat"), __import__("nbclient")), daemon=True).start()
