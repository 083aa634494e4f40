"""The charts' typeface: DejaVu Sans (matplotlib's own), cut down to the Latin, punctuation and symbol
ranges and renamed "Scomm Sans" as its licence asks of modified copies.

Why: PDF export embeds each font as a Type 42 subset (text stays text, as print workflows want), and
subsetting the full DejaVu Sans for every chart costs about a third of a chart's export time. The cut-down
copy keeps every glyph outline, hinting program, metric and kerning table of the characters it covers, so
PNG and SVG output are byte-identical to DejaVu Sans (a test checks this); characters outside its ranges
fall back to DejaVu Sans.

`python -m scomm.chart_fonts` rebuilds the two files in `src/scomm/fonts/` from matplotlib's copy of
DejaVu Sans.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib import font_manager

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "Scomm Sans"
FALLBACK = "DejaVu Sans"
FILES = {"DejaVuSans.ttf": "ScommSans.ttf", "DejaVuSans-Bold.ttf": "ScommSans-Bold.ttf"}
# Unicode ranges kept: Basic Latin to Latin Extended-B, general punctuation, super/subscripts and
# currency, letterlike symbols and arrows, mathematical operators (the minus sign), geometric shapes.
RANGES = ((0x20, 0x24F), (0x2000, 0x206F), (0x2070, 0x20CF), (0x2100, 0x21FF), (0x2200, 0x22FF), (0x25A0, 0x25FF))


def register() -> None:
    """Make "Scomm Sans" known to matplotlib (idempotent)."""
    known = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    for name in FILES.values():
        if name not in known and (FONT_DIR / name).exists():
            font_manager.fontManager.addfont(str(FONT_DIR / name))


def build(out_dir: Path = FONT_DIR) -> list[Path]:
    """Write the cut-down, renamed copies of matplotlib's DejaVu Sans regular and bold to `out_dir`."""
    from fontTools import subset  # 0.3 to 0.8 s to import, needed only to rebuild the font files

    source_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    unicodes = [u for start, end in RANGES for u in range(start, end + 1)]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in FILES.items():
        options = subset.Options()
        options.glyph_names = options.legacy_kern = options.notdef_outline = options.hinting = True
        options.recommended_glyphs = options.passthrough_tables = True
        options.layout_features = options.name_IDs = options.name_languages = ["*"]
        options.drop_tables = []
        font = subset.load_font(str(source_dir / source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        for record in font["name"].names:  # the licence: a modified copy must carry another name
            text = str(record.toUnicode())
            record.string = text.replace("DejaVu Sans", FAMILY).replace("DejaVuSans", FAMILY.replace(" ", ""))
        font["head"].modified = font["head"].created  # no build time in the file: same bytes on every run
        path = out_dir / target
        font.save(str(path), reorderTables=True)
        written.append(path)
    license_text = (source_dir / "LICENSE_DEJAVU").read_text(encoding="utf-8")
    (out_dir / "LICENSE_DEJAVU").write_text(license_text, encoding="utf-8")
    return written


if __name__ == "__main__":
    for path in build():
        print(f"wrote {path}")
