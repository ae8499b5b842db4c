"""How long a report page takes to draw its charts in headless Chromium, opened from disk.

Issue 14 asks that charts be drawn within 1.5 s of opening a page. This script opens every
page of a report folder (``cycleanalytics demo --out FOLDER`` or ``cycleanalytics report``)
in a fresh browser context at each width, and measures, from the start of navigation:

- ``dom``: the DOM is parsed (``DOMContentLoaded``);
- ``charts``: every plotly chart on the page has drawn its SVG (``.main-svg`` inside each
  ``.plotly-graph-div``) and the page's narrow-screen script has run;
- ``ratio``: ``charts`` against the baseline of the same run, a page that loads the same
  plotly.js from the same folder and draws one bar chart (the floor: parsing plotly.js). A
  second baseline loads plotly's full bundle instead, for the report bundle's gain.

Usage::

    .venv/bin/python benchmarks/draw.py reports/demo [--widths 1366 390] [--repeat 3]

Needs Playwright and Debian's ``chromium`` (``/usr/bin/chromium``), as the browser tests do.
Prints the median of ``--repeat`` openings per page and width, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

# Resolves when every chart has its SVG; the time is measured in the page, from navigation.
_CHARTS_DRAWN = """
() => {
  const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return divs.every(d => d.querySelector('.main-svg') !== null && d._fullLayout !== undefined);
}
"""


def _baseline_pages(folder: Path) -> list[tuple[str, Path]]:
    """Pages beside the reports that draw one bar chart: one with the folder's shared plotly.js,
    one with plotly's full bundle (what every page loaded before the report bundle)."""
    import plotly.offline

    scripts = sorted((folder / "assets").glob("plotly-*.js"))
    if not scripts:
        raise SystemExit(
            f"{folder}: no assets/plotly-*.js (a --self-contained run?): the baseline needs it"
        )
    full = folder / "assets" / "_draw_full_plotly.js"
    full.write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    pages = []
    for name, script in (("folder's plotly.js", scripts[-1].name), ("full plotly.js", full.name)):
        page = folder / f"_draw_baseline_{len(pages)}.html"
        page.write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<script src='assets/{script}'></script></head><body>"
            "<div id='c' class='plotly-graph-div' style='height:400px'></div><script>"
            "Plotly.newPlot('c', [{type: 'bar', x: ['a', 'b'], y: [1, 2]}]);"
            "</script></body></html>",
            encoding="utf-8",
        )
        pages.append((name, page))
    return pages


def _open(browser, page_file: Path, width: int) -> tuple[float, float, int]:
    """(dom ms, charts drawn ms, number of charts) for one fresh opening of ``page_file``."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri(), wait_until="domcontentloaded")
        page.wait_for_function(_CHARTS_DRAWN, timeout=60_000, polling=10)
        drawn = page.evaluate("performance.now()")
        dom = page.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        charts = page.evaluate("document.querySelectorAll('.plotly-graph-div').length")
        return float(dom), float(drawn), int(charts)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a report folder (pages and assets/)")
    parser.add_argument("--widths", type=int, nargs="+", default=[1366, 390])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    pages = sorted(p for p in args.folder.glob("*.html") if not p.name.startswith("_"))
    baselines = _baseline_pages(args.folder)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'page':<28}{'width':>6}{'charts':>8}{'dom ms':>9}{'charts ms':>11}{'ratio':>8}")
    print("-" * 70)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            worst = 0.0
            for width in args.widths:
                floors = [
                    statistics.median(_open(browser, page, width)[1] for _ in range(args.repeat))
                    for _, page in baselines
                ]
                for (name, _), floor in zip(baselines, floors, strict=True):
                    print(
                        f"{'(1 bar, ' + name + ')':<28}{width:>6}{1:>8}{'':>9}{floor:>11.0f}"
                        f"{floor / floors[0]:>8.2f}"
                    )
                for page_file in pages:
                    runs = [_open(browser, page_file, width) for _ in range(args.repeat)]
                    dom = statistics.median(r[0] for r in runs)
                    drawn = statistics.median(r[1] for r in runs)
                    worst = max(worst, drawn)
                    print(
                        f"{page_file.stem:<28}{width:>6}{runs[0][2]:>8}{dom:>9.0f}"
                        f"{drawn:>11.0f}{drawn / floors[0]:>8.2f}"
                    )
            browser.close()
    finally:
        for _, page in baselines:
            page.unlink(missing_ok=True)
        (args.folder / "assets" / "_draw_full_plotly.js").unlink(missing_ok=True)
    print(
        f"(median of {args.repeat} fresh openings from disk; ms from navigation start; "
        f"slowest page {worst:.0f} ms; load average {os.getloadavg()[0]:.1f} at the end)"
    )


if __name__ == "__main__":
    main()
