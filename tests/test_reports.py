"""Reports: parameter checks (no kernel), a real run of stage_funnel, failure evidence, wording,
and (when Debian's chromium is installed) that the page draws its charts offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import plotly.offline
import pytest

import cycleanalytics as ca
from cycleanalytics import reports
from cycleanalytics.errors import ParameterError, ReportError
from cycleanalytics.notebook import funnel_table, funnel_takeaway, period_text
from cycleanalytics.reports import (
    ReportResult,
    available_reports,
    check_report_html,
    notebook_parameters,
    run_report,
)

CHROMIUM = Path("/usr/bin/chromium")
PLOTLY_HEADER = f"* plotly.js v{plotly.offline.get_plotlyjs_version()}\n"


def _without_bundle(page: str) -> str:
    return page.replace(plotly.offline.get_plotlyjs(), "", 1)


def _without_styles(page: str) -> str:
    """The page without plotly.js and the stylesheets (whose selectors name code classes)."""
    return re.sub(r"<style[^>]*>.*?</style>", "", _without_bundle(page), flags=re.DOTALL)


# -- discovery and parameter checks: no kernel is started ----------------------------------


def test_stage_funnel_is_available_with_its_declared_parameters():
    assert "stage_funnel" in available_reports()
    assert notebook_parameters("stage_funnel") == {
        "db": "cycleanalytics.duckdb",
        "period_start": None,
        "period_end": None,
        "channel": None,
    }


def test_bundled_notebooks_are_committed_without_outputs():
    folder = reports._notebooks_dir()
    for name in available_reports():
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        assert nb.metadata.kernelspec.name == "python3"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{name}: cell {cell.id} has outputs"
                assert cell.execution_count is None, f"{name}: cell {cell.id} was executed"
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{name} needs exactly one cell tagged 'parameters'"


def test_unknown_parameter_is_rejected_with_the_closest_name(sample_db, tmp_path):
    with pytest.raises(ParameterError) as info:
        run_report("stage_funnel", db=sample_db, out=tmp_path, parameters={"chanel": "chat"})
    message = str(info.value)
    assert "'chanel'" in message
    assert "did you mean 'channel'?" in message
    assert "channel, period_end, period_start" in message
    assert not any(tmp_path.iterdir()), "nothing is run or written for a rejected parameter"


def test_unknown_report_is_rejected_with_the_closest_name(sample_db, tmp_path):
    with pytest.raises(ParameterError, match="did you mean 'stage_funnel'"):
        run_report("stage_funel", db=sample_db, out=tmp_path)


def test_missing_database_is_rejected_before_running(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(ParameterError, match="does not exist") as info:
        run_report("stage_funnel", db=missing, out=tmp_path / "out")
    assert str(missing) in str(info.value)
    assert not (tmp_path / "out" / "stage_funnel.ipynb").exists()


def test_database_given_as_a_parameter_is_redirected_to_db(sample_db, tmp_path):
    with pytest.raises(ParameterError, match="db="):
        run_report("stage_funnel", db=sample_db, out=tmp_path, parameters={"db": "x.duckdb"})


@pytest.mark.parametrize("bad", ["2026-13-01", "last week", 20260101])
def test_a_period_that_is_not_a_date_is_rejected(sample_db, tmp_path, bad):
    with pytest.raises(ParameterError, match=r"'period_start'.*YYYY-MM-DD"):
        run_report("stage_funnel", db=sample_db, out=tmp_path, parameters={"period_start": bad})


def test_a_period_ending_before_it_starts_is_rejected(sample_db, tmp_path):
    with pytest.raises(ParameterError, match="period_end"):
        run_report(
            "stage_funnel",
            db=sample_db,
            out=tmp_path,
            parameters={"period_start": "2026-03-01", "period_end": "2026-02-01"},
        )


def test_parameter_values_are_normalised():
    declared = {"db": "x", "period_start": None, "period_end": None, "n": 3, "ratio": 0.5}
    checked = reports._check_parameters(
        "r",
        declared,
        {"period_start": date(2026, 1, 1), "period_end": "2026-01-31", "n": "4", "ratio": 1},
    )
    assert checked == {
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "n": 4,
        "ratio": 1.0,
    }
    with pytest.raises(ParameterError, match=r"'n'.*int"):
        reports._check_parameters("r", declared, {"n": "four"})
    with pytest.raises(ParameterError, match=r"no parameter 'zzz'\. Its parameters are: n, "):
        reports._check_parameters("r", declared, {"zzz": 1})
    assert reports._check_parameters("r", {"channel": None}, {"channel": ""}) == {"channel": None}


def test_report_period_includes_both_days():
    assert period_text("2026-01-01", "2026-03-31") == "2026-01-01..2026-04-01"
    assert period_text("2026-01-01", None) == "2026-01-01.."
    assert period_text(None, None) is None
    assert ca.Period.parse(period_text("2026-01-01", "2026-03-31")).label() == (
        "2026-01-01 to 2026-03-31"
    )


# -- wording -------------------------------------------------------------------------------


def _hand_made_funnel() -> pd.DataFrame:
    # 200 journeys start; 150 reach contact (50 lost, 25%); 60 reach service (90 lost, 60%);
    # 45 reach follow-up (15 lost, 25%): the largest drop is contact -> service, 90 of 150.
    return pd.DataFrame(
        {
            "stage": ["a", "b", "c", "d"],
            "stage_index": [1, 2, 3, 4],
            "label": ["Looking", "Contact", "Service", "Follow-up"],
            "reached": [200, 150, 60, 45],
            "conversion": [1.0, 0.75, 0.4, 0.75],
            "dropped": [0, 50, 90, 15],
        }
    )


def test_takeaway_names_the_largest_drop_computed_by_hand():
    assert funnel_takeaway(_hand_made_funnel()) == (
        "The largest drop is between Contact and Service: 60% of journeys that reached "
        "Contact (90 of 150) did not reach Service."
    )


def test_takeaway_without_journeys_or_without_losses():
    empty = _hand_made_funnel().assign(reached=0, dropped=0)
    assert "No journeys entered" in funnel_takeaway(empty)
    flat = _hand_made_funnel().assign(reached=10, dropped=0)
    assert funnel_takeaway(flat) == "No journeys were lost between the stages in this selection."


def test_funnel_table_is_plain_text_for_managers():
    table = funnel_table(_hand_made_funnel())
    assert list(table.columns) == [
        "Stage",
        "Journeys reaching it",
        "Share continuing from the stage before",
        "Journeys lost before it",
    ]
    assert table.iloc[2].tolist() == ["Service", "60", "40%", "90"]
    assert table.iloc[0].tolist() == ["Looking", "200", "–", "–"]


def test_self_check_rejects_a_page_without_charts_or_with_a_cdn_script():
    bundle = plotly.offline.get_plotlyjs()
    chart = '<div class="plotly-graph-div"></div>'
    good = f"<html><script>{bundle}</script>{chart}</html>"
    assert check_report_html(good) == 1
    with pytest.raises(ReportError, match=r"empty report.*0 charts"):
        check_report_html(f"<html><script>{bundle}</script></html>")
    with pytest.raises(ReportError, match="embedded 2 times"):
        check_report_html(f"<script>{bundle}</script><script>{bundle}</script>{chart}")
    with pytest.raises(ReportError, match="network"):
        check_report_html(good + '<script src="https://cdn.example/require.js"></script>')
    with pytest.raises(ReportError, match="code or prompts"):
        check_report_html(good + '<div class="jp-InputPrompt jp-InputArea-prompt">In [1]</div>')


# -- a real run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def funnel_report(sample_db, tmp_path_factory) -> ReportResult:
    out = tmp_path_factory.mktemp("report")
    return run_report("stage_funnel", db=sample_db, out=out)


@pytest.mark.slow
def test_stage_funnel_report_is_a_complete_offline_page(funnel_report):
    assert funnel_report.html == funnel_report.html.parent / "stage_funnel.html"
    assert funnel_report.notebook.exists()
    page = funnel_report.html.read_text(encoding="utf-8")
    assert "<title>Where customers leave the service cycle</title>" in page
    assert page.count(PLOTLY_HEADER) == 1, "plotly.js is embedded exactly once"
    assert page.count('class="plotly-graph-div"') == funnel_report.charts >= 2
    rest = _without_bundle(page)
    assert not re.search(r"<script[^>]*src=[\"']?(https?:)?//", rest)
    assert "https://cdn" not in rest and "http://cdn" not in rest
    assert "require.js" not in rest and "mathjax" not in rest.lower()


@pytest.mark.slow
def test_stage_funnel_report_shows_no_code_and_no_parameters(funnel_report):
    page = funnel_report.html.read_text(encoding="utf-8")
    classes = {c for value in re.findall(r'\sclass="([^"]*)"', page) for c in value.split()}
    shown_code = {"jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "jp-InputArea-editor"}
    assert not classes & shown_code
    text = _without_styles(page)
    assert "In&nbsp;[" not in text and "Out[" not in text
    for source in ("setup_notebook(", "import cycleanalytics", "ca.funnel(", "show_table("):
        assert source not in text
    for parameter_line in ('db = "', "period_start = ", "channel = None", "injected-parameters"):
        assert parameter_line not in text
    assert "Warning" not in text


@pytest.mark.slow
def test_stage_funnel_report_shows_the_funnel_numbers(funnel_report, sample_db):
    with ca.Store(sample_db, read_only=True) as store:
        expected = ca.funnel(store)
    text = _without_bundle(funnel_report.html.read_text(encoding="utf-8"))
    assert expected["reached"].iloc[0] > 0
    for label, reached in zip(expected["label"], expected["reached"], strict=True):
        assert f'<td class="num">{int(reached):,}</td>' in text, (label, reached)
        assert label in text
    assert funnel_takeaway(expected) in text
    assert f"Based on {expected.attrs['cases_entered']:,} customer journeys" in text


@pytest.mark.slow
def test_report_with_parameters_runs_on_a_filtered_selection(sample_db, tmp_path):
    with ca.Store(sample_db, read_only=True) as store:
        channel = str(ca.funnel(store, by="channel")["channel"].dropna().iloc[0])
        expected = ca.funnel(store, channel=channel)
    result = run_report(
        "stage_funnel",
        db=sample_db,
        out=tmp_path,
        parameters={"channel": channel},
        title="Funnel, one channel",
    )
    text = _without_bundle(result.html.read_text(encoding="utf-8"))
    assert "<title>Funnel, one channel</title>" in text
    assert f"entered through {channel}" in text
    for reached in expected["reached"]:
        assert f'<td class="num">{int(reached):,}</td>' in text


@pytest.mark.slow
def test_kernel_runs_this_python_whatever_kernelspecs_are_installed(tmp_path):
    import sys

    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "no-such-kernel",
        "display_name": "x",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    nbformat.write(nb, tmp_path / "which.ipynb")
    done = papermill.execute_notebook(
        str(tmp_path / "which.ipynb"),
        str(tmp_path / "which_out.ipynb"),
        kernel_name="no-such-kernel",
        kernel_manager_class=reports._kernel_manager_class(),
        progress_bar=False,
    )
    assert done.cells[0].outputs[0].text.strip() == sys.executable


# -- failures leave evidence ---------------------------------------------------------------


def _bad_notebook(folder: Path, failing: str = "value = {}['missing']") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from cycleanalytics.notebook import setup_notebook\nsetup_notebook()"
        ),
        nbformat.v4.new_code_cell('db = "x.duckdb"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("total = 1 + 1"),
        nbformat.v4.new_code_cell(f"{failing}  # the failing cell\nprint(value)"),
        nbformat.v4.new_code_cell("print('never reached')"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "broken.ipynb")
    return folder


@pytest.mark.slow
def test_failed_run_names_the_cell_and_keeps_the_partial_notebook(sample_db, tmp_path, monkeypatch):
    folder = _bad_notebook(tmp_path / "notebooks")
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    with pytest.raises(ReportError) as info:
        run_report("broken", db=sample_db, out=out)
    message = str(info.value)
    assert "'broken'" in message
    assert "cell 3 (\"value = {}['missing']" in message, "names the cell by index and first line"
    assert "KeyError" in message and "missing" in message
    partial = out / "broken.ipynb"
    assert str(partial) in message
    kept = nbformat.read(partial, as_version=4)
    assert any(o.get("ename") == "KeyError" for c in kept.cells for o in c.get("outputs", []))
    assert not (out / "broken.html").exists()


@pytest.mark.slow
def test_a_database_that_is_not_a_cycleanalytics_one_fails_in_the_data_cell(tmp_path):
    import duckdb

    wrong = tmp_path / "wrong.duckdb"
    duckdb.connect(str(wrong)).close()
    with pytest.raises(
        ReportError, match=r"'stage_funnel' failed in cell 3 \('period = .*StoreError"
    ):
        run_report("stage_funnel", db=wrong, out=tmp_path / "out")
    assert (tmp_path / "out" / "stage_funnel.ipynb").exists()


@pytest.mark.slow
def test_a_cell_that_runs_too_long_is_named(sample_db, tmp_path, monkeypatch):
    folder = _bad_notebook(tmp_path / "notebooks", failing="import time; value = time.sleep(60)")
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    quick = nbformat.read(folder / "broken.ipynb", as_version=4)
    quick.cells[0].source = "ready = True"  # no imports: only the sleeping cell is slow
    nbformat.write(quick, folder / "broken.ipynb")
    with pytest.raises(
        ReportError, match=r"failed in cell 3 \('import time.*CellTimeoutError.*kept at"
    ):
        run_report("broken", db=sample_db, out=tmp_path / "out", timeout=3)


# -- in a browser --------------------------------------------------------------------------


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("chromium") is None,
    reason="Debian chromium (/usr/bin/chromium) is not installed; apt-get install chromium",
)
def test_report_draws_its_charts_in_a_browser_without_network(funnel_report):
    dom = _chromium("--dump-dom", funnel_report.html.as_uri()).stdout
    drawn = len(re.findall(r'class="main-svg"', dom))
    # plotly draws each chart into two main-svg layers (plot and hover)
    assert drawn >= funnel_report.charts, f"{drawn} drawn for {funnel_report.charts} charts"
    assert dom.count("js-plotly-plot") >= funnel_report.charts
