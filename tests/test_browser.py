"""Every report of the demo in a real headless browser (Debian's chromium, driven by Playwright):
no console errors, no network requests, every chart drawn, KPI values equal the library's; an
XSS probe in a segment name is shown as text and never runs. A screenshot of the executive
summary is kept in ``reports/test-artifacts`` (or ``$CYCLEANALYTICS_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.notebook import executive_kpis, format_kpi, report_context
from cycleanalytics.reports import available_reports, run_report

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
ARTIFACTS = Path(
    os.environ.get(
        "CYCLEANALYTICS_ARTIFACTS", Path(__file__).resolve().parents[1] / "reports/test-artifacts"
    )
)
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'

pytestmark = pytest.mark.slow


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright's Python package: pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    _playwright()  # skip before spending a minute on the demo
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def _open(browser, page_path: Path, *, expect_charts: int = 1):
    """Open a page; return (page, console errors, network requests) once its charts drew."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
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
        charts = path.read_text(encoding="utf-8").count('class="plotly-graph-div"')
        page, errors, requests = _open(browser, path, expect_charts=charts if is_report else 0)
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
        page.context.close()


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
        [row.kpi, "" if row.stage is None else row.stage, format_kpi(row.value, row.unit)]
        for row in expected.itertuples()
    ]
    assert shown == want
    assert len(shown) >= 8  # cases, CSAT, NPS, complaints, cost, three drop-offs
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
    )
    page, errors, requests = _open(browser, result.html)
    assert page.evaluate("window.__xss") is None, "the probe ran"
    assert XSS in page.locator("#ca-header").inner_text()
    assert requests == [], requests  # the <img src=x> was not created
    assert errors == []
    page.context.close()
