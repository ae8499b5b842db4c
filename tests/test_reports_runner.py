"""The report runner's warm kernels: the reports of a run share a kernel (or one per worker),
each starts from the state of a new kernel, a failure does not spoil the next report, and the
pages are the same as with one kernel per report."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cycleanalytics import reports
from cycleanalytics.reports import ReportJob, run_reports

pytestmark = pytest.mark.slow

SETUP = "from cycleanalytics.notebook import setup_notebook\nsetup_notebook()"
#: What a report can see of the state a report before it may have left.
LOOK = (
    "import os, pandas as pd\n"
    "print('pid', os.getpid())\n"
    "print('leaked', 'leaked' in globals())\n"
    "print('max_colwidth', pd.get_option('display.max_colwidth'))\n"
    "print('cwd', os.getcwd())"
)
LEAVE = (
    "import os, pandas as pd\n"
    "leaked = 'set by the report before'\n"
    "pd.set_option('display.max_colwidth', 7)\n"
    "os.chdir('/')\n"
    "print('pid', os.getpid())"
)


def _notebooks(folder: Path, **bodies: list[str]) -> Path:
    """Tiny report notebooks ``name.ipynb``: each sets up the page, declares ``db`` and runs
    its own cells."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in bodies.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.metadata["cycleanalytics"] = {"min_charts": 0}
        nb.cells = [
            nbformat.v4.new_code_cell(cells[0]),
            nbformat.v4.new_code_cell('db = "x.duckdb"', metadata={"tags": ["parameters"]}),
            *(nbformat.v4.new_code_cell(source) for source in cells[1:]),
        ]
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def _printed(out: Path, stem: str) -> dict[str, str]:
    """``key value`` lines a kept notebook printed, as a dict."""
    nb = nbformat.read(out / "notebooks" / f"{stem}.ipynb", as_version=4)
    text = "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout"
    )
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


def _counts(out: Path, stem: str) -> list[int | None]:
    nb = nbformat.read(out / "notebooks" / f"{stem}.ipynb", as_version=4)
    return [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]


