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
