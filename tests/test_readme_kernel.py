"""The README's notebook flow, run as an analyst runs it: its Python blocks as the cells of a
notebook in a real ipykernel (the kernel JupyterLab uses), in a new empty folder.

The kernel imports this checkout's cycleanalytics (PYTHONPATH is set to it), with or without
ipywidgets installed: the flow must work either way.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

import cycleanalytics

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to run the README")
nbclient = pytest.importorskip("nbclient", reason="nbclient is needed to run the README")
pytest.importorskip("ipykernel", reason="ipykernel is needed to run the README in a kernel")

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Using it from JupyterLab"
SRC = str(Path(cycleanalytics.__file__).resolve().parents[1])


def readme_blocks(text: str, section: str = SECTION) -> list[str]:
    """The ```python blocks of one ``##`` section of a Markdown text."""
    start = text.index(section)
    end = text.find("\n## ", start + len(section))
    body = text[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)


def run_cells(cells: list[str], folder: Path) -> list[dict]:
    """Run ``cells`` in a new ipykernel started in ``folder``; the executed cells."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, env.get("PYTHONPATH")) if p)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=240, allow_errors=True, startup_timeout=120
    )
    client.execute(cwd=str(folder), env=env)
    return nb.cells


def errors(cells: list[dict]) -> list[str]:
    return [
        f"cell {i}: {out['ename']}: {out['evalue']}\n{cell['source']}"
        for i, cell in enumerate(cells, 1)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def test_readme_blocks_are_found():
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    assert blocks, f"no ```python block under {SECTION!r} in README.md"
    assert any("ca.load(" in block for block in blocks)


def test_readme_notebook_flow_runs_in_a_fresh_kernel_in_an_empty_folder(tmp_path):
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    checks = [
        # the kernel is ours, the flow's results are there, and the store still answers
        f"import cycleanalytics as _ca; assert _ca.__file__.startswith({SRC!r}), _ca.__file__",
        "assert len(df) > 0 and 'definition' in df.attrs, df",
        "assert store.counts()['interactions'] > 0",
    ]
    cells = run_cells([checks[0], *blocks, *checks[1:]], tmp_path)
    assert not errors(cells), "\n\n".join(errors(cells))


def test_a_failed_load_leaves_the_open_store_working_in_a_kernel(tmp_path):
    (tmp_path / "broken.csv").write_text("not,a,known,export\n1,2,3,4\n", encoding="utf-8")
    cells = run_cells(
        [
            "import cycleanalytics as ca\nstore = ca.Store('new/folder/x.duckdb')",
            "try:\n    ca.load(store, 'broken.csv')\nexcept ca.LoadError as exc:\n"
            "    print('refused:', exc)\nelse:\n    raise AssertionError('loaded a broken file')",
            "result = ca.load(store, ca.sample_dir(), progress=False)\n"
            "assert result.rows_loaded > 0 and store.counts()['loads'] == 3",
        ],
        tmp_path,
    )
    assert not errors(cells), "\n\n".join(errors(cells))
    assert (tmp_path / "new" / "folder" / "x.duckdb").is_file()


def test_the_command_line_from_a_cell_prints_no_escape_codes(tmp_path):
    """A kernel sets FORCE_COLOR for `!command` cells, whose output is a pipe: the load's
    live progress bar and colours would come out as raw escape codes."""
    command = f"{sys.executable} -m cycleanalytics"
    cells = run_cells(
        [
            f"!{command} sample --out exports --customers 300 --months 2 --seed 3",
            f"!{command} load exports --db service.duckdb",
            f"!{command} metric funnel --db service.duckdb",
        ],
        tmp_path,
    )
    assert not errors(cells), "\n\n".join(errors(cells))
    printed = "".join(
        out.get("text", "") for cell in cells for out in cell["outputs"] if "text" in out
    )
    assert "Loaded into service.duckdb" in printed, printed
    assert "\x1b" not in printed, repr(printed[:500])