def test_no_state_reaches_the_next_report_in_the_warm_kernel(sample_db, tmp_path, monkeypatch):
    folder = _notebooks(tmp_path / "nb", first=[SETUP, LEAVE], second=[SETUP, LOOK])
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    run = run_reports(["first", "second"], db=sample_db, out=out, notebooks=True)
    assert run.ok, [o.error for o in run.failed]
    first, second = _printed(out, "first"), _printed(out, "second")
    assert first["pid"] == second["pid"], "both reports ran in the same kernel"
    assert second["leaked"] == "False", "the first report's variable is gone"
    assert second["max_colwidth"] == "50", "pandas' option is back to its default"
    assert second["cwd"] == str(out.resolve()), "the report runs in its folder"
    # setup, parameters, injected parameters, the report's cell: numbered as in a new kernel
    assert _counts(out, "first") == _counts(out, "second") == [1, 2, 3, 4]
    # setup_notebook ran again: the second page also loads plotly.js (once)
    page = (out / "second.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<script src="assets/plotly-[^"]+\.min\.js"></script>', page)) == 1


def test_one_kernel_per_report_is_kept_as_an_option(sample_db, tmp_path, monkeypatch):
    folder = _notebooks(tmp_path / "nb", first=[SETUP, LEAVE], second=[SETUP, LOOK])
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    run = run_reports(
        ["first", "second"], db=sample_db, out=out, notebooks=True, fresh_kernels=True
    )
    assert run.ok, [o.error for o in run.failed]
    first, second = _printed(out, "first"), _printed(out, "second")
    assert first["pid"] != second["pid"]
    assert second["leaked"] == "False" and second["max_colwidth"] == "50"


def test_each_worker_keeps_its_own_kernel_and_the_order_is_kept(sample_db, tmp_path, monkeypatch):
    names = ["a", "b", "c"]
    folder = _notebooks(tmp_path / "nb", **{n: [SETUP, LOOK] for n in names})
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    run = run_reports(names, db=sample_db, out=out, notebooks=True, jobs_at_once=2)
    assert run.ok and [o.job.report for o in run.outcomes] == names
    pids = {_printed(out, n)["pid"] for n in names}
    assert len(pids) == 2, "two workers, a kernel each, three reports"
    assert all(_printed(out, n)["leaked"] == "False" for n in names)


def test_a_failed_report_leaves_the_kernel_to_the_next_one(sample_db, tmp_path, monkeypatch):
    broken = [SETUP, "import os\nprint('pid', os.getpid())\nleaked = 1", "{}['missing']"]
    folder = _notebooks(tmp_path / "nb", broken=broken, second=[SETUP, LOOK])
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    run = run_reports(["broken", "second"], db=sample_db, out=out, notebooks=True)
    assert [o.ok for o in run.outcomes] == [False, True]
    assert "failed in cell 3 (\"{}['missing']\")" in str(run.outcomes[0].error)
    assert "KeyError" in str(run.outcomes[0].error)
    second = _printed(out, "second")
    assert second["pid"] == _printed(out, "broken")["pid"], "a cell error keeps the kernel"
    assert second["leaked"] == "False"


def test_a_report_that_times_out_gets_its_kernel_replaced(sample_db, tmp_path, monkeypatch):
    sleepy = ["import os\nprint('pid', os.getpid())", "import time\ntime.sleep(600)"]
    folder = _notebooks(tmp_path / "nb", sleepy=sleepy, second=[SETUP, LOOK])
    monkeypatch.setattr(reports, "_notebooks_dir", lambda: folder)
    out = tmp_path / "out"
    # long enough for a cell that imports on a busy machine, far shorter than the sleep
    run = run_reports(["sleepy", "second"], db=sample_db, out=out, notebooks=True, timeout=30)
    assert [o.ok for o in run.outcomes] == [False, True]
    assert "failed in cell 2 ('import time')" in str(run.outcomes[0].error)
    assert "CellTimeoutError" in str(run.outcomes[0].error)
    assert _printed(out, "second")["pid"] != _printed(out, "sleepy")["pid"], "a new kernel"


def _comparable(page: str) -> str:
    """A page without what differs from run to run: the header (run time), random ids."""
    page = re.sub(r'<div class="ca-header".*?</div></div>', "", page, flags=re.DOTALL)
    page = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page)
    return re.sub(r"cell-id=[0-9a-f]{8}", "cell-id=ID", page)


def test_pages_from_a_warm_kernel_equal_those_from_a_kernel_each(sample_db, tmp_path):
    jobs = [ReportJob("executive_summary", {"period": "2026-05"}), ReportJob("stage_funnel", {})]
    warm = run_reports(jobs, db=sample_db, out=tmp_path / "warm", as_of="2026-07-01")
    fresh = run_reports(
        jobs, db=sample_db, out=tmp_path / "fresh", as_of="2026-07-01", fresh_kernels=True
    )
    assert warm.ok and fresh.ok
    for a, b in zip(warm.outcomes, fresh.outcomes, strict=True):
        assert a.result is not None and b.result is not None
        assert a.result.charts == b.result.charts >= 1
        # equal but for the last bits: DuckDB sums doubles in parallel, in no fixed order,
        # so even two runs in new kernels differ there (ca.metrics.cost's total, for one)
        assert a.result.figures.keys() == b.result.figures.keys()
        for key, figure in a.result.figures.items():
            other = b.result.figures[key]
            assert figure.keys() == other.keys()
            for field, value in figure.items():
                expected = other[field]
                if isinstance(value, float):
                    expected = pytest.approx(expected, rel=1e-12)
                assert value == expected, (a.job.report, key, field)
        page_a = _comparable(a.result.html.read_text(encoding="utf-8"))
        assert page_a == _comparable(b.result.html.read_text(encoding="utf-8")), a.job.report


def test_the_partial_notebook_is_written_at_most_every_ten_seconds_while_cells_run():
    from datetime import datetime, timedelta

    class Manager:  # papermill's NotebookExecutionManager, as far as saving goes
        def __init__(self) -> None:
            self.clock = datetime(2026, 1, 1)
            self.last_save_time = self.clock
            self.saved: list[float] = []

        def now(self) -> datetime:
            return self.clock

        def save(self) -> None:
            self.saved.append((self.clock - datetime(2026, 1, 1)).total_seconds())
            self.last_save_time = self.clock

    manager = Manager()
    save = reports._at_most_every(manager.save, manager, reports.PARTIAL_SAVE_SECONDS)
    for second in (0, 5, 9.9, 10, 12, 19, 20.5, 40):
        manager.clock = datetime(2026, 1, 1) + timedelta(seconds=second)
        save()
    assert manager.saved == [10, 20.5, 40]


def test_pdf_prints_each_page_beside_it_and_needs_chromium(tmp_path, monkeypatch):
    """`report --pdf`: an A4 PDF per page from the page's print stylesheet; without Chromium,
    exit 2 before any report runs, naming the package to install."""
    import shutil

    from click.testing import CliRunner

    from cycleanalytics.cli import main
    from cycleanalytics.reports import sample_database

    db = sample_database()
    out = tmp_path / "pdf"
    if shutil.which("chromium") or shutil.which("google-chrome"):
        result = CliRunner().invoke(
            main, ["report", "stage_funnel", "--db", str(db), "--out", str(out), "--pdf"]
        )
        assert result.exit_code == 0, result.output
        pdf = (out / "stage_funnel.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and b"/Title (Where customers leave" in pdf
        box = re.search(rb"/MediaBox ?\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert (round(float(box[1])), round(float(box[2]))) == (595, 842)  # A4 in points
    monkeypatch.setattr("cycleanalytics.plots._system_chromium", lambda: None)
    result = CliRunner().invoke(
        main, ["report", "stage_funnel", "--db", str(db), "--out", str(tmp_path / "no"), "--pdf"]
    )
    assert result.exit_code == 2 and "apt install chromium" in result.output
    assert not (tmp_path / "no").exists()
