"""The faults of a hostile or clumsy user (the fault review): a build never touches a file outside its
output folder, never mixes two versions of the data, holds its lock alone, cleans up on every signal,
and turns every expected fault into one message with no traceback.

The builds here run two tiny notebooks (a kernel each), not the project's nine, so each case is quick.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from scomm import build_stage, output_folder
from scomm.build import LOCK_NAME, STAGING_PREFIX, run_build
from scomm.cli import main
from scomm.paths import DATA_DIR, PROJECT_ROOT
from tiny_project import SHARED_KERNELS, TINY_DATA, build, copy_data, drop_figures, notebook, set_value, tree

OPEN = "from scomm.notebook import open_run\nrun = open_run('{name}', data_path, sources_path, metrics_path, settings)"
READ = "q = run.show(run.get('TNY-001'), key='arrests')\nrun.finding('Finding: {q} arrests', q=q)"
CHART = (
    "import matplotlib\nmatplotlib.use('Agg')\nfrom matplotlib import pyplot as plt\n"
    "fig, ax = plt.subplots()\nax.plot([1, 2], [1, 2])\nrun.publish(fig, '{name}_line', run.select(['TNY-001']))"
)


pytestmark = pytest.mark.usefixtures("no_default_build")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny data (tests/fixtures/tiny_data: TNY-001 is 1,000 arrests), two tiny notebooks that state it,
    and the output folder one build of them made."""
    root = tmp_path_factory.mktemp("built")
    data = copy_data(root / "data")
    nbs = root / "nbs"
    nbs.mkdir()
    for name in ("01_first", "02_second"):
        notebook(nbs / f"{name}.ipynb", OPEN.format(name=name), READ, CHART.format(name=name))
    with pytest.MonkeyPatch.context() as mp:  # no comparison with the project's own (committed) last build
        mp.setattr(build_stage, "LAST_DEFAULT_BUILD", root / "no-default-build")
        assert build(data, root / "out", nbs) == 0
    return data, nbs, root / "out"


@pytest.fixture
def project(built, tmp_path):
    """A private copy of the built tiny project: (data, notebooks, output folder)."""
    copies = []
    for src, name in zip(built, ("data", "nbs", "out")):
        shutil.copytree(src, tmp_path / name, symlinks=True)
        copies.append(tmp_path / name)
    return tuple(copies)


def manifest_path(out: Path) -> Path:
    return out / "figures" / "build-state" / "manifest.json"


def add_to_manifest(out: Path, rel: str) -> None:
    path = manifest_path(out)
    manifest = json.loads(path.read_text())
    manifest["outputs"][rel] = "0" * 64
    path.write_text(json.dumps(manifest))


# ---------------------------------------------------------------- nothing outside the output folder


@pytest.mark.parametrize("entry", ["../victim/precious.txt", "figures/../../victim/precious.txt"])
def test_a_manifest_entry_that_escapes_deletes_nothing(project, capsys, entry):
    data, nbs, out = project
    victim = out.parent / "victim" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("keep me")
    add_to_manifest(out, entry)
    before = tree(out)
    set_value(data, "TNY-001", "1500")  # a real rebuild, which would delete outputs no longer produced
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert "outside the output folder" in err and entry in err
    assert victim.read_text() == "keep me" and tree(out) == before


def test_an_absolute_manifest_entry_deletes_nothing(project, capsys, tmp_path):
    data, nbs, out = project
    victim = tmp_path / "absolute-victim.txt"
    victim.write_text("keep me")
    add_to_manifest(out, str(victim))
    set_value(data, "TNY-001", "1500")
    assert build(data, out, nbs) == 1
    assert "outside the output folder" in capsys.readouterr().err and victim.read_text() == "keep me"


def test_a_symlinked_folder_in_the_output_cannot_lead_a_delete_outside(project, capsys, tmp_path):
    data, nbs, out = project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.png").write_text("keep me")
    (out / "figures" / "link").symlink_to(elsewhere)
    add_to_manifest(out, "figures/link/x.png")
    set_value(data, "TNY-001", "1500")
    assert build(data, out, nbs) == 1
    assert "symbolic link" in capsys.readouterr().err and (elsewhere / "x.png").read_text() == "keep me"