class _Refusing:
    """A DuckDB connection as a Jupyter kernel without ipywidgets opens it: any change to the
    progress settings is refused."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql.startswith("SET enable_progress_bar"):
            import duckdb

            raise duckdb.InvalidInputException(
                "Invalid Input Error: Could not change the progress bar setting because: "
                "'required package 'ipywidgets' is missing'"
            )
        return self.con.execute(sql, *args)


def test_progress_tracking_goes_without_where_duckdb_refuses_it():
    import duckdb

    from cycleanalytics.ingest.load import _query_tracking

    con = duckdb.connect()
    settings = (
        "SELECT current_setting('enable_progress_bar'), "
        "current_setting('enable_progress_bar_print')"
    )
    before = con.execute(settings).fetchall()
    with _query_tracking(_Refusing(con)) as tracked:
        assert tracked is False
    with _query_tracking(con) as tracked:
        assert tracked is True
        assert con.execute(settings).fetchall() == [(True, False)]
    assert con.execute(settings).fetchall() == before


def test_text_progress_is_one_line_cleared_at_the_end(capsys):
    from cycleanalytics.ingest.load import _text_progress

    with _text_progress(2) as announce:
        announce(Path("complaints.csv"))
        announce(Path("interactions.csv"))
    out = capsys.readouterr().out
    assert "\n" not in out and "\x1b" not in out
    assert "loading interactions.csv (2 of 2)" in out
    assert out.endswith("\r") and out.rsplit("\r", 2)[-2].strip() == ""


REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
HELPDESK = REAL / "helpdesk/helpdesk_events.csv"
MAPPINGS = Path(__file__).resolve().parents[1] / "examples/mappings"


def test_an_analysts_tour_of_a_real_log_in_a_kernel(tmp_path):
    """The first afternoon, in a real kernel: a real log with its mapping, five metrics, a
    breakdown, a figure exported offline and a DataFrame in; every number checked by hand."""
    if not HELPDESK.exists():
        pytest.skip(f"real helpdesk log not found at {HELPDESK}; set CYCLEANALYTICS_REAL_DATA")
    cells = [
        "import cycleanalytics as ca, pandas as pd\n"
        "store = ca.Store('tour/helpdesk.duckdb')\n"
        f"result = ca.load(store, {str(HELPDESK)!r}, mapping={str(MAPPINGS / 'helpdesk.toml')!r})\n"
        "assert result.rows_loaded + result.rows_quarantined == 21_348, result",
        "raw = pd.read_csv(" + repr(str(HELPDESK)) + ")\n"
        "cases = ca.case_duration(store)\n"
        "assert cases['cases'].sum() == raw['case_id'].nunique()\n"
        "steps = ca.directly_follows(store, level='activity')\n"
        "assert steps['count'].sum() == result.rows_loaded - raw['case_id'].nunique()\n"
        "v = ca.variants(store, level='activity', top=10, other=True)\n"
        "assert v['cases'].sum() == raw['case_id'].nunique()\n"
        "conf = ca.conformance(store)\n"
        "assert 0 <= conf['alignment_fitness'].iloc[0] <= 1\n"
        "f = ca.funnel(store)\n"
        "assert f.attrs['entry_note']  # a service desk records no pre-interaction",
        "by_month = ca.case_duration(store, by='month')\n"
        "assert by_month['cases'].sum() == cases['cases'].sum()\n"
        "fig = ca.plot_case_duration(by_month)\n"
        "assert fig.layout.title.text.startswith('Case duration')\n"
        "path = ca.save_figure(fig, 'tour/duration.svg')\n"
        "assert '<svg' in open(path, encoding='utf-8').read()[:2000]",
        "frame = pd.DataFrame({'interaction_id': ['e1', 'e2', 'e3'],\n"
        "    'case_id': ['k1', 'k1', 'k2'],\n"
        "    'customer_id': ['c1', 'c1', 'c2'],\n"
        "    'ts': pd.to_datetime(['2026-03-01 09:00', '2026-03-01 11:00', '2026-03-02 10:00'],"
        " utc=True),\n"
        "    'stage': ['initial_interaction', 'service_delivery', 'initial_interaction']})\n"
        "assert ca.case_duration(frame)['median_hours'].iloc[0] == 1.0  # 2 h and 0 h",
    ]
    done = run_cells(cells, tmp_path)
    assert not errors(done), "\n".join(errors(done))
