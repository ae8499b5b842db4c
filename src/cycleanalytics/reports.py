"""Reports: parameterized notebooks run with papermill and exported to one offline HTML file.

A report is a notebook in the bundled ``notebooks/`` folder. :func:`run_report` checks the
parameters against the ones the notebook declares (in its cell tagged ``parameters``), runs it
in a kernel of the current Python environment, and exports a standalone HTML page with no code,
no CDN scripts and plotly.js embedded once. The driver checks its own output, so an empty or
network-dependent report fails loudly instead of reaching a manager.

The notebooks themselves call :mod:`cycleanalytics.notebook` (``setup_notebook`` first, then
its small presentation helpers), so that they stay thin.

Examples
--------
>>> from cycleanalytics.reports import available_reports, notebook_parameters
>>> "stage_funnel" in available_reports()
True
>>> notebook_parameters("stage_funnel")["period_start"] is None
True
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycleanalytics._resources import bundled
from cycleanalytics.errors import ParameterError, ReportError
from cycleanalytics.notebook import plotly_bundle

if TYPE_CHECKING:
    pass

__all__ = [
    "ReportResult",
    "available_reports",
    "check_report_html",
    "export_html",
    "notebook_parameters",
    "run_report",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "cycleanalytics"
HIDDEN_CELL_TAGS = ("parameters", "injected-parameters", "remove-cell")
DATE_SUFFIXES = ("_start", "_end", "_date", "_from", "_until")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`run_report` produced."""

    name: str
    html: Path
    notebook: Path
    charts: int
    seconds: float


# -- discovering reports and their parameters ----------------------------------------------


def _notebooks_dir() -> Path:
    return bundled("notebooks")


def available_reports() -> list[str]:
    """Names of the bundled report notebooks (``stage_funnel``, ...), sorted."""
    return sorted(
        p.stem for p in _notebooks_dir().glob("*.ipynb") if not p.name.startswith((".", "_"))
    )


