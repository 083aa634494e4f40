"""The `scomm` command line: `scomm validate`, `scomm build`, `scomm lineage`, `scomm place`, `scomm derive`.

Expected faults (invalid data, a failing notebook, a path that cannot be read or written) become one
readable message and exit status 1 here, in one place; Ctrl-C gives exit status 130. Set SCOMM_DEBUG=1
to see the full traceback for a bug report.

Each command imports what it needs when it runs (the imports inside the functions below): `scomm --help`
and a build with nothing to do never load pandas, matplotlib or the data modules (benchmarks/rebuild.py
measures both; importing scomm.build here would add 30 to 50 ms to --help, scomm.data about 1.2 s).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from scomm import __version__, same_bytes
from scomm.fmt import terminal_safe
from scomm.paths import DATA_DIR, beside

STOP_SIGNALS = {signal.SIGTERM: 143, signal.SIGHUP: 129}  # exit codes as a shell reports them


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is so that every clean-up on the way out runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.code = STOP_SIGNALS.get(signal.Signals(signum), 130)


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def say(text: str) -> None:
    """Print text that holds data to the terminal with control characters shown, never acted on."""
    print(terminal_safe(text))


def _validate(args: argparse.Namespace) -> int:
    from scomm import lineage  # pandas: see the module's docstring
    from scomm.analyses import ANALYSES  # likewise
    from scomm.build_analyses import analysis_failures, failures_text  # likewise
    from scomm.build_state import read_manifest  # likewise
    from scomm.data import load_dataset  # likewise
    from scomm.paths import PROJECT_ROOT  # likewise

    ds = load_dataset(args.path, args.sources, args.metrics)

    notebooks = read_manifest(PROJECT_ROOT).get("notebooks", {})  # those of the last build, as it read them
    missing = lineage.missing_by_notebook(notebooks, ds)
    if missing:  # the notebooks read these by id: a build would stop on them
        print(
            f"the data lacks figures the notebooks read (from the last build's record):\n"
            f"{lineage.missing_text(missing)}",
            file=sys.stderr,
        )
        print("scomm validate: the data is incomplete for the notebooks; nothing was written.", file=sys.stderr)
        return 1
    failed = analysis_failures(ds, "the data given", sorted(notebooks))
    if failed:  # what a build would stop on (a milestone, a place, a table the data lacks), every notebook at once
        print(terminal_safe(failures_text(failed)), file=sys.stderr)
        print("scomm validate: the notebooks' analyses cannot use this data; nothing was written.", file=sys.stderr)
        return 1
    analysed = sum(1 for stem in notebooks if stem in ANALYSES)
    figs = ds.figures
    used = figs["source_id"].nunique()
    conf = figs["confidence"].value_counts().reindex(["high", "medium", "low"]).fillna(0).astype(int)
    print(
        f"OK: {len(figs)} figures from {used} sources ({len(ds.sources)} listed), "
        f"{figs['metric'].nunique()} metrics, {len(ds.claims)} published claims; confidence high {conf['high']}, "
        f"medium {conf['medium']}, low {conf['low']}"
        + (f"; the analyses of {analysed} notebooks compute on it." if analysed else ".")
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    from scomm.build import run_build  # see the module's docstring: --help does not load it

    formats = tuple(dict.fromkeys(f.strip() for f in args.formats.split(",") if f.strip()))  # each once
    unknown = [f for f in formats if f not in ("png", "svg", "pdf")]
    if unknown or not formats:
        print(
            f"scomm build: --formats takes png, svg and/or pdf (got {terminal_safe(repr(args.formats))})",
            file=sys.stderr,
        )
        return 2
    return run_build(
        data=args.data,
        sources=args.sources,
        metrics=args.metrics,
        out=args.out,
        jobs=args.jobs,
        formats=formats,
        force=args.force,
        progress=not args.quiet,
        replace=args.replace,
    )


def _lineage(args: argparse.Namespace) -> int:
    from scomm.lineage_report import lineage_text  # pandas: see the module's docstring

    text, found = lineage_text(args.figure_id, args.out)
    say(text)
    return 0 if found else 1


def _place(args: argparse.Namespace) -> int:
    from scomm import geography, place_lookup, place_profile  # pandas: see the module's docstring
    from scomm.data import dataset_paths, load_dataset  # likewise

    ds = load_dataset(args.data)
    # the place tables of the --data folder when it holds them (as a build reads them), else the bundled ones
    figures = dataset_paths(args.data)[0]
    table = {name: beside(figures, name, DATA_DIR / name) for name in ("activations.csv", "states.csv", "places.csv")}
    acts = geography.activations(table["activations.csv"], table["states.csv"])
    sts, plc = geography.states(table["states.csv"]), geography.places(table["places.csv"])
    try:
        place = place_lookup.lookup(args.name, acts, sts, plc)
    except place_lookup.PlaceLookupError as err:  # it lists names from the data: shown, never acted on
        print(f"scomm place: {terminal_safe(str(err))}", file=sys.stderr)
        return 1
    say(place_profile.profile_text(place, acts, sts, ds.figures, ds.sources, plc, place_profile.read_ratios()))
    if place.kind == "county":  # its ICE field office and the jail share of arrests there, from ICE's records
        from scomm.detainers import place_text as detainer_text  # the record modules: loaded only for a county
        from scomm.jails import place_text  # likewise

        say("\n" + place_text(place.code, ds.milestones))  # the return dated by the data given
        say("\n" + detainer_text(place.code))  # declined detainers and 287(g) years
    if args.chart:
        if place.kind not in ("county", "state"):
            print(
                f"scomm place: no rollout chart for {place.name} (a {place.kind}, not a county or state)",
                file=sys.stderr,
            )
            return 1
        from scomm import charts  # matplotlib (about 1.2 s), loaded only when a chart is asked for
        from scomm.place_charts import state_rollout_chart  # likewise

        target = Path(args.chart)
        fmt = target.suffix.lstrip(".").lower() or "png"
        if fmt not in ("png", "svg", "pdf"):
            print(f"scomm place: --chart {args.chart}: expected a file ending in .png, .svg or .pdf", file=sys.stderr)
            return 1
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            print(
                f"scomm place: --chart {args.chart}: the folder {folder} does not exist; create it first "
                "(scomm writes only into folders that exist)",
                file=sys.stderr,
            )
            return 1
        existing = [p for p in (target.with_suffix(f".{fmt}"), target.with_suffix(".csv")) if p.exists()]
        if existing and not args.replace:
            print(
                f"scomm place: --chart {args.chart}: {', '.join(map(str, existing))} already exist(s); "
                "choose another name, or add --replace to overwrite",
                file=sys.stderr,
            )
            return 1
        fig, table = state_rollout_chart(
            acts, sts, ds.sources, str(place.state), place.code if place.kind == "county" else None
        )
        charts.save_figure(fig, target.stem, table, out_dir=folder, formats=[fmt])
        print(f"\nChart: {target} (its data: {target.with_suffix('.csv')})")
    return 0


def _derive(args: argparse.Namespace) -> int:
    from scomm.enforcement import main as derive_main  # pandas: see the module's docstring

    return derive_main(force=args.force)


def _at_least_one(text: str) -> int:
    """A count of notebooks to run at once: a whole number of 1 or more (argparse reports anything else)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (exposed for tests and --help)."""
    parser = argparse.ArgumentParser(
        prog="scomm",
        description="Secure Communities by the Numbers: validate the sourced figures and rebuild "
        "every notebook, chart and report from them.",
        epilog="Set SCOMM_DEBUG=1 to see a full traceback when reporting a bug.",
    )
    parser.add_argument("--version", action="version", version=f"scomm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser(
        "validate",
        help="check figures.csv (and the sources, metrics, milestones and claims beside it)",
        description="Check the data against data/datapackage.json. Prints every problem with file, "
        "line, column, value and what was expected (exit 1), then computes every notebook's analysis on the "
        "data and names each that cannot (a milestone, place or table a notebook needs and the data lacks), "
        "or prints a one-line summary (exit 0). Writes nothing.",
    )
    v.add_argument("path", nargs="?", help="figures CSV (default: the bundled data/figures.csv)")
    v.add_argument("--sources", help="sources CSV (default: sources.csv beside PATH, else the bundled one)")
    v.add_argument("--metrics", help="metrics CSV (default: metrics.csv beside PATH, else the bundled one)")
    v.set_defaults(func=_validate)

    b = sub.add_parser(
        "build",
        help="rebuild notebooks, charts, ratios.csv, claim checks and the HTML report",
        description="Validate the data, re-run the notebooks whose inputs changed (all of them with "
        "--force), and collect the executed notebooks, charts, ratios.csv, the published-claims "
        "checks, a what-changed report and an HTML report. Outputs are moved in only when "
        "everything succeeded; only files an earlier build wrote are ever replaced. With no "
        "options it rebuilds the committed notebooks/ and figures/ from the bundled data.",
    )
    b.add_argument("--data", help="figures CSV (default: bundled data/figures.csv)")
    b.add_argument("--sources", help="sources CSV (default: beside --data, else bundled)")
    b.add_argument("--metrics", help="metrics CSV (default: beside --data, else bundled)")
    b.add_argument("--out", help="output folder (default: the project itself: notebooks/, figures/)")
    b.add_argument(
        "--jobs", type=_at_least_one, default=None, help="notebooks run at once, 1 or more (default: one per core)"
    )
    b.add_argument("--formats", default="png,svg,pdf", help="chart formats to write (default: png,svg,pdf)")
    b.add_argument("--force", action="store_true", help="re-run every notebook even when nothing changed")
    b.add_argument(
        "--replace",
        action="store_true",
        help="build into a folder that also holds files of yours (they are kept; same-named outputs replaced)",
    )
    b.add_argument("--quiet", action="store_true", help="no progress output")
    b.set_defaults(func=_build)

    lin = sub.add_parser(
        "lineage",
        help="list every notebook, chart, derived number and claim that uses a figure",
        description="Reads the last build's record (figures/build-state/) and lists what uses "
        "FIGURE_ID: notebooks that read it, charts that plot it, derived numbers in ratios.csv "
        "and published claims. Exit 1 when nothing uses it.",
    )
    lin.add_argument("figure_id", help="a figure_id such as FUN-024")
    lin.add_argument("--out", help="the build's output folder (default: the project)")
    lin.set_defaults(func=_lineage)

    p = sub.add_parser(
        "place",
        help="when Secure Communities reached a county or state, and every figure about it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Look up a county or state in ICE's list of activated jurisdictions: its "
        "activation date, the statewide date, how early it was (rank among all counties and in "
        "its state, and the share of its state active by then), every figure of data/figures.csv "
        "about it with its source, and the derived numbers that use those figures.",
        epilog='examples:\n  scomm place "Dallas County, TX"\n  scomm place 48113\n'
        "  scomm place TX\n  scomm place Texas --chart texas.png\n\n"
        "An unknown or ambiguous name exits with status 1 and lists the closest matches.",
    )
    p.add_argument(
        "name",
        help='\'County name, ST\' ("Dallas County, TX" or "Dallas, TX"), a 5-digit county FIPS '
        "code (48113), a state code (TX) or name (Texas), or a geography label of figures.csv",
    )
    p.add_argument(
        "--chart",
        metavar="FILE",
        help="also write a chart of the state's rollout with the place marked "
        "(.png, .svg or .pdf; the plotted table is written beside it as .csv)",
    )
    p.add_argument(
        "--replace", action="store_true", help="with --chart: overwrite the chart and its .csv if they exist"
    )
    p.add_argument(
        "--data",
        help="figures CSV, or a folder holding one (default: the bundled data/figures.csv); the activations, "
        "states and places tables are read from its folder when it holds them, else the bundled ones",
    )
    p.set_defaults(func=_place)

    d = sub.add_parser(
        "derive",
        help="derive data/derived/ tables from the raw ICE record files",
        description="Read the vendored ICE arrest and removal records (data/raw/ice_enforcement/), "
        "check them (dates parse and fall in their fiscal year, every area of responsibility has a "
        "code) and write the small tables of data/derived/. Does nothing when the raw files' "
        "checksums match data/derived/ice_manifest.json. A malformed file is reported with file, "
        "line, column and value (exit 1) and the derived tables are left as they were.",
    )
    d.add_argument("--force", action="store_true", help="derive even when the checksums match")
    d.set_defaults(func=_derive)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `scomm` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    same_bytes.pin(os.environ)  # before numpy loads: the same model estimates, to the last bit, on any CPU
    name = f"scomm {args.command}"
    for signum in STOP_SIGNALS:  # a terminal closed or a `kill`: clean up as for Ctrl-C
        signal.signal(signum, _stop)
    try:
        return args.func(args)
    except KeyboardInterrupt as err:
        _interrupted(name, err.code if isinstance(err, Stopped) else 130)
    except Exception as err:
        if _query_interrupted(err):  # Ctrl-C inside a DuckDB query: DuckDB raises its own error for it
            _interrupted(name, 130)
        # the error classes are looked up only now, so that a command that needs neither pandas nor the
        # data modules (a build with nothing to do, --help) never imports them
        if not _expected_fault(name, err):
            raise
    return 1


def _interrupted(name: str, code: int) -> None:
    """Say the command was interrupted and exit with `code` at once: kernels were stopped and staging removed on
    the way here, and no thread joins are worth waiting for."""
    print(f"\n{name}: interrupted; earlier outputs are unchanged.", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(code)


def _query_interrupted(err: BaseException) -> bool:
    """True for the error DuckDB raises when Ctrl-C stops one of its queries (its InterruptException, or the
    RuntimeError 'Query interrupted' it raises while a result is fetched)."""
    return _is(err, "duckdb", "InterruptException") or (
        isinstance(err, RuntimeError) and str(err).strip() == "Query interrupted"
    )


def _is(err: BaseException, module: str, *names: str) -> bool:
    """True when `err` is one of `names` of `module` (False when that module was never imported: then
    nothing can have raised them)."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(err, tuple(getattr(loaded, n) for n in names))


