"""The HTML report in a real browser (headless Chromium driven by Playwright) at phone and desktop widths:
no console errors, no horizontal overflow, page weight and height, every image decoded, no table cell whose
text breaks inside a word or number, every internal link resolves, and an A4 print that cuts no image.

The report is built here, into a temporary folder, from the bundled data (not read from the committed
outputs). Needs Debian's Chromium (`apt-get install chromium`); without it the test is skipped with that
message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEW_HEIGHT = 900  # px of one screen
MAX_BYTES = 2_000_000  # the report page with everything it loads
MAX_SCREENS_PHONE = 25
PAGES = ["report.html", "methods.html", "states.html"]


@pytest.fixture(scope="module")
def built(fresh_build) -> Path:
    """The report of a build made during this test session (see conftest's fresh_build)."""
    return fresh_build


@pytest.fixture(scope="module")
def browser():
    if BROWSER is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=BROWSER, args=FLAGS)
        yield chrome
        chrome.close()


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": VIEW_HEIGHT})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    # lazily loaded images: make every one load, then wait for them
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.wait_for_function("[...document.images].every(i => i.complete)")
    return page, errors


def _local(href: str, base: Path) -> tuple[Path, str] | None:
    """(file, fragment) of a link inside the report folder; None for links elsewhere."""
    parsed = urlparse(href)
    if parsed.scheme in ("http", "https", "mailto"):
        return None
    target = base if not parsed.path else (base.parent / unquote(parsed.path)).resolve()
    return target, parsed.fragment


BROKEN_WORDS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_report_pages_render_cleanly(built, browser, width):
    for name in PAGES + sorted(p.name for p in built.glob("0*.html")):
        page, errors = _open(browser, built / name, width)
        assert errors == [], (name, errors)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {width} px"
        images = page.evaluate("[...document.images].map(i => [i.naturalWidth > 0, i.alt, i.currentSrc])")
        assert all(ok for ok, _, _ in images), (name, [src for ok, _, src in images if not ok])
        assert all(alt and not alt.startswith("chart ") for _, alt, _ in images), "alt text comes from titles"
        broken = page.evaluate(BROKEN_WORDS)
        assert broken == [], f"{name} at {width} px breaks inside: {broken[:10]}"
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_report_weight_and_height(built, browser, width):
    page, _ = _open(browser, built / "report.html", width)
    loaded = page.evaluate("[...document.images].map(i => i.currentSrc)")
    files = {built / "report.html"} | {Path(unquote(urlparse(src).path)) for src in loaded}
    weight = sum(f.stat().st_size for f in files)
    assert len(loaded) >= 6
    assert weight < MAX_BYTES, f"{weight:,} bytes at {width} px"
    screens = page.evaluate("document.documentElement.scrollHeight") / VIEW_HEIGHT
    if width == 390:
        assert screens < MAX_SCREENS_PHONE, f"{screens:.1f} screens at 390 px"
    page.close()


def test_every_internal_link_resolves(built, browser):
    ids: dict[Path, set[str]] = {}
    for page_path in sorted(built.glob("*.html")):
        ids[page_path.resolve()] = set(re.findall(r"\bid=['\"]([^'\"]+)['\"]", page_path.read_text(encoding="utf-8")))
    missing = []
    for page_path in sorted(built.glob("*.html")):
        hrefs = re.findall(r"\b(?:href|src)=['\"]([^'\"]+)['\"]", page_path.read_text(encoding="utf-8"))
        for href in hrefs:
            local = _local(href, page_path.resolve())
            if local is None:
                continue
            target, fragment = local
            if not target.exists() or (fragment and fragment not in ids.get(target, set())):
                missing.append(f"{page_path.name} -> {href}")
    assert missing == []


def test_a4_print_cuts_no_image(built, browser):
    # A4 at 96 px per inch, 1 cm margins: every image fits one page and is kept whole by the print style
    page, _ = _open(browser, built / "report.html", 718)
    page.emulate_media(media="print")
    page_height = (29.7 - 2) / 2.54 * 96
    sizes = page.evaluate("""[...document.images].map(i => {const r = i.getBoundingClientRect();
        const s = getComputedStyle(i.closest('figure') || i);
        return [r.height, s.breakInside]})""")
    assert sizes and all(h <= page_height for h, _ in sizes), [h for h, _ in sizes]
    assert all(rule == "avoid" for _, rule in sizes)
    pdf = page.pdf(format="A4", margin={"top": "1cm", "bottom": "1cm", "left": "1cm", "right": "1cm"})
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    page.close()