def _report_path(name: str) -> Path:
    reports = available_reports()
    if name not in reports:
        close = difflib.get_close_matches(name, reports, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ParameterError(
            f"no report named {name!r}{hint} Reports are: {', '.join(reports) or '(none)'}"
        )
    return _notebooks_dir() / f"{name}.ipynb"


def _declared(path: Path) -> dict[str, dict[str, Any]]:
    import papermill

    return papermill.inspect_notebook(str(path))


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(name: str) -> dict[str, object]:
    """The parameters a report declares, with their default values.

    They come from the notebook's cell tagged ``parameters``; ``db`` (the database file) is
    among them but is given to :func:`run_report` as its own argument.

    Examples
    --------
    >>> sorted(notebook_parameters("stage_funnel"))
    ['channel', 'db', 'period_end', 'period_start']
    """
    declared = _declared(_report_path(name))
    return {key: _literal(info["default"]) for key, info in declared.items()}


def _is_date_parameter(key: str) -> bool:
    return key.endswith(DATE_SUFFIXES) or key in ("date", "since", "until")


def _coerce(report: str, key: str, value: object, default: object) -> object:
    """Check one parameter value against its declaration; return what to inject."""
    if _is_date_parameter(key):
        if value is None or value == "" or (isinstance(value, str) and value.lower() == "none"):
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise ParameterError(
            f"parameter {key!r} of report {report!r} must be a date written YYYY-MM-DD "
            f"(or None), not {value!r}"
        )
    if value is None or default is None:
        # an optional value declared with a None default; empty text (CLI `--param k=`) is None
        return None if value == "" else value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
    elif isinstance(default, int | float) and not isinstance(value, bool):
        if isinstance(value, int | float):
            return type(default)(value) if isinstance(default, float) else value
        if isinstance(value, str):
            try:
                return type(default)(value.strip())
            except ValueError:
                pass
    elif isinstance(value, type(default)):
        return value
    raise ParameterError(
        f"parameter {key!r} of report {report!r} must be {type(default).__name__} like its "
        f"default {default!r}, not {value!r}"
    )


def _check_parameters(
    report: str, declared: dict[str, object], given: dict[str, object]
) -> dict[str, object]:
    valid = sorted(k for k in declared if k != "db")
    checked: dict[str, object] = {}
    for key, value in given.items():
        if key == "db":
            raise ParameterError(
                f"give report {report!r} its database with db=... (CLI: --db), not as a parameter"
            )
        if key not in declared:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ParameterError(
                f"report {report!r} has no parameter {key!r}{hint} "
                f"Its parameters are: {', '.join(valid) or '(none)'}"
            )
        checked[key] = _coerce(report, key, value, declared[key])
    starts = {k[: -len("_start")]: v for k, v in checked.items() if k.endswith("_start") and v}
    for prefix, start in starts.items():
        end = checked.get(f"{prefix}_end")
        if end and end < start:
            raise ParameterError(
                f"report {report!r}: {prefix}_end ({end}) is before {prefix}_start ({start}); "
                "both days are included, so the end must be on or after the start"
            )
    return checked


# -- running -------------------------------------------------------------------------------


def _kernel_manager_class() -> type:
    """A kernel manager that starts ipykernel with *this* Python, whatever kernelspecs exist."""
    import zmq
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from traitlets import default

    class EnvironmentKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _encrypt_when_possible(self) -> str:
            return "auto" if zmq.has("curve") else "disabled"

        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                spec = get_kernel_dict()  # argv starts with sys.executable
                spec["argv"][0] = sys.executable
                self._kernel_spec = KernelSpec(**spec)
            return self._kernel_spec

    return EnvironmentKernelManager


def _report_title(nb: Any, name: str) -> str:
    meta = nb.metadata.get("cycleanalytics", {})
    if meta.get("title"):
        return str(meta["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return name.replace("_", " ").capitalize()


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip()]
    return lines[0].strip() if lines else "(empty cell)"


def _failure(name: str, partial: Path, exc: BaseException) -> ReportError:
    """Describe a failed run: which report, which cell, which error, where the evidence is.

    The cell is numbered as in the report's own notebook (counting from 0, papermill's
    injected-parameters cell left out) and shown by its first line.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    error = f"{type(exc).__name__}: {_first_line(str(exc))}"
    try:
        cells = [
            c
            for c in nbformat.read(partial, as_version=4).cells
            if "papermill-error-cell-tag" not in c.metadata.get("tags", [])
        ]
    except Exception:  # the partial notebook is evidence, not a requirement
        cells = []
    failed: int | None = None
    if isinstance(exc, PapermillExecutionError):
        error = f"{exc.ename}: {exc.evalue}"
        failed = exc.cell_index
    else:  # a timeout or a dead kernel: the cell with an error, else the last one started
        started = [
            i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")
        ]
        errors = [
            i
            for i, c in enumerate(cells)
            if any(o.get("output_type") == "error" for o in c.get("outputs", []))
        ]
        failed = (errors or started or [None])[0] if errors else (started or [None])[-1]
    where = "an unknown cell"
    if failed is not None and failed < len(cells):
        injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells[:failed])
        where = f"cell {failed - injected} ({_first_line(cells[failed].source)!r})"
    return ReportError(
        f"report {name!r} failed in {where}: {error}; the partly executed notebook is kept at "
        f"{partial}"
    )


def run_report(
    name: str,
    *,
    db: str | Path,
    out: str | Path,
    parameters: dict[str, object] | None = None,
    title: str | None = None,
    timeout: int = 600,
) -> ReportResult:
    """Run a report notebook and export it to a standalone, offline HTML page.

    Parameters
    ----------
    name
        A report from :func:`available_reports`, e.g. ``"stage_funnel"``.
    db
        The cycleanalytics database (DuckDB file) the report reads.
    out
        Folder for ``<name>.html`` and the executed ``<name>.ipynb`` (created when missing).
    parameters
        Values for the notebook's parameters (see :func:`notebook_parameters`); unknown names
        and values of the wrong type are rejected before anything runs. Dates may be given as
        ``datetime.date`` or ``"YYYY-MM-DD"`` text.
    title
        Page title; by default the notebook's own.
    timeout
        Seconds a single cell may run.

    Returns
    -------
    ReportResult
        Paths of the HTML page and executed notebook, number of charts, run time.

    Raises
    ------
    ParameterError
        Unknown report or parameter, a value of the wrong type, or a missing database.
    ReportError
        A cell failed (the message names it; the partial notebook is kept), or the exported
        page is not a complete offline report.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    source = _report_path(name)
    declared = notebook_parameters(name)
    checked = _check_parameters(name, declared, dict(parameters or {}))
    db_path = Path(db).expanduser().resolve()
    if not db_path.is_file():
        raise ParameterError(
            f"database {db_path} does not exist; create it with `cycleanalytics load` "
            "or pass --db with the path of an existing database"
        )
    if "db" in declared:
        checked = {"db": str(db_path), **checked}
    out_dir = Path(out).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{name}.ipynb"
    html_path = out_dir / f"{name}.html"
    html_path.unlink(missing_ok=True)  # never leave an old page beside a failed run

    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=checked,
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            language="python",
            cwd=str(out_dir),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        raise _failure(name, executed, exc) from None
    except Exception as exc:  # timeouts, a dead kernel: still name the cell
        if executed.exists():
            raise _failure(name, executed, exc) from exc
        raise ReportError(f"report {name!r} could not be run: {exc}") from exc

    nb = nbformat.read(executed, as_version=4)
    page_title = title or _report_title(nb, name)
    expected = int(nb.metadata.get("cycleanalytics", {}).get("min_charts", 1))
    page = export_html(nb, title=page_title)
    charts = check_report_html(page, min_charts=expected, name=name)
    html_path.write_text(page, encoding="utf-8")
    return ReportResult(
        name=name,
        html=html_path,
        notebook=executed,
        charts=charts,
        seconds=round(time.perf_counter() - started, 3),
    )


# -- HTML export and its self-check --------------------------------------------------------


def export_html(nb: Any, *, title: str) -> str:
    """A standalone HTML page of an executed notebook: outputs only, no CDN scripts.

    Cells tagged ``parameters``, ``injected-parameters`` or ``remove-cell`` are dropped, as are
    stderr streams (warnings) and code cells left with nothing to show.
    """
    import copy

    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    class DropNoise(Preprocessor):
        def preprocess(self, nb, resources):  # type: ignore[no-untyped-def]
            kept = []
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = [
                        o
                        for o in cell.outputs
                        if not (o.output_type == "stream" and o.get("name") == "stderr")
                    ]
                    if not cell.outputs:
                        continue
                kept.append(cell)
            nb.cells = kept
            return nb, resources

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    exporter.register_preprocessor(DropNoise(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


CODE_CLASSES = frozenset(
    {"jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "jp-InputArea-editor"}
)


def _code_classes(page: str) -> set[str]:
    """Classes of code or prompt elements used in a page (not merely styled by its CSS)."""
    used = set()
    for value in re.findall(r'\sclass="([^"]*)"', page):
        used.update(CODE_CLASSES.intersection(value.split()))
    return used


def check_report_html(page: str, *, min_charts: int = 1, name: str = "report") -> int:
    """Check an exported page is a complete offline report; return its number of charts.

    It must embed plotly.js exactly once, hold at least ``min_charts`` charts, show no code
    and load nothing from the network (plotly.js itself mentions CDN addresses, for map
    features reports do not use, so the bundle is left out of that search).
    """
    bundle, header = plotly_bundle()
    charts = page.count('class="plotly-graph-div"')
    problems = []
    copies = page.count(header)
    if copies != 1:
        problems.append(f"plotly.js is embedded {copies} times instead of once")
    if charts < min_charts:
        problems.append(f"{charts} charts instead of at least {min_charts}")
    rest = page.replace(bundle, "", 1)
    if re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", rest, re.IGNORECASE):
        problems.append("a script is loaded from the network")
    if "https://cdn" in rest or "http://cdn" in rest:
        problems.append("a CDN address is referenced")
    if _code_classes(rest):
        problems.append(f"code or prompts are shown ({', '.join(sorted(_code_classes(rest)))})")
    if problems:
        raise ReportError(
            f"empty report: the page exported for {name!r} is incomplete: {'; '.join(problems)}"
        )
    return charts
