"""The HTML report in a real browser (headless Chromium driven by Playwright) at phone and desktop widths:
no console errors, no horizontal overflow, every image decoded, every internal link resolves.

Needs Debian's Chromium (`apt-get install chromium`); without it the test is skipped with that message."""

from __future__ import annotations

import shutil

import pytest

from scomm.paths import FIGURES_DIR

REPORT = FIGURES_DIR / "report.html"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if BROWSER is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=BROWSER, args=FLAGS)
        yield chrome
        chrome.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_report_renders_cleanly(browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(REPORT.as_uri())
    page.wait_for_load_state("load")
    assert errors == []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
    images = page.evaluate("[...document.images].map(i => [i.complete && i.naturalWidth > 0, i.alt])")
    assert len(images) >= 15 and all(ok for ok, _ in images)
    assert all(alt and not alt.startswith("chart ") for _, alt in images), "alt text comes from titles"
    broken = page.evaluate("""[...document.querySelectorAll('a[href^="#"]')]
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))""")
    assert broken == []
    page.close()