def test_a_lock_file_that_is_a_symbolic_link_is_refused_and_its_target_kept(project, capsys, tmp_path):
    """A link left where the build's lock file goes (to a file outside, or to none yet) is never opened: the build
    stops with one message, and neither the target nor the outputs change."""
    data, nbs, out = project
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for target in (victim, tmp_path / "not-yet.txt"):
        (out / LOCK_NAME).unlink(missing_ok=True)
        (out / LOCK_NAME).symlink_to(target)
        before = tree(out)
        assert build(data, out, nbs, force=True) == 1
        err = capsys.readouterr().err
        assert "symbolic link" in err and "Traceback" not in err
        assert victim.read_text() == "keep me" and not (tmp_path / "not-yet.txt").exists() and tree(out) == before


def test_a_failed_notebook_is_never_kept_through_a_symbolic_link(project, capsys, tmp_path):
    """The executed copy of a failing notebook goes to OUT/.scomm-failed/: a link there, to a folder outside or
    in place of the copy, is not followed (a linked folder gives way to a temporary one; a linked copy is
    replaced by the file itself)."""
    data, nbs, out = project
    notebook(nbs / "01_first.ipynb", OPEN.format(name="01_first"), "raise ValueError('planted')")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    failed = out / build_stage.FAILED_DIR
    failed.symlink_to(elsewhere)
    assert build(data, out, nbs, force=True) == 1
    assert "01_first" in capsys.readouterr().err and list(elsewhere.iterdir()) == []
    failed.unlink()
    failed.mkdir()
    victim = tmp_path / "victim.ipynb"
    victim.write_text("keep me")
    (failed / "01_first.ipynb").symlink_to(victim)
    assert build(data, out, nbs, force=True) == 1
    capsys.readouterr()
    kept = failed / "01_first.ipynb"
    assert victim.read_text() == "keep me" and not kept.is_symlink() and "planted" in kept.read_text()


