"""The `scomm` command line: `scomm validate`, `scomm build` and `scomm derive`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scomm import __version__


def _validate(args: argparse.Namespace) -> int:
    from scomm.data import FiguresValidationError, load_dataset

    try:
        ds = load_dataset(args.path, args.sources, args.metrics)
    except FiguresValidationError as err:
        print(err, file=sys.stderr)
        return 1
    figs = ds.figures
    used = figs["source_id"].nunique()
    conf = figs["confidence"].value_counts().reindex(["high", "medium", "low"]).fillna(0).astype(int)
    print(
        f"OK: {len(figs)} figures from {used} sources ({len(ds.sources)} listed), "
        f"{figs['metric'].nunique()} metrics; confidence high {conf['high']}, "
        f"medium {conf['medium']}, low {conf['low']}."
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    from scomm.build import run_build

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    return run_build(
        data=args.data, sources=args.sources, metrics=args.metrics, out=args.out,
        jobs=args.jobs, formats=formats, force=args.force, progress=not args.quiet,
    )


def _derive(args: argparse.Namespace) -> int:
    from scomm.enforcement import main as derive_main

    return derive_main(force=args.force)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (exposed for tests and --help)."""
    parser = argparse.ArgumentParser(
        prog="scomm",
        description="Secure Communities by the Numbers: validate the sourced figures and rebuild "
        "every notebook, chart and report from them.",
    )
    parser.add_argument("--version", action="version", version=f"scomm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check figures.csv (and its sources.csv, metrics.csv)",
                       description="Check the figures table against data/datapackage.json. Prints every "
                       "problem with file, line, column, value and what was expected (exit 1), or a "
                       "one-line summary of what loaded (exit 0).")
    v.add_argument("path", nargs="?", help="figures CSV (default: the bundled data/figures.csv)")
    v.add_argument("--sources", help="sources CSV (default: sources.csv beside PATH, else the bundled one)")
    v.add_argument("--metrics", help="metrics CSV (default: metrics.csv beside PATH, else the bundled one)")
    v.set_defaults(func=_validate)

    b = sub.add_parser("build", help="rebuild notebooks, charts, ratios.csv and the HTML report",
                       description="Validate the data, then execute every notebook with it and collect "
                       "the executed notebooks, charts, ratios.csv, a what-changed report and an HTML "
                       "report. Outputs are swapped in only when everything succeeded. With no options "
                       "it rebuilds the committed notebooks/ and figures/ from the bundled data.")
    b.add_argument("--data", help="figures CSV (default: bundled data/figures.csv)")
    b.add_argument("--sources", help="sources CSV (default: beside --data, else bundled)")
    b.add_argument("--metrics", help="metrics CSV (default: beside --data, else bundled)")
    b.add_argument("--out", help="output directory (default: the project itself: notebooks/, figures/)")
    b.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: number of cores)")
    b.add_argument("--formats", default="png,svg,pdf", help="chart formats to write (default: png,svg,pdf)")
    b.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(func=_build)

    d = sub.add_parser("derive", help="derive data/derived/ tables from the raw ICE record files",
                       description="Read the vendored ICE arrest and removal records (data/raw/ice_enforcement/), "
                       "check them (dates parse and fall in their fiscal year, every area of responsibility has a "
                       "code) and write the small tables of data/derived/. Does nothing when the raw files' "
                       "checksums match data/derived/ice_manifest.json. A malformed file is reported with file, "
                       "line, column and value (exit 1) and the derived tables are left as they were.")
    d.add_argument("--force", action="store_true", help="derive even when the checksums match")
    d.set_defaults(func=_derive)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `scomm` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
