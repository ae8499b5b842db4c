from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def fixture_db(tmp_path, run) -> Path:
    db = tmp_path / "t.duckdb"
    code, _, _ = run("load", DATA / "funnel_cases.csv", DATA / "funnel_customers.csv", "--db", db)
    assert code == 0
    return db


def test_load_reports_rows_per_table_and_is_idempotent(tmp_path, run):
    db = tmp_path / "t.duckdb"
    code, stdout, _ = run("load", DATA / "funnel_cases.csv", "--db", db)
    assert code == 0
    assert re.search(r"interactions\s*│\s*1\s*│\s*42\s*│\s*42", stdout)
    code, stdout, _ = run("load", DATA / "funnel_cases.csv", "--db", db)
    assert code == 0
    assert "already loaded" in stdout


def test_failed_load_exits_4_with_the_reason_and_no_traceback(tmp_path, run):
    bad = tmp_path / "interactions.csv"
    bad.write_text("interaction_id,case_id,customer_id,ts\ne1,c1,u1,soon\n", encoding="utf-8")
    code, stdout, stderr = run("load", bad, "--db", tmp_path / "t.duckdb", "--strict")
    assert code == 4
    assert "line 2, column 'ts': found 'soon'" in stderr
    assert "Traceback" not in stderr + stdout


def test_metric_funnel_formats(fixture_db, run):
    code, stdout, _ = run(
        "metric", "funnel", "--db", fixture_db, "--period", "2026-01", "--format", "json"
    )
    assert code == 0
    rows = json.loads(stdout)
    assert [r["reached"] for r in rows] == [9, 8, 4, 3]
    code, stdout, _ = run(
        "metric", "funnel", "--db", fixture_db, "--by", "channel", "--format", "csv"
    )
    assert stdout.splitlines()[0].startswith("channel,stage,stage_index,label,reached")
    code, stdout, _ = run("metric", "funnel", "--db", fixture_db, "--period", "2026-01")
    assert "9 journeys entered, 2026-01-01 to 2026-01-31" in stdout
    assert "88.9% (56.5%–98.0%)" in stdout  # 8 of 9 continued, Wilson interval


def test_metric_options_are_passed_through(fixture_db, run):
    args = ("metric", "funnel", "--db", fixture_db, "--period", "2026-01", "--format", "json")
    _, stdout, _ = run(*args, "--channel", "phone")
    assert [r["reached"] for r in json.loads(stdout)] == [5, 5, 2, 2]
    _, stdout, _ = run(*args, "--window", "1d")
    assert [r["reached"] for r in json.loads(stdout)] == [9, 8, 2, 0]
    _, stdout, _ = run(*args, "--entry-within", "2")
    assert [r["reached"] for r in json.loads(stdout)] == [10, 9, 5, 4]


def test_metric_errors_exit_6_with_a_hint(fixture_db, run):
    code, _, stderr = run("metric", "funnel", "--db", fixture_db, "--by", "segmnt")
    assert code == 6
    assert "did you mean 'segment'" in stderr
    code, _, stderr = run("metric", "funnel", "--db", fixture_db, "--window", "soon")
    assert code == 6 and "cannot read duration" in stderr


def test_sample_command_is_deterministic(tmp_path, run):
    for name in ("a", "b"):
        code, _, _ = run(
            "sample", "--out", tmp_path / name, "--customers", "40", "--months", "2", "--seed", "3"
        )
        assert code == 0
    for file in ("interactions.csv", "complaints.csv", "customers.csv", "truth.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_model_commands(tmp_path, run):
    code, stdout, _ = run("model", "show")
    assert code == 0 and "pemulihan layanan" in stdout
    assert "id: Tindak lanjut" in stdout  # a stage's names per language
    path = tmp_path / "model.toml"
    assert run("model", "export", path)[0] == 0
    assert ca.CycleModel.from_toml(path) == ca.default_model()
    path.write_text(
        path.read_text().replace('follow_up = ["service_recovery"]', 'follow_up = ["survey"]')
    )
    code, _, stderr = run("model", "check", path)
    assert code == 3 and "unknown stage 'survey'" in stderr


def test_unknown_report_parameter_is_rejected_before_running(fixture_db, tmp_path, run):
    code, _, stderr = run(
        "report", "stage_funnel", "--db", fixture_db, "--out", tmp_path, "-p", "chanel=web"
    )
    assert code == 2
    assert "channel" in stderr
    assert not list(tmp_path.glob("*.html"))


def test_every_command_has_help(run):
    for args in (
        ["--help"],
        ["load", "--help"],
        ["metric", "funnel", "--help"],
        ["report", "--help"],
        ["demo", "--help"],
        ["sample", "--help"],
        ["model", "show", "--help"],
    ):
        code, stdout, _ = run(*args)
        assert code == 0 and "Usage:" in stdout


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "cycleanalytics", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert ca.__version__ in done.stdout


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    """The README's main job: sample, load, every report; HTML without code showing the funnel."""
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "cycleanalytics", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    html_path = Path(done.stdout.strip().splitlines()[-1])
    assert html_path.exists() and html_path.suffix == ".html"
    html = html_path.read_text(encoding="utf-8")
    assert "setup_notebook(" not in html and "import cycleanalytics" not in html
    for code_marker in (
        "jp-InputArea-editor",
        "jp-InputPrompt",
        "jp-CodeMirrorEditor",
        "highlight-ipynb",
    ):
        assert not re.search(rf'class="[^"]*{code_marker}', html), f"code cell shown: {code_marker}"
    assert html.count("plotly-graph-div") >= 1
    with ca.Store(out / "demo.duckdb", read_only=True) as store:
        df = ca.funnel(store)
    text = re.sub(r"<[^>]+>", " ", html)
    for reached in df["reached"]:
        assert f"{reached:,}" in text, f"funnel count {reached} not shown in the report"


def test_table_cells_show_every_kind_of_missing_value_as_a_dash():
    import numpy as np
    import pandas as pd

    from cycleanalytics.cli._common import _cell

    missing = [None, float("nan"), np.nan, pd.NA, pd.NaT]
    assert [_cell(v) for v in missing] == ["–"] * len(missing)
    assert _cell(pd.Timestamp("2026-01-31")) == "2026-01-31"
    assert _cell(pd.Timestamp("2026-01-31 14:05", tz="UTC")) == "2026-01-31T14:05:00+00:00"
    assert (_cell(2.5), _cell(np.int64(4)), _cell("x")) == ("2.500", "4", "x")