@pytest.mark.parametrize("where", ["/", "~", "project parent", "project data", "inside project src"])
def test_output_folders_that_hold_a_users_files_are_refused(where, capsys):
    out = {
        "/": "/",
        "~": str(Path.home()),
        "project parent": str(PROJECT_ROOT.parent),
        "project data": str(PROJECT_ROOT / "data"),  # had written 29 MB of outputs among the data files
        "inside project src": str(PROJECT_ROOT / "src" / "scomm"),
    }[where]
    existed = Path(out, LOCK_NAME).exists()
    assert main(["build", "--out", out, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "refusing to build into" in err and "Traceback" not in err
    assert Path(out, LOCK_NAME).exists() == existed and not list(Path(out).expanduser().glob(STAGING_PREFIX + "*"))


def test_a_changed_output_is_not_overwritten_without_replace(project, capsys):
    data, nbs, out = project
    mine = out / "notebooks" / "01_first.ipynb"
    mine.write_text(mine.read_text().replace("Finding:", "My own note. Finding:"))
    set_value(data, "TNY-001", "1500")
    before = tree(out)
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert "changed since" in err and "01_first.ipynb" in err and tree(out) == before
    assert build(data, out, nbs, replace=True) == 0
    assert "1,500" in mine.read_text()


def test_an_edit_keeping_the_size_is_found_and_unchanged_outputs_are_not_read_again(project, monkeypatch):
    # the last build recorded each output's size, time and hash: unchanged files are not hashed again to
    # look for edits, and an edit that keeps the size (its modification time changes) is still found
    from scomm import build_state

    data, nbs, out = project
    manifest = build_state.read_manifest(out)
    hashed: list[Path] = []
    real = build_state._sha
    monkeypatch.setattr(build_state, "_sha", lambda path: hashed.append(path) or real(path))
    assert build_state.edited_outputs(out, manifest, project_root=False) == [] and hashed == []
    target = out / "figures" / "ratios.csv"
    before = target.read_bytes()
    edited = before.replace(b"1", b"2", 1)
    assert edited != before and len(edited) == len(before)
    target.write_bytes(edited)
    assert build_state.edited_outputs(out, manifest, project_root=False) == [target] and hashed == [target]


def test_a_deleted_output_is_rebuilt(project):
    data, nbs, out = project
    (out / "figures" / "report.html").unlink()
    assert build(data, out, nbs) == 0
    assert (out / "figures" / "report.html").is_file()


# ---------------------------------------------------------------- one version of the data per build


@pytest.mark.parametrize("style", ["bom", "crlf", "columns reordered"])
def test_a_resaved_figures_file_builds_when_no_notebook_reruns(project, style):
    data, nbs, out = project
    path = data / "figures.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if style == "columns reordered":
        frame = frame[list(reversed(frame.columns))]
    frame.to_csv(
        path,
        index=False,
        lineterminator="\r\n" if style == "crlf" else "\n",
        encoding="utf-8-sig" if style == "bom" else "utf-8",
    )
    assert build(data, out, nbs) == 0
    assert (
        json.loads(manifest_path(out).read_text())["data"]["figures.csv"]
        == hashlib.sha256(path.read_bytes()).hexdigest()
    )


def test_a_file_saved_during_the_build_changes_nothing_in_it(tmp_path):
    """The first notebook to run saves a new value into the user's figures.csv, as a user would mid-build;
    both notebooks, the recorded inputs and the manifest still hold the value the build started with."""
    data = copy_data(tmp_path / "data")
    original = (data / "figures.csv").read_bytes()
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    edit = (
        f"from pathlib import Path\np = Path({str(data / 'figures.csv')!r})\n"
        "p.write_text(p.read_text().replace(',1000,', ',99999,'))"
    )
    notebook(nbs / "01_edits.ipynb", edit, OPEN.format(name="01_edits"), READ)
    notebook(nbs / "02_reads.ipynb", "import time\ntime.sleep(1)", OPEN.format(name="02_reads"), READ)
    out = tmp_path / "out"
    assert (
        run_build(
            data=str(data / "figures.csv"),
            out=str(out),
            formats=("png",),
            progress=False,
            notebooks=sorted(nbs.glob("*.ipynb")),
            jobs=1,
            kernels=SHARED_KERNELS.get(),
        )
        == 0
    )
    assert (data / "figures.csv").read_bytes() != original  # the user's file did change during the build
    for name in ("01_edits", "02_reads"):
        text = (out / "notebooks" / f"{name}.ipynb").read_text()
        assert "1,000 arrests" in text and "99,999" not in text, name
    assert (out / "figures" / "build-state" / "inputs" / "figures.csv").read_bytes() == original
    assert json.loads(manifest_path(out).read_text())["data"]["figures.csv"] == hashlib.sha256(original).hexdigest()


def test_a_data_path_holding_a_colon_reaches_every_notebook(project, tmp_path):
    _, nbs, _ = project
    data = tmp_path / "my:data"
    shutil.copytree(project[0], data)
    out = tmp_path / "out:colon"
    assert build(data, out, nbs) == 0
    assert "1,000 arrests" in (out / "notebooks" / "01_first.ipynb").read_text()


def test_a_folder_given_as_data_is_read_whole(project, tmp_path):
    data, nbs, _ = project
    set_value(data, "TNY-001", "1500")
    out = tmp_path / "from-folder"
    assert (
        run_build(
            data=str(data),
            out=str(out),
            formats=("png",),
            progress=False,
            notebooks=sorted(nbs.glob("*.ipynb")),
            jobs=2,
            kernels=SHARED_KERNELS.get(),
        )
        == 0
    )
    assert "1,500 arrests" in (out / "notebooks" / "01_first.ipynb").read_text()


# ---------------------------------------------------------------- the lock


TRIALS = 200


def _contend_once(lock_dir: str, marker: str) -> str:
    """Take the lock if free; while holding it, nobody else may be inside."""
    lock = output_folder.FolderLock(Path(lock_dir), LOCK_NAME, "busy {pid}")
    try:
        lock.acquire()
    except output_folder.LockBusy:
        return "busy"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        lock.release()
        return "two holders"
    time.sleep(0.005)
    os.close(fd)
    os.unlink(marker)
    lock.release()
    return "held"


def _contender(lock_dir: str, marker: str, start, done, results) -> None:
    """One of four processes: in each trial, wait for the others at `start`, contend, report, wait at `done`."""
    for _trial in range(TRIALS):
        start.wait(30)
        results.put(_contend_once(lock_dir, marker))
        done.wait(30)


def test_stale_lock_takeover_never_admits_two_holders(tmp_path):
    """200 trials: a lock file left by a killed build, then four processes taking it over at once (the same
    four processes each trial, released together by a barrier)."""
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    start, done = ctx.Barrier(5), ctx.Barrier(5)
    procs = [
        ctx.Process(target=_contender, args=(str(tmp_path), str(tmp_path / "inside"), start, done, results))
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    outcomes = []
    try:
        for _trial in range(TRIALS):
            (tmp_path / LOCK_NAME).write_text("999999\n")  # left by a build that is gone
            start.wait(30)
            trial = [results.get(timeout=30) for _ in procs]
            done.wait(30)
            assert "two holders" not in trial
            assert "held" in trial  # every trial was won by someone
            outcomes += trial
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    assert len(outcomes) == 4 * TRIALS


def test_a_held_lock_refuses_a_second_build_with_the_holders_id(project, capsys):
    data, nbs, out = project
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from scomm import output_folder as o\n"
                f"l = o.FolderLock(Path({str(out)!r}), {LOCK_NAME!r}, ''); l.acquire(); print('ok', flush=True); "
                "time.sleep(120)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        before = tree(out)
        assert build(data, out, nbs, force=True) == 1  # refused at the lock, before any kernel
        assert f"another build (process {holder.pid})" in capsys.readouterr().err
        assert tree(out) == before
    finally:
        holder.kill()
        holder.wait()
    assert build(data, out, nbs) == 0  # the holder was killed: its lock went with it (nothing to run)
    assert not (out / LOCK_NAME).exists()


# ---------------------------------------------------------------- signals


# The build under test runs as a terminal's foreground job, where Ctrl-C raises KeyboardInterrupt: a shell
# without job control starts background commands with SIGINT ignored, and a child inherits that.
FOREGROUND = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"


WRITER = (  # a notebook that keeps writing into the build's folder until it is stopped
    "import time\nfrom pathlib import Path\nd = Path(settings['figures_dir'])\n"
    "for i in range(100000):\n    (d / f'part{i % 5}.txt').write_text('x')\n    time.sleep(0.01)"
)


def _writer_build(tmp_path: Path, before: str = "") -> tuple[subprocess.Popen, Path]:
    """A build of the writer notebook in a child process (code `before` run first in it); (process, OUT)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = tmp_path / "data"
    copy_data(data)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    notebook(nbs / "01_writer.ipynb", WRITER)
    out = tmp_path / "out"
    script = (
        f"{FOREGROUND}import sys; from pathlib import Path; from scomm.cli import main; import scomm.build as b\n"
        f"b.notebook_paths = lambda *a: sorted(Path({str(nbs)!r}).glob('*.ipynb'))\n"
        f"out = Path({str(out)!r})\n{before}"
        f"sys.exit(main(['build', '--data', {str(data / 'figures.csv')!r}, '--out', str(out), "
        "'--formats', 'png', '--force']))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ), out


def _writing(out: Path) -> bool:
    return bool(list(out.glob(f"{STAGING_PREFIX}*/figures/part*.txt")))


INTERRUPT_FROM_ANOTHER_THREAD = (  # run in the build's process: SIGINT to a thread of its own once the notebook writes
    "import signal, threading, time\n"
    "def interrupt():\n"
    f"    while not list(out.glob('{STAGING_PREFIX}*/figures/part*.txt')):\n"
    "        time.sleep(0.05)\n"
    "    signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # to this thread, not the main one\n"
    "threading.Thread(target=interrupt, daemon=True).start()\n"
)


STOPPED_BY = (  # `scomm` with a command that sends its own process a signal, then waits to be stopped
    "import os, signal, sys, time\nfrom scomm import cli\n"
    "def stop_self(args):\n    os.kill(os.getpid(), getattr(signal, sys.argv[1]))\n    time.sleep(60)\n    return 0\n"
    "class Args:\n    command = 'build'\n    func = staticmethod(stop_self)\n"
    "cli.build_parser = lambda: type('Parser', (), {'parse_args': lambda self, argv: Args()})()\n"
    "sys.exit(cli.main([]))\n"
)


@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_stop_signal_is_an_interruption_with_the_shells_exit_code(name, code):
    """SIGTERM (a `kill`) and SIGHUP (a closed terminal) stop any command as Ctrl-C does, through the same
    handler, with the exit code a shell reports for that signal (the build's clean-up on it is tested below)."""
    done = subprocess.run([sys.executable, "-c", STOPPED_BY, name], capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert "scomm build: interrupted" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_each_signal_stops_kernels_then_removes_staging_and_lock(tmp_path):
    """Builds of the writer notebook, each stopped once its notebook writes: by SIGINT (Ctrl-C), by SIGTERM (the
    handler SIGHUP shares, see above), and by a SIGINT that the operating system hands to another thread than the
    main one (kernel clients start several; here a thread of the build sends it to itself). Each exits with the
    shell's code, saying it was interrupted, and leaves nothing staged and no lock, even a second later. The
    builds run side by side, so that their start-ups overlap; the bound is generous (the speed itself is
    benchmarks/interrupt.py's)."""
    signals = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}
    runs = {name: _writer_build(tmp_path / name) for name in signals}
    runs["SIGINT to another thread"] = _writer_build(tmp_path / "thread", INTERRUPT_FROM_ANOTHER_THREAD)
    codes = {name: code for name, (_, code) in signals.items()} | {"SIGINT to another thread": 130}
    deadline = time.monotonic() + 120
    try:
        for name, (signum, _) in signals.items():
            proc, out = runs[name]
            while time.monotonic() < deadline and not _writing(out) and proc.poll() is None:
                time.sleep(0.1)
            assert _writing(out), f"{name}: the notebook never started writing"
            proc.send_signal(signum)
        errors = {
            name: proc.communicate(timeout=max(1.0, deadline - time.monotonic()))[1] for name, (proc, _) in runs.items()
        }
    finally:
        for proc, _ in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    time.sleep(1.0)  # a kernel still running would have written again by now
    for name, (proc, out) in runs.items():
        assert proc.returncode == codes[name], f"{name}: {errors[name]}"
        assert "interrupted" in errors[name] and "Traceback" not in errors[name], f"{name}: {errors[name]}"
        assert not list(out.glob(STAGING_PREFIX + "*")) and not (out / LOCK_NAME).exists(), name


# ---------------------------------------------------------------- files that are not what they should be


def test_a_notebook_that_is_not_json_is_one_message(project, capsys):
    data, nbs, out = project
    (nbs / "02_second.ipynb").write_text('{"cells": [')
    before = tree(out)
    assert build(data, out, nbs, force=True) == 1
    err = capsys.readouterr().err
    assert "02_second.ipynb" in err and "not a readable notebook" in err and tree(out) == before


def test_a_symlink_loop_given_as_data_is_one_message(tmp_path, capsys):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    for argv in (["validate", str(loop)], ["build", "--data", str(loop), "--out", str(tmp_path / "o")]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "symbolic links" in err and "Traceback" not in err


def test_a_corrupt_data_package_descriptor_names_file_and_line(tmp_path):
    from scomm.schema import DataFileError, load_package

    bad = tmp_path / "datapackage.json"
    bad.write_text('{"resources": [\n  {"name": "figures",\n')
    with pytest.raises(DataFileError) as info:
        load_package(bad)
    assert str(bad) in str(info.value) and "line 3" in str(info.value)


def test_a_corrupt_lineage_record_is_one_message(project, capsys):
    _, _, out = project
    (out / "figures" / "build-state" / "lineage.json").write_text("{not json")
    assert main(["lineage", "TNY-001", "--out", str(out)]) == 1
    out_text = capsys.readouterr().out
    assert "cannot be read" in out_text and "scomm build --force" in out_text


# ---------------------------------------------------------------- scomm place --chart


def test_place_chart_does_not_overwrite_a_users_files(tmp_path, capsys):
    chart = tmp_path / "texas.png"
    (tmp_path / "texas.csv").write_text("my own table")
    assert main(["place", "Texas", "--chart", str(chart)]) == 1
    assert "already exist" in capsys.readouterr().err
    assert (tmp_path / "texas.csv").read_text() == "my own table" and not chart.exists()
    assert main(["place", "Texas", "--chart", str(chart), "--replace"]) == 0
    assert chart.stat().st_size > 0 and (tmp_path / "texas.csv").read_text() != "my own table"


def test_place_chart_creates_no_folder(tmp_path, capsys):
    assert main(["place", "Texas", "--chart", str(tmp_path / "no" / "such" / "texas.png")]) == 1
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "no").exists()


# ---------------------------------------------------------------- nothing executable from the data


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click](javascript:alert(5))",
    '<a href="javascript:alert(6)">x</a>',
    "| broken | table |",
    "\x1b[31mred",
]


def _html(markdown: str) -> str:
    """The HTML `jupyter nbconvert --to html` makes of a Markdown output (its own renderer)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_data_text_in_findings_and_tables_renders_as_text(text):
    from scomm.analysis import FindingFormatter as _Formatter
    from scomm.tables import readable

    finding = _Formatter().format("Finding: {event} happened.", event=text)
    table = readable(pd.DataFrame({"note": [text], "value": [1.0]}))
    for html in (_html(finding), _html(table)):
        assert "<script" not in html and "<img" not in html and "onerror=" not in html.replace("onerror=&quot;", "")
        assert 'href="javascript:' not in html and "\x1b" not in html
    assert _html(table).count("<td") == 2  # a '|' in the data does not add a cell


def test_terminal_text_shows_control_characters():
    from scomm.fmt import terminal_safe

    assert terminal_safe("a\x1b[2Jb\x00c\u202ed\nnext") == "a\\x1b[2Jb\\x00c\\u202ed\nnext"


def test_control_characters_in_a_csv_field_are_refused_with_line_and_column(tmp_path):
    from scomm.data import load_dataset
    from scomm.problems import FiguresValidationError

    rows = (DATA_DIR / "figures.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3][:-1] + "\x00" + rows[3][-1]
    rows[5] = rows[5][:-1] + "\x1b[2J" + rows[5][-1]
    (tmp_path / "figures.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FiguresValidationError) as info:
        load_dataset(tmp_path / "figures.csv")
    found = [(p.line, p.column) for p in info.value.problems]
    assert found == [(4, "notes"), (6, "notes")]
    assert "control or invisible characters" in info.value.problems[0].expected


# ---------------------------------------------------------------- every missing figure at once


def test_every_missing_figure_of_every_notebook_is_named_in_one_run(project, capsys):
    data, nbs, out = project
    notebook(nbs / "02_second.ipynb", OPEN.format(name="02_second"), "run.show(run.get('TNY-002'), key='removals')")
    assert build(data, out, nbs) == 0
    drop_figures(data, "TNY-001", "TNY-002")
    before = tree(out)
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert "notebook 01_first needs figure(s) TNY-001" in err and "notebook 02_second needs figure(s) TNY-002" in err
    assert tree(out) == before


def test_validate_names_every_figure_the_notebooks_read_that_the_data_lacks(tmp_path, monkeypatch, capsys):
    from scomm import build_state

    record = {
        "notebooks": {
            "01_a": {"reads": {"figure_ids": ["TNY-001", "TNY-004"]}},
            "02_b": {"reads": {"figure_ids": ["TNY-002"]}},
        }
    }
    monkeypatch.setattr(build_state, "read_manifest", lambda out: record)
    copy_data(tmp_path)
    drop_figures(tmp_path, "TNY-001", "TNY-002")
    assert main(["validate", str(tmp_path / "figures.csv")]) == 1
    err = capsys.readouterr().err
    assert "notebook 01_a needs figure(s) TNY-001\n" in err and "notebook 02_b needs figure(s) TNY-002" in err
    assert main(["validate", str(TINY_DATA / "figures.csv")]) == 0  # the whole tiny data has them all


def test_validate_names_every_notebook_whose_analysis_cannot_use_the_data(tmp_path, monkeypatch, capsys):
    """A milestone two notebooks date by (M14, the return) removed from a copy of the bundled data: validate had
    said OK and only the build stopped, on the first of them. Now validate computes the analyses of the last
    build's notebooks and names each that fails, with why, in one run (and writes nothing)."""
    from scomm import build_state

    record = {
        "notebooks": {stem: {"reads": {}} for stem in ("01_program_overview", "09_reinstated_era", "12_jail_channel")}
    }
    monkeypatch.setattr(build_state, "read_manifest", lambda out: record)
    for name in ("figures.csv", "sources.csv", "metrics.csv", "claims.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, tmp_path / name)
    milestones = tmp_path / "milestones.csv"
    lines = milestones.read_text(encoding="utf-8").splitlines(keepends=True)
    milestones.write_text("".join(line for line in lines if not line.startswith("M14,")), encoding="utf-8")
    before = tree(tmp_path)
    assert main(["validate", str(tmp_path / "figures.csv")]) == 1
    err = capsys.readouterr().err
    why = "milestone M14 (the return of Secure Communities) is not in the milestones table"
    assert f"notebook 09_reinstated_era: {why}\n" in err and f"notebook 12_jail_channel: {why}\n" in err
    assert "01_program_overview" not in err and "Traceback" not in err and tree(tmp_path) == before
    shutil.copy2(DATA_DIR / "milestones.csv", milestones)
    assert main(["validate", str(tmp_path / "figures.csv")]) == 0
    assert "the analyses of 3 notebooks compute on it." in capsys.readouterr().out


@pytest.mark.parametrize("jobs", ["-1", "0", "two"])
def test_a_count_of_jobs_below_one_is_refused_before_anything_runs(jobs, capsys, tmp_path):
    """`--jobs -1` had started a build that waited for ever (no kernel would take a notebook); `--jobs 0` was
    read as the default without a word."""
    with pytest.raises(SystemExit) as info:
        main(["build", "--jobs", jobs, "--out", str(tmp_path / "out"), "--quiet"])
    assert info.value.code == 2
    assert "--jobs: expected a whole number of 1 or more" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


INTERRUPTED_QUERY = (  # `scomm derive` whose DuckDB query is stopped by Ctrl-C, as DuckDB reports it
    "import sys\nfrom scomm import cli\n"
    "def stopped(args):\n    raise {error}\n"
    "cli._derive = stopped  # the parser, built inside main, takes it\n"
    "sys.exit(cli.main(['derive']))\n"
)


@pytest.mark.parametrize("error", ["RuntimeError('Query interrupted')", "__import__('duckdb').InterruptException('x')"])
def test_ctrl_c_inside_a_duckdb_query_is_an_interrupt_not_a_traceback(error):
    """Ctrl-C while DuckDB reads the raw records comes back from DuckDB as its own error; the command says it was
    interrupted and exits as for any Ctrl-C (130), without a traceback (it had exited 1 with one)."""
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_QUERY.format(error=error)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert "scomm derive: interrupted; earlier outputs are unchanged." in done.stderr
    assert "Traceback" not in done.stderr


def test_a_named_pipe_given_as_a_data_file_is_one_message_not_a_wait(tmp_path, capsys):
    """A named pipe where metrics.csv should be: validate and build each say it is not a regular file (both had
    waited for ever on it)."""
    for name in ("figures.csv", "sources.csv", "milestones.csv", "claims.csv"):
        shutil.copy2(DATA_DIR / name, tmp_path / name)
    os.mkfifo(tmp_path / "metrics.csv")
    assert main(["validate", str(tmp_path / "figures.csv")]) == 1
    assert "named pipe" in capsys.readouterr().err
    assert main(["build", "--data", str(tmp_path / "figures.csv"), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "not a regular file" in err and "Traceback" not in err
