"""Executing notebooks for a build, several at a time, with outputs normalised so that the same inputs give
the same bytes; an interrupted run stops every kernel it started.

A build starts one kernel per worker and runs several notebooks in it, one after the other: the kernel
imports the heavy libraries once (`kernel_warm_up`), and before each notebook its namespace, execution
counter, open figures, chart style, warnings registry, working folder and import path are put back as
they were after the warm-up (`kernel_reset`), so each notebook starts as in a fresh kernel with the
libraries already loaded, and writes the same bytes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scomm.output_folder import replace_bytes
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
        """Track `client`'s kernel (a notebook client or a kernel manager); refuse to start one once the
        build is stopping."""
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
            manager = getattr(client, "km", None) or client
            process = getattr(getattr(manager, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()
                try:
                    process.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass


PARAMETERS_TAG = "parameters"


def _with_parameters(nb, parameters: Mapping[str, Any] | None) -> Callable[[], None]:
    """Set `parameters` in `nb` the papermill way: as assignments appended to the cell tagged 'parameters'
    (or in a cell of their own at the top when there is none). Returns the function that puts the notebook
    back as it was written, so that executed notebooks keep their own parameters cell (and no paths)."""
    import nbformat

    if not parameters:
        return lambda: None
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


def _read_clean(source: Path):
    """`source` as a notebook with every code cell's outputs cleared (NotebookFailure when unreadable)."""
    import nbformat

    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as err:  # not JSON, or not a notebook
        raise NotebookFailure(source.name, None, f"not a readable notebook: {err}") from None
    for cell in nb.cells:  # start from a clean slate: no stale outputs
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _client(nb, source: Path, km=None):
    from nbclient import NotebookClient

    # every cell has replied before the kernel is stopped, so it can be stopped at once (a graceful
    # shutdown costs about half a second a notebook)
    return NotebookClient(
        nb,
        km=km,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(source.parent)}},
    )


def _finish(
    nb, client, source: Path, target: Path, failed_dir: Path | None, restore: Callable[[], None], **execute
) -> None:
    """Execute `nb` with `client` and write it, put back as written (`restore`), to `target`; on failure
    keep the executed copy and raise."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    try:
        client.execute(**execute)
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
        # the executed copy goes into `failed_dir`, never through a symbolic link left there (to a folder or
        # in place of the file): a linked folder gives way to a temporary one, a linked file is replaced
        usable = failed_dir is not None and not failed_dir.is_symlink()
        kept_dir = failed_dir if usable and failed_dir is not None else Path(tempfile.mkdtemp(prefix="scomm-failed-"))
        kept_dir.mkdir(parents=True, exist_ok=True)
        kept = kept_dir / source.name
        _normalise(nb)
        text = nbformat.writes(nb)
        replace_bytes(kept, (text if text.endswith("\n") else text + "\n").encode("utf-8"))
        raise NotebookFailure(source.name, failing, message, kept) from None
    except (KeyboardInterrupt, NotebookFailure):
        raise
    except Exception as err:  # kernel died, timeout
        raise NotebookFailure(source.name, None, f"{type(err).__name__}: {err}") from None
    restore()
    _normalise(nb)
    nbformat.write(nb, target)


def execute_notebook(
    source: Path,
    target: Path,
    env: dict[str, str],
    kernels: Kernels | None = None,
    failed_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Run `source` in a fresh kernel of its own (with `env`, and `parameters` set in its parameters cell) and
    write it, with its own parameters cell as written, to `target` (a build runs several notebooks per
    kernel instead: see `run_notebooks`).

    On failure the executed copy (with the error output) is kept in a temporary folder and named in the
    raised NotebookFailure. `kernels` tracks the kernel so that an interrupted build can stop it.
    """
    nb = _read_clean(source)
    restore = _with_parameters(nb, parameters)
    client = _client(nb, source)
    if kernels is not None:
        kernels.add(client)
        client.on_notebook_start = kernels.check  # a kernel that came up after an interrupt runs nothing
    # the kernel's own start-up chatter (warnings about its transport) stays off the terminal
    _finish(
        nb, client, source, target, failed_dir, restore, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


# ---------------------------------------------------------------- kernels reused across notebooks

_BASELINE: dict = {}  # in a kernel: its state right after the warm-up, which `kernel_reset` restores
WARM_UP_CODE = "import scomm.notebook_runner as _runner; _runner.kernel_warm_up({stems!r}); _runner.kernel_reset()"
RESET_CODE = "import scomm.notebook_runner as _runner; _runner.kernel_reset()"


def kernel_warm_up(notebooks: Sequence[str] = ()) -> None:
    """In a kernel: import what every notebook imports (in the order a notebook does, so the chart module
    picks its drawing backend first), and the analysis modules of `notebooks` (file stems) that have one, and
    record the state `kernel_reset` restores."""
    import gc
    import os
    import warnings

    import IPython.display  # noqa: F401  (notebooks display charts and tables)
    import matplotlib

    import scomm.notebook  # noqa: F401  (pandas, matplotlib, the chart style)
    from scomm import analyses, charts, figure_charts, fmt, ratios, tables  # noqa: F401

    for notebook in notebooks:  # their analysis modules (the registry imports each when first asked)
        analyses.ANALYSES.get(notebook)

    _BASELINE.update(
        rc=dict(matplotlib.rcParams),
        cwd=os.getcwd(),
        path=list(sys.path),
        filters=list(warnings.filters),
        modules=set(sys.modules),
    )
    # The imported libraries' objects live as long as the kernel: frozen, the collections that follow (each
    # reset's, about 0.12 s before; the automatic ones while a notebook runs) no longer walk through them.
    gc.collect()
    gc.freeze()


def kernel_reset() -> None:
    """In a kernel, before the next notebook: close figures, restore the chart settings, warnings, working
    folder and import path of the warm-up, and clear the user namespace and the execution counter."""
    import os
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from scomm import charts

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_BASELINE["rc"])
    os.chdir(_BASELINE["cwd"])
    sys.path[:] = _BASELINE["path"]
    warnings.filters[:] = _BASELINE["filters"]  # type: ignore[index]
    warnings._filters_mutated()  # type: ignore[attr-defined]  # a warning shown before is shown again
    charts._PREVIEWS.clear()
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is not None:
        shell.reset(new_session=True)  # names, In/Out, and the counter back to 1


