"""Screen-size copies of a chart's 300-dpi PNG: the notebook's preview and the report's images. One way of
making them (Lanczos resampling, 256 colours, fixed compression), so a copy made while the chart is written
and one made later from the file have the same bytes. Pillow only."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from scomm import output_folder

SCREEN_WIDTHS = (720, 1440)  # px: 16 cm at about 115 dpi (a notebook's preview, the report's column) and twice that
SCREEN_FOLDER = "screen"  # beside the charts: figures/screen/NAME-720.png


def screen_copy(image: Image.Image, width: int = SCREEN_WIDTHS[0]) -> bytes:
    """`image` resized to `width` px (Lanczos) and reduced to 256 colours, as PNG bytes (reproducible)."""
    height = round(image.height * width / image.width)
    small = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    # 256 colours keep every class of a chart and a quarter of the bytes
    small = small.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="png", compress_level=6)
    return out.getvalue()


def screen_path(png: Path, width: int) -> Path:
    """Where the `width`-px copy of the chart `png` lives: screen/NAME-WIDTH.png beside it."""
    return png.parent / SCREEN_FOLDER / f"{png.stem}-{width}.png"


def write_screen_copy(png: Path, width: int, data: bytes) -> Path:
    """Write the copy's bytes (through a new file moved into place) and return its path."""
    target = screen_path(png, width)
    target.parent.mkdir(parents=True, exist_ok=True)
    output_folder.replace_bytes(target, data)
    return target


def screen_copies(png: Path, widths: tuple[int, ...] = SCREEN_WIDTHS[:1]) -> dict[int, Path]:
    """The copies of `png` at `widths`, made only when missing or older than the PNG (the PNG is decoded only
    then); width -> path. None of them when there is no PNG."""
    if not png.exists():
        return {}
    made = png.stat().st_mtime
    out = {}
    with Image.open(png) as image:
        for width in widths:
            target = screen_path(png, width)
            if not target.exists() or target.stat().st_mtime < made:
                write_screen_copy(png, width, screen_copy(image, width))
            out[width] = target
    return out
