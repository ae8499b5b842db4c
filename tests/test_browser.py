"""Every report of the demo in a real headless browser (Debian's chromium, driven by Playwright):
no console errors, no network requests, every chart drawn with the folder's shared plotly.js,
KPI values equal the library's and tiles carry direction and colour; the landing page in English
and Indonesian at 1366 and 390 px (human titles, executive summary first, every page linking
back, no sideways scrolling); an XSS probe in a segment name is shown as text and never runs,
in a self-contained page. A screenshot of the executive summary is kept in
``reports/test-artifacts`` (or ``$CYCLEANALYTICS_ARTIFACTS``)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import playwright_or_skip as _playwright

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.i18n import t
from cycleanalytics.notebook import executive_kpis, report_context, tile_value
from cycleanalytics.reports import (
    REPORT_ORDER,
    ReportJob,
    available_reports,
    plotly_asset_name,
    run_report,
    run_reports,
)

ARTIFACTS = Path(
    os.environ.get(
        "CYCLEANALYTICS_ARTIFACTS", Path(__file__).resolve().parents[1] / "reports/test-artifacts"
    )
)
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    _playwright()  # skip before spending a minute on the demo
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def indonesian(demo, tmp_path_factory) -> Path:
    """Three reports of the demo's data in Indonesian, with their index."""
    out = tmp_path_factory.mktemp("laporan")
    with ca.Store(demo / "demo.duckdb", read_only=True) as store:
        as_of = (store.as_of().date() + timedelta(days=1)).isoformat()
    run = run_reports(
        [
            ReportJob("stage_funnel", {"language": "id"}),
            ReportJob("executive_summary", {"language": "id", "period": "last_month"}),
            ReportJob("complaints", {"language": "id"}),
        ],
        db=demo / "demo.duckdb",
        out=out,
        as_of=as_of,  # no title: the index's own, in the run's language
        jobs_at_once=2,
    )
    assert run.ok, [o.error for o in run.failed]
    return out