class _Worker:
    """One kernel that runs notebooks one after another (started on its first notebook, and again after a
    notebook that killed it)."""

    def __init__(self, env: dict[str, str], cwd: Path, kernels: Kernels, stems: Sequence[str] = ()):
        self.env, self.cwd, self.kernels = env, cwd, kernels
        self.stems = list(stems)  # the notebooks of the run: their analysis modules are imported at start
        self.km: Any = None  # AsyncKernelManager, once started
        self.kc: Any = None  # its AsyncKernelClient

    def start(self) -> None:
        """Start this worker's kernel and warm it up."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync  # (nbclient.util's own; a kernel starts without nbclient)

        km = AsyncKernelManager(kernel_name="python3")
        self.kernels.add(km)
        # the kernel's own start-up chatter (warnings about its transport) stays off the terminal
        run_sync(km.start_kernel)(env=self.env, cwd=str(self.cwd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.km = km
        self.kernels.check()  # stopped while this kernel was launched: it is stopped at once, not once warm
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        kc.allow_stdin = False
        self.kc = kc
        self._quiet(WARM_UP_CODE.format(stems=self.stems))

    def _quiet(self, code: str) -> None:
        """Run `code` silently (no output, no execution count); RuntimeError when it raised."""
        from jupyter_core.utils import run_sync  # (nbclient.util's own; a kernel starts without nbclient)

        async def run() -> dict:
            msg_id = self.kc.execute(code, silent=True, store_history=False)
            while True:
                reply = await self.kc.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"]

        content = run_sync(run)()
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}")

    def run(
        self, source: Path, target: Path, failed_dir: Path | None, parameters: Mapping[str, Any] | None = None
    ) -> None:
        """Execute `source` in this worker's kernel (reset first; `parameters` set in its parameters cell) and
        write it to `target`."""
        nb = _read_clean(source)
        restore = _with_parameters(nb, parameters)
        self.kernels.check()
        try:
            if self.km is None:
                self.start()
            else:
                self._quiet(RESET_CODE)
        except KeyboardInterrupt:
            raise
        except Exception as err:
            self.stop()
            raise NotebookFailure(source.name, None, f"{type(err).__name__}: {err}") from None
        client = _client(nb, source, km=self.km)
        client.kc = self.kc
        try:
            _finish(nb, client, source, target, failed_dir, restore)
        except NotebookFailure as err:
            if err.cell is None:  # the kernel died or hung: the next notebook gets a new one
                self.stop()
            raise

    def stop(self) -> None:
        """Stop this worker's kernel (at once: every notebook it ran has replied)."""
        from jupyter_core.utils import run_sync  # (nbclient.util's own; a kernel starts without nbclient)

        km, kc, self.km, self.kc = self.km, self.kc, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # already gone
                pass


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