def _expected_fault(name: str, err: Exception) -> bool:
    """Print an expected fault (invalid data, a failing notebook, a path that cannot be read or written)
    as one readable message; False for anything else (a bug: its traceback is shown)."""
    if _is(err, "scomm.problems", "FiguresValidationError"):
        print(terminal_safe(str(err)), file=sys.stderr)
        print(f"{name}: the data is invalid; nothing was written.", file=sys.stderr)
    elif _is(err, "scomm.build_state", "BuildError") or _is(err, "scomm.schema", "DataFileError"):
        print(f"{name}: {terminal_safe(str(err))}", file=sys.stderr)
    elif _is(err, "scomm.notebook_runner", "NotebookFailure"):
        print(f"{name}: {terminal_safe(str(err))}", file=sys.stderr)
        print(f"{name}: earlier outputs are unchanged.", file=sys.stderr)
    elif isinstance(err, OSError):
        if os.environ.get("SCOMM_DEBUG"):
            return False
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        print(f"{name}: {err.strerror or err}{where}; earlier outputs are unchanged.", file=sys.stderr)
    else:
        return False
    return True


def run() -> None:
    """The `scomm` console script: `main`, then exit without tearing the interpreter down.

    Every file the command writes is closed and its staging removed before `main` returns, so the only
    thing skipped is Python's module teardown (about a quarter of a second with pandas, pyarrow, duckdb
    and the notebook client loaded); streams are flushed first."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