def _open(browser, page_path: Path, *, expect_charts: int = 1, width: int = 1200, files=None):
    """Open a page; return (page, console errors, network requests) once its charts drew.
    ``files``, a list, receives the file:// addresses the page loaded."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
    if files is not None:
        page.on("request", lambda r: files.append(r.url) if r.url.startswith("file:") else None)
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    if expect_charts:
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {expect_charts}",
            timeout=30_000,
        )
    return page, errors, requests


def test_every_demo_report_opens_offline_without_errors_and_draws_its_charts(browser, demo):
    pages = sorted(demo.glob("*.html"))
    assert {p.stem for p in pages} == {*available_reports(), "index"}
    for path in pages:
        is_report = path.stem != "index"
        text = path.read_text(encoding="utf-8")
        charts = text.count('class="plotly-graph-div"')
        files: list[str] = []
        page, errors, requests = _open(
            browser, path, expect_charts=charts if is_report else 0, files=files
        )
        drawn = page.eval_on_selector_all(".js-plotly-plot", "els => els.length")
        svgs = page.eval_on_selector_all(
            ".js-plotly-plot", "els => els.filter(e => e.querySelector('.main-svg')).length"
        )
        assert errors == [], f"{path.name}: console errors {errors}"
        assert requests == [], f"{path.name}: network requests {requests}"
        assert drawn == svgs == charts, f"{path.name}: {svgs} of {charts} charts drawn"
        if is_report:
            assert charts >= 1
            assert page.locator("#ca-header").count() == 1, f"{path.name} has no header"
            # drawn with the folder's one plotly.js, loaded from disk: the page embeds none
            shared = (demo / "assets" / plotly_asset_name()).as_uri()
            assert files == [path.resolve().as_uri(), shared], files
            assert path.stat().st_size < 1_000_000 and "* plotly.js v" not in text
        page.context.close()


def test_the_demos_html_pages_index_and_shared_assets_weigh_at_most_12_mb(demo):
    pages = [*demo.glob("*.html"), *(demo / "assets").iterdir()]
    assert sum(p.stat().st_size for p in pages) <= 12_000_000
    assert not (demo / "notebooks").exists(), "executed notebooks only when asked for"


def test_index_links_every_report_of_the_demo(browser, demo):
    page, errors, requests = _open(browser, demo / "index.html", expect_charts=0)
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert sorted(links) == sorted(f"{name}.html" for name in available_reports())
    assert errors == [] and requests == []
    page.context.close()


def test_executive_summary_tiles_equal_the_library_and_a_screenshot_is_kept(browser, demo):
    with ca.Store(demo / "demo.duckdb", read_only=True) as store:
        as_of = (store.as_of().date() + timedelta(days=1)).isoformat()
        ctx = report_context(period="last_month", as_of=as_of, comparison="previous")
        expected = executive_kpis(store, ctx)
    page, errors, _ = _open(browser, demo / "executive_summary.html")
    shown = page.eval_on_selector_all(
        ".ca-tile",
        "els => els.map(e => [e.dataset.kpi, e.dataset.stage,"
        " e.querySelector('.ca-tile-value').innerText])",
    )
    want = [
        [row.kpi, "" if row.stage is None else row.stage, tile_value(row.value, row.unit)]
        for row in expected.itertuples()
    ]
    assert shown == want
    assert len(shown) >= 8  # cases, CSAT, NPS, complaints, cost, three drop-offs
    marks = page.eval_on_selector_all(
        ".ca-tile",
        "els => els.map(e => [e.dataset.kpi, e.dataset.direction, e.dataset.judgement,"
        " e.dataset.status, getComputedStyle(e.querySelector('.ca-tile-change')).color])",
    )
    colour = {"good": "rgb(26, 127, 55)", "bad": "rgb(198, 40, 40)"}
    for (kpi, direction, judgement, _, shown_colour), row in zip(
        marks, expected.itertuples(), strict=True
    ):
        assert kpi == row.kpi
        if row.change == row.change and row.change != 0:
            assert direction == ("up" if row.change > 0 else "down"), kpi
        if judgement in colour:
            assert shown_colour == colour[judgement], kpi
    judged = {kpi: judgement for kpi, _, judgement, _, _ in marks}
    assert judged["cases"] == "neutral"
    # the demo's example targets: every tile with one is red, amber or green
    status = {kpi: s for kpi, _, _, s, _ in marks}
    assert {status[k] for k in ("csat", "cost_per_case", "median_resolution_h")} <= {
        "red",
        "amber",
        "green",
    }
    header = page.locator("#ca-header").inner_text()
    assert ctx.period.label() in header and ctx.comparison.label() in header
    assert ca.__version__ in header
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "executive_summary.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.context.close()


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory) -> Path:
    """The sample with one customer's segment and one complaint's category set to a probe."""
    folder = tmp_path_factory.mktemp("xss")
    for name in ("interactions.csv", "complaints.csv", "customers.csv"):
        shutil.copy(ca.sample_dir() / name, folder / name)
    db = folder / "xss.duckdb"
    with ca.Store(db) as store:
        ca.load(store, sorted(folder.glob("*.csv")))
        store.con.execute(
            "UPDATE customers SET segment = ? WHERE customer_id = "
            "(SELECT min(customer_id) FROM customers)",
            [XSS],
        )
        store.con.execute(
            "UPDATE complaints SET category = ? WHERE complaint_id = "
            "(SELECT min(complaint_id) FROM complaints)",
            [XSS],
        )
    return db


def test_a_script_in_a_segment_name_is_shown_as_text_and_never_runs(browser, xss_db, tmp_path):
    result = run_report(
        "executive_summary",
        db=xss_db,
        out=tmp_path,
        parameters={"segment": XSS, "comparison": "none"},
        self_contained=True,
    )
    files: list[str] = []
    page, errors, requests = _open(browser, result.html, files=files)
    assert files == [result.html.resolve().as_uri()], "a self-contained page loads nothing else"
    assert page.evaluate("window.__xss") is None, "the probe ran"
    assert XSS in page.locator("#ca-header").inner_text()
    assert requests == [], requests  # the <img src=x> was not created
    assert errors == []
    page.context.close()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("language", ["en", "id"])
def test_the_index_lists_human_titles_summary_first_and_every_page_links_back(
    browser, demo, indonesian, language, width
):
    folder = demo if language == "en" else indonesian
    page, errors, requests = _open(browser, folder / "index.html", expect_charts=0, width=width)
    assert page.evaluate("document.documentElement.lang") == language
    if language == "id":  # the demo has a title of its own
        assert page.locator("h1").inner_text() == page.title() == "Laporan"
    viewport = page.locator('meta[name="viewport"]').get_attribute("content")
    assert "width=device-width" in viewport
    titles = page.eval_on_selector_all(".report a", "els => els.map(e => e.innerText)")
    reports = page.eval_on_selector_all(".report", "els => els.map(e => e.dataset.report)")
    assert titles[0] == t("exec.title", language), "the executive summary comes first"
    assert reports == sorted(reports, key=REPORT_ORDER.index)
    assert all("_" not in title for title in titles), titles  # no file names
    text = page.locator("body").inner_text()
    assert "period=" not in text and "last_month" not in text
    periods = page.eval_on_selector_all(".report .period", "els => els.map(e => e.innerText)")
    assert periods[0] and periods[0][0].isupper() and periods[0][-4:].isdigit()  # "June 2026"
    assert page.locator(".report .purpose").count() == len(titles)
    assert page.locator(".report .headline").count() >= 2  # the summary's, the funnel's...
    assert _no_sideways_scroll(page), "the index scrolls sideways"
    assert errors == [] and requests == []
    hrefs = page.eval_on_selector_all(".report a", "els => els.map(e => e.getAttribute('href'))")
    page.context.close()
    for href in hrefs[: 3 if width == 390 else None]:
        report, errors, _ = _open(browser, folder / href, expect_charts=0, width=width)
        back = report.locator("#ca-back")
        assert back.get_attribute("href") == "index.html", href
        assert back.inner_text() == t("index.back", language)
        assert report.evaluate("document.documentElement.lang") == language
        if width == 390:
            assert _no_sideways_scroll(report), f"{href} scrolls sideways at 390 px"
        report.context.close()


#: An identifier written in snake_case (``complaint_handling``, ``follow_up``).
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _visible_text(page) -> str:
    """The page's text and its charts' text (plotly draws labels as SVG text)."""
    return page.evaluate(
        "document.body.innerText + '\\n' + Array.from(document.querySelectorAll('svg text'))"
        ".map(e => e.textContent).join('\\n')"
    )


@pytest.mark.parametrize("language", ["en", "id"])
def test_no_identifier_or_catalogue_key_shows_in_a_report(browser, demo, indonesian, language):
    """Stage, area, action, rule and path names reach the reader as words in every language,
    English included; no catalogue key is left untranslated (the analyst's explore notebook,
    which shows code on purpose, is not a manager's page)."""
    from cycleanalytics.i18n import TEXTS

    keys = [k for k in TEXTS if "." in k]
    folder = demo if language == "en" else indonesian
    for path in sorted(folder.glob("*.html")):
        if path.stem == "explore":
            continue
        page, _, _ = _open(browser, path, expect_charts=0)
        text = _visible_text(page)
        page.context.close()
        assert not SNAKE_CASE.findall(text), (path.name, sorted(set(SNAKE_CASE.findall(text))))
        leaked = [k for k in keys if re.search(rf"(?<![\w.]){re.escape(k)}(?![\w.])", text)]
        assert not leaked, (path.name, leaked)


_TITLES_OUTSIDE = """
() => Array.from(document.querySelectorAll(".js-plotly-plot")).flatMap(chart => {
  const box = chart.getBoundingClientRect();
  return Array.from(chart.querySelectorAll(".g-xtitle text, .g-ytitle text, .gtitle"))
    .filter(t => { const r = t.getBoundingClientRect();
                   return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
                                          || r.top < box.top - 1 || r.bottom > box.bottom + 1); })
    .map(t => t.textContent);
})
"""


def test_chart_titles_stay_inside_their_charts_on_a_phone(browser, demo):
    """At 390 px, long axis and chart titles wrap instead of running off the chart."""
    for path in sorted(demo.glob("*.html")):
        charts = path.read_text(encoding="utf-8").count('class="plotly-graph-div"')
        if path.stem == "index" or not charts:
            continue
        page, _, _ = _open(browser, path, expect_charts=charts, width=390)
        page.wait_for_timeout(1500)  # the narrow-screen relayout runs on load
        outside = page.evaluate(_TITLES_OUTSIDE)
        page.context.close()
        assert not outside, (path.name, outside)


def _figure(trace_type: str) -> dict:
    """A figure of one trace of ``trace_type`` with the least data it draws from."""
    data = {
        "sankey": {
            "node": {"label": ["a", "b"]},
            "link": {"source": [0], "target": [1], "value": [2]},
        },
        "pie": {"labels": ["a", "b"], "values": [1, 2]},
        "scatterternary": {"a": [1, 2], "b": [2, 1], "c": [1, 1]},
        "heatmap": {"z": [[1, 2], [3, 4]]},
        "contour": {"z": [[1, 2], [3, 4]]},
        "histogram2d": {"x": [1, 2, 2], "y": [1, 1, 2]},
        "histogram2dcontour": {"x": [1, 2, 2], "y": [1, 1, 2]},
        "scatterpolar": {"r": [1, 2], "theta": [0, 90]},
    }.get(trace_type, {"x": ["a", "b"], "y": [1, 2]})
    return {"data": [{"type": trace_type, **data}], "layout": {}}


def test_the_report_bundle_draws_every_trace_type_it_names_and_brings_the_full_one_for_others(
    browser, tmp_path
):
    """The package's plotly.js has every trace type of REPORT_TRACES (a missing one would be
    drawn as an empty plot with a console warning), and a figure of another type (an analyst's
    polar chart) brings plotly's full bundle onto its page, once, and draws too."""
    import plotly.io as pio

    from cycleanalytics.notebook import display
    from cycleanalytics.reports import write_plotly_asset

    if display._report_bundle() is None:
        pytest.skip("the installed plotly's plotly.js has no report bundle: plotly's full one")
    display._full_bundle_shown = False
    types = [*sorted(display.REPORT_TRACES), "scatterpolar", "scatterpolar"]
    fragments = [
        display._full_bundle_if_needed(_figure(kind))
        + pio.to_html(_figure(kind), full_html=False, include_plotlyjs=False, validate=False)
        for kind in types
    ]
    # the full bundle comes once, before the first figure that needs it
    assert ["* plotly.js v" in f for f in fragments] == [False] * (len(types) - 2) + [True, False]
    asset = write_plotly_asset(tmp_path / "assets")
    page_path = tmp_path / "traces.html"
    page_path.write_text(
        f'<html><head><meta charset="utf-8"><script src="assets/{asset.name}"></script></head>'
        f"<body>{''.join(fragments)}</body></html>",
        encoding="utf-8",
    )
    page, errors, requests = _open(browser, page_path, expect_charts=len(types))
    drawn = page.eval_on_selector_all(
        ".js-plotly-plot",
        "els => els.map(e => (e._fullData || []).map(t => t.type).join())",
    )
    assert errors == [] and requests == []
    assert drawn == types, "a trace type the bundle lacks is drawn as another (or not at all)"
    page.context.close()