class KernelPool:
    """Kernels started before the build knows which notebooks they will run, so that their start-up (about
    1.5 s of imports each) overlaps the build's own imports, checks and plan. Each kernel has a thread of its
    own that starts it at once and then runs the notebooks handed to the pool, one after the other (see
    `_Worker`); `run` hands over a batch and waits for it; `close` stops every kernel. Use it as a context
    manager, so that kernels never outlive the build whatever stops it."""

    def __init__(self, env: dict[str, str], cwd: Path, stems: Sequence[str] = ()):
        import queue

        self.env, self.cwd, self.stems = env, cwd, list(stems)
        self.kernels = Kernels()
        self._todo: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._imported = threading.Event()
        self._started = False
        self._warm = threading.Condition()
        self._warmed = 0  # kernels that finished starting (or failed to)
        self._wanted = 0  # kernels asked for by `start`

    def start(self, count: int, stems: Sequence[str] | None = None) -> None:
        """Start kernels in the background until there are `count`, each importing the analysis modules of
        `stems` (the notebooks they will run; default: those given to the pool). A kernel started earlier,
        before the build knew which notebooks run, is kept; `run` starts more when needed."""
        if stems is not None:
            self.stems = list(stems)  # for the kernels started from now on
        if self._started:
            with self._warm:
                self._wanted = max(self._wanted, count)
            threading.Thread(target=self.grow, args=(count,), daemon=True).start()
            return
        self._started = True
        self._wanted = count
        # the client libraries are imported once, before any worker thread starts a kernel (two threads
        # importing jupyter_client at the same time can see it half-initialised)
        threading.Thread(target=self._import_then_start, args=(count,), daemon=True).start()

    def _import_then_start(self, count: int) -> None:
        try:
            from jupyter_client.manager import AsyncKernelManager  # noqa: F401  (all a kernel's start needs)
        finally:
            self._imported.set()
        self.grow(count)
        # the notebooks' clients, once the kernels are on their way: a worker imports the nbclient package
        # itself (never a submodule first), so it waits for this import instead of seeing it half-done
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401

    @property
    def size(self) -> int:
        """How many kernel threads the pool has started so far."""
        return len(self._threads)

    def grow(self, count: int) -> None:
        """Start kernel threads until there are `count` (none once the pool is stopping)."""
        self._imported.wait()
        with self._lock:
            while len(self._threads) < count and not self.kernels.stopping:
                thread = threading.Thread(target=self._work, daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        worker = _Worker(self.env, self.cwd, self.kernels, self.stems)
        try:
            try:
                worker.start()
            except KeyboardInterrupt:  # the build is stopping
                return
            except Exception:  # reported by the first notebook this kernel is given (it tries again)
                worker.stop()
            finally:
                with self._warm:
                    self._warmed += 1
                    self._warm.notify_all()
            while not self.kernels.stopping:
                item = self._todo.get()
                if item is None:
                    return
                path, target_dir, failed_dir, parameters, before, progress, errors, left = item
                started = time.perf_counter()
                try:
                    if before is not None:
                        before(path)  # e.g. until the build has computed this notebook's analysis
                    worker.run(path, target_dir / path.name, failed_dir, parameters)
                    progress.done(path.stem, time.perf_counter() - started)
                except NotebookFailure as err:
                    errors[path] = err
                except BaseException as err:  # noqa: BLE001  (an interrupt: the waiting build re-raises it)
                    errors[path] = err
                finally:
                    left.release()
        finally:
            worker.stop()

    def wait_warm(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until every kernel started so far is warm (at once when none was
        asked for); True when they are."""
        if not self._started:
            return True
        with self._warm:
            return self._warm.wait_for(
                lambda: self._warmed >= max(self._wanted, len(self._threads)) or self.kernels.stopping, timeout
            )

    def run(
        self,
        sources: Sequence[Path],
        target_dir: Path,
        jobs: int,
        progress: Progress,
        failed_dir: Path | None = None,
        parameters: Mapping[str, Any] | None = None,
        before: Callable[[Path], None] | None = None,
    ) -> None:
        """Execute `sources` on the pool's kernels (grown to `jobs` when there are more notebooks than kernels),
        in `run_order`; `before(path)`, when given, is called by the kernel's thread before each notebook (an
        exception there is that notebook's failure); raise the first failure in reading order once all have
        finished."""
        if self.kernels.stopping:  # no thread would take the notebooks
            raise RuntimeError("the kernel pool was closed: a build needs a new one")
        order = run_order(sources)
        self.start(min(jobs, len(order)))
        self.grow(max(self.size, min(jobs, len(order))))
        errors: dict[Path, BaseException] = {}
        left = threading.Semaphore(0)
        for path in order:
            self._todo.put((path, target_dir, failed_dir, parameters, before, progress, errors, left))
        done = Future()  # type: ignore[var-annotated]

        def wait_all() -> None:
            for _ in order:
                left.acquire()
            done.set_result(None)

        threading.Thread(target=wait_all, daemon=True).start()
        wait_interruptibly(done)
        for path in sources:  # reported in reading order
            if path in errors:
                raise errors[path]

    def close(self) -> None:
        """Stop every kernel: the idle ones are told to finish, and any still running is killed."""
        with self._lock:
            threads = list(self._threads)
            self.kernels.stop_all()  # no thread starts after this
        with self._warm:
            self._warm.notify_all()  # a wait for warm kernels ends
        for _ in threads:
            self._todo.put(None)
        for thread in threads:
            thread.join(timeout=10)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def run_notebooks(
    sources: Sequence[Path],
    target_dir: Path,
    env: dict[str, str],
    jobs: int,
    progress: Progress,
    failed_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    pool: KernelPool | None = None,
    before: Callable[[Path], None] | None = None,
) -> None:
    """Execute `sources` `jobs` at a time: one thread and one kernel per job, each kernel running notebook
    after notebook (reset in between, see `kernel_reset`), in `run_order`; `parameters` are set in each
    notebook's parameters cell; `before` see `KernelPool.run`. `pool`: kernels already started (by the
    build, see `KernelPool`); without one, a pool of its own is started here and stopped at the end.

    Interrupted (Ctrl-C, or a signal the command line turns into KeyboardInterrupt), it kills every
    kernel and waits for them to exit before passing the interrupt on, so none writes afterwards."""
    if not sources:
        return
    if pool is not None:
        try:
            pool.run(sources, target_dir, jobs, progress, failed_dir, parameters, before)
        except Exception:  # a failure, raised once every notebook finished: no kernel is running, the pool stays
            raise
        except BaseException:  # an interrupt: every kernel is stopped before it is passed on
            pool.kernels.stop_all()
            raise
        return
    cwd = Path(sources[0]).parent
    with KernelPool(env, cwd, [Path(p).stem for p in sources]) as own:
        own.run(sources, target_dir, jobs, progress, failed_dir, parameters, before)


def wait_interruptibly(future: Future, tick: float = 0.25) -> Any:
    """`future.result()`, waking every `tick` seconds. A signal that the operating system hands to another
    thread (a kernel client's) does not wake a main thread blocked on a lock; waking often lets Python run
    the handler (Ctrl-C's KeyboardInterrupt) within `tick` whichever thread received it."""
    while True:
        try:
            return future.result(timeout=tick)
        except FutureTimeout:
            continue


def run_order(sources: Sequence[Path]) -> list[Path]:
    """The order kernels take notebooks in: longest first (by `_expected_cost`), so the last to finish is short."""
    return sorted(sources, key=_expected_cost, reverse=True)


def _expected_cost(path: Path) -> int:
    """A notebook's size in bytes: the committed copy holds its charts, which take most of the run time."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def default_jobs() -> int:
    """Notebooks run at a time by default: one per core. (The kernels start while the build plans, so none
    waits on another's start-up; on 2 cores a third kernel made a forced build about 15% slower: 26.6 and
    28.0 s against 22.1 and 23.9 s.)"""
    return os.cpu_count() or 1
