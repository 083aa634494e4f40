"""Drawing the county map (about 3,100 shapes) against drawing one of today's bar charts.

Both charts are drawn at the same size and exported in the same format (PNG at 300 dpi, or every
format with --formats png,svg,pdf) through charts.save_figure, best of K runs each, in one process.
The TopoJSON is decoded once before timing (it is cached for the session, as in a notebook); its
decoding time is printed separately. Prints:
  ratio = county map / bar chart   (goal <= 3)
Usage: python benchmarks/map.py [--repeat K] [--formats png]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from scomm import charts, figure_charts, geography, maps, tables
from scomm.data import load_dataset


def bar_chart(dataset, size):
    """Notebook 06's detainers-by-fiscal-year bar chart (figure_charts.detainers_chart), resized to `size`."""
    table = tables.select(dataset.figures, ["DET-014", "DET-015", "DET-016", "DET-017", "DET-018", "DET-019"])
    fig, table = figure_charts.detainers_chart(table, dataset.sources)
    fig.set_size_inches(size)
    return fig, table


def best(draw, formats, repeat: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fig, table = draw()
            charts.save_figure(fig, "bench", table, out_dir=out, formats=formats)
            times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="png")
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    dataset = load_dataset()
    acts, changes = geography.activations(), geography.county_changes()
    t0 = time.perf_counter()
    counties, _ = maps.atlas()
    decode = time.perf_counter() - t0
    fig, _ = maps.rollout_map(acts, changes, dataset.sources)  # warm-up, and the size to match
    size = tuple(fig.get_size_inches())
    import matplotlib.pyplot as plt

    plt.close(fig)
    bar_chart(dataset, size)  # warm-up
    plt.close("all")
    t_map = best(lambda: maps.rollout_map(acts, changes, dataset.sources), formats, args.repeat)
    t_bar = best(lambda: bar_chart(dataset, size), formats, args.repeat)
    print(f"TopoJSON decode (once per session): {decode:.3f} s for {len(counties):,} county shapes")
    print(f"county map:  {t_map:.3f} s  ({len(counties):,} shapes, {size[0]:g}x{size[1]:g} in, {','.join(formats)})")
    print(f"bar chart:   {t_bar:.3f} s  (same size and formats)")
    print(f"ratio map / bar chart: {t_map / t_bar:.2f}x (goal <= 3x)")


if __name__ == "__main__":
    main()
