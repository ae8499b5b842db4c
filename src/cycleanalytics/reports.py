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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycleanalytics._resources import bundled
from cycleanalytics.errors import ParameterError, ReportError
from cycleanalytics.i18n import LANGUAGES
from cycleanalytics.notebook import (
    ENGINES,
    FIGURES_MIME,
    PROVENANCE_MIME,
    plotly_bundle,
    plotly_bundle_name,
)
from cycleanalytics.periods import (
    COMPARISONS,
    ReportPeriod,
    _bad_period,
    parse_as_of,
    resolve_period,
)

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

#: The Content-Security-Policy every report page carries: inline scripts and styles (plotly.js
#: is inlined once), images only from ``data:`` URLs, nothing else: no fetch, no remote script,
#: style, font, image or frame, even if markup from data ever reached the page.
REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
#: A page of a report folder that loads the folder's shared plotly.js (``assets/``) from disk:
#: the same policy, with scripts also from the page's own origin. Chromium gives file:// pages
#: an opaque origin, and 'self' still matches the sibling (or parent) ``assets`` folder there
#: (checked in tests/test_browser.py); nothing from the network matches it.
SHARED_CSP = REPORT_CSP.replace("script-src 'unsafe-inline'", "script-src 'unsafe-inline' 'self'")
#: The folder, beside the index page, that holds the shared plotly.js of a report folder.
ASSETS = "assets"
#: The index page has no script at all.
INDEX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " + (
    "form-action 'none'"
)
GENERATOR = "cycleanalytics"


def _head_meta(csp: str) -> str:
    """The ``<meta>`` tags at the top of every page we write: its policy and our name, by
    which a later run knows the page is ours to replace."""
    import html

    return (
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=True)}">'
        f'<meta name="generator" content="{GENERATOR}">'
    )


HIDDEN_CELL_TAGS = ("parameters", "injected-parameters", "remove-cell")
DATE_SUFFIXES = ("_start", "_end", "_date", "_from", "_until")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`run_report` produced. ``notebook`` is None when the executed notebook was
    not kept (``notebooks=False``); ``figures`` are the headline figures the report recorded
    (:func:`cycleanalytics.notebook.publish_figures`)."""

    name: str
    html: Path
    notebook: Path | None
    charts: int
    seconds: float
    title: str = ""
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)


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
    >>> sorted(notebook_parameters("stage_funnel"))[:4]
    ['as_of', 'channel', 'db', 'engine']
    """
    declared = _declared(_report_path(name))
    return {key: _literal(info["default"]) for key, info in declared.items()}


def _is_date_parameter(key: str) -> bool:
    return key.endswith(DATE_SUFFIXES) or key in ("date", "since", "until")


#: Parameters with a meaning of their own in every report; checked before any kernel starts.
CHOICES = {"comparison": COMPARISONS, "language": LANGUAGES, "engine": ENGINES}
TEXT_PARAMETERS = ("segment", "channel", "spark_master")


def _is_none(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none"))


def _coerce_known(report: str, key: str, value: object) -> object:
    """Check a parameter every report means the same by (period, model, language...)."""
    if key == "period":
        if _is_none(value):
            return None
        if not isinstance(value, str):
            raise ParameterError(f"parameter 'period' of report {report!r}: {_bad_period(value)}")
        resolve_period(value, as_of=date(2000, 1, 1))  # the form only; resolved in _resolve
        return value.strip()
    if key == "as_of":
        return None if _is_none(value) else parse_as_of(value).isoformat()  # type: ignore[arg-type]
    if key in CHOICES:
        text = str(value).strip()
        if text not in CHOICES[key]:
            close = difflib.get_close_matches(text, CHOICES[key], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(
                f"parameter {key!r} of report {report!r} cannot be {value!r}{hint} "
                f"Choose one of: {', '.join(CHOICES[key])}"
            )
        return text
    if key == "model":
        if _is_none(value):
            return None
        from cycleanalytics.model import CycleModel

        path = Path(str(value)).expanduser().resolve()
        if not path.is_file():
            raise ParameterError(
                f"parameter 'model' of report {report!r}: cycle model file {path} does not "
                "exist; write one with `cycleanalytics model export FILE`"
            )
        CycleModel.from_toml(path)  # a ModelError names what is wrong in it
        return str(path)
    if _is_none(value):
        return None
    if not isinstance(value, str):
        raise ParameterError(f"parameter {key!r} of report {report!r} must be text, not {value!r}")
    return value


def _coerce_where(report: str, value: object) -> dict[str, list[str]] | None:
    """The ``where`` parameter (the metrics' attribute filter) as ``{name: [values]}``: text
    ``"company=Bank of America; product=Mortgage"`` (CLI ``--param``), or a table in
    reports.toml (``where = {company = ["A", "B"]}``). Names are checked when the report runs,
    against the attributes in its data."""
    from cycleanalytics.errors import MetricError
    from cycleanalytics.metrics._sources import where_from_pairs

    if _is_none(value):
        return None
    try:
        if isinstance(value, str):
            return where_from_pairs([p for p in value.split(";") if p.strip()]) or None
        if isinstance(value, dict):
            wanted = {
                str(k): [str(v) for v in (vs if isinstance(vs, list | tuple) else [vs])]
                for k, vs in value.items()
            }
            return wanted or None
    except MetricError as exc:
        raise ParameterError(f"parameter 'where' of report {report!r}: {exc}") from None
    raise ParameterError(
        f"parameter 'where' of report {report!r} is NAME=VALUE text (several joined by ';') "
        f"or a table of names and values, not {value!r}"
    )


def _coerce(report: str, key: str, value: object, default: object) -> object:
    """Check one parameter value against its declaration; return what to inject."""
    if key == "targets":
        from cycleanalytics.notebook import parse_targets

        if _is_none(value):
            return None
        return {k: {"target": g.value, "amber": g.amber} for k, g in parse_targets(value).items()}
    if key == "currency":
        if _is_none(value):
            return None
        text = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", text):
            raise ParameterError(
                f"parameter 'currency' of report {report!r} must be a three-letter currency "
                f"code such as EUR, IDR or MYR, not {value!r}"
            )
        return text
    if key == "where":
        return _coerce_where(report, value)
    if key in ("period", "as_of", "model", *CHOICES, *TEXT_PARAMETERS):
        return _coerce_known(report, key, value)
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


def _resolve(
    report: str, declared: dict[str, object], checked: dict[str, object]
) -> tuple[dict[str, object], ReportPeriod | None]:
    """Resolve a rolling ``period`` against ``as_of`` (default today) into explicit days.

    Returns the parameters to inject and the resolved period (None: all data). The
    notebook receives ``period`` as ``FIRST..LAST`` and ``as_of`` as a date, so the same
    as-of date always gives the same numbers.
    """
    out = dict(checked)
    if "as_of" in declared:
        out["as_of"] = parse_as_of(checked.get("as_of")).isoformat()  # type: ignore[arg-type]
    resolved: ReportPeriod | None = None
    period = checked.get("period", declared.get("period"))
    if period:
        if checked.get("period_start") or checked.get("period_end"):
            raise ParameterError(
                f"report {report!r}: give either period or period_start/period_end, not both"
            )
        resolved = resolve_period(str(period), as_of=out.get("as_of"))  # type: ignore[arg-type]
        out["period"] = resolved.text()
    elif checked.get("period_start") or checked.get("period_end"):
        start = checked.get("period_start") or declared.get("period_start")
        end = checked.get("period_end") or declared.get("period_end")
        if start and end:
            resolved = ReportPeriod(date.fromisoformat(str(start)), date.fromisoformat(str(end)))
    return out, resolved


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


# -- where a run may write: names, folders, and files that are ours to replace ---------------

_NAME = re.compile(r"[^\x00-\x1f\x7f/\\:*?\"<>|]+")


def check_output_name(name: str, *, what: str = "output name") -> str:
    """``name`` if it is a plain file name (no folder, no ``..``, no leading dot, no control
    or path characters), else a :class:`ParameterError`. Report pages and notebooks are
    written as ``<name>.html`` and ``<name>.ipynb`` inside the run's folder, never beside it.

    >>> check_output_name("weekly_id")
    'weekly_id'
    >>> try:
    ...     check_output_name("../../victim/important")
    ... except ParameterError as exc:
    ...     print(str(exc)[:57])
    output name '../../victim/important' must be a plain file
    """
    text = str(name)
    if not text or not _NAME.fullmatch(text) or text.startswith(".") or text.strip() != text:
        raise ParameterError(
            f"{what} {text!r} must be a plain file name (no folder or path separator, no '..', "
            "no leading dot, no control character): reports are written inside the output "
            "folder only"
        )
    return text


def check_subfolder(subfolder: str) -> str:
    """``subfolder`` if it is a relative folder below the output folder (``{as_of}``,
    ``weekly/{as_of}``): no absolute path, no ``..``, no empty or hidden part."""
    text = str(subfolder)
    if not text:
        return text
    parts = text.replace("\\", "/").split("/")
    if any(not part or part in (".", "..") or part.startswith(".") for part in parts) or not all(
        _NAME.fullmatch(part) for part in parts
    ):
        raise ParameterError(
            f"subfolder {text!r} must be a relative folder inside the output folder, such as "
            "'{as_of}' or 'weekly/{as_of}' (no absolute path, no '..', no hidden folder)"
        )
    return text


def check_out_folder(out: str | Path) -> Path:
    """The output folder, absolute; a :class:`ParameterError` for a file, a filesystem root
    or the home folder itself (a run writes ``index.html``, ``run.json`` and pages there)."""
    folder = Path(out).expanduser().resolve()
    if folder.parent == folder or folder == Path.home().resolve():
        raise ParameterError(
            f"refusing to write reports into {folder}: give --out a folder of their own, "
            "such as reports"
        )
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {folder} is a file, not a folder")
    return folder


#: Our generator tag, in whichever attribute order the HTML exporter writes it.
_GENERATOR_TAG = re.compile(
    r'<meta\s(?=[^>]*\bname="generator")(?=[^>]*\bcontent="cycleanalytics")[^>]*>'
)


def _ours(path: Path) -> bool:
    """Whether an existing file is one a run wrote (so a new run may replace it). A symbolic
    link never is: writing through it would change the file it points to."""
    import json

    if path.is_symlink():
        return False
    try:
        if path.suffix == ".html":
            with path.open(encoding="utf-8", errors="replace") as handle:
                start = handle.read(200_000)
            return (
                _GENERATOR_TAG.search(start) is not None
                or 'id="ca-header"' in start  # a report page from before the generator tag
                or (path.name == "index.html" and '<p class="when">run ' in start)
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if path.suffix == ".ipynb":
        meta = data.get("metadata", {})
        return isinstance(meta, dict) and "cycleanalytics" in meta and "papermill" in meta
    if path.name == "run.json":
        return isinstance(data.get("reports"), list) and "as_of" in data
    return False


def refuse_foreign_files(paths: list[Path]) -> None:
    """A :class:`ParameterError` when any of ``paths`` exists and was not written by a
    report run: a run replaces its own pages, notebooks, ``run.json`` and ``index.html``,
    nothing else."""
    foreign = [p for p in paths if (p.exists() or p.is_symlink()) and not _ours(p)]
    if foreign:
        raise ParameterError(
            f"{', '.join(str(p) for p in foreign)} already exist(s) and were not written by "
            "cycleanalytics; nothing was changed. Choose another --out (or output name), or "
            "move the file(s) away"
        )


# -- the shared plotly.js of a report folder --------------------------------------------------


def plotly_asset_name() -> str:
    """The shared bundle's file name (:func:`cycleanalytics.notebook.plotly_bundle_name`)."""
    return plotly_bundle_name()


def write_plotly_asset(assets: str | Path) -> Path:
    """Write plotly.js into the folder ``assets`` once (again only if it is missing or was
    changed) and return its path. A file of that name that is not this bundle (or a symbolic
    link) is not ours: it is never overwritten."""
    bundle, _ = plotly_bundle()
    path = Path(assets) / plotly_asset_name()
    if path.is_symlink() or (path.exists() and not path.is_file()):
        refuse_foreign_files([path])
    if path.is_file():
        if path.read_text(encoding="utf-8", errors="replace") == bundle:
            return path
        raise ParameterError(
            f"{path} already exists and is not the plotly.js bundle of this version; nothing "
            "was changed. Move it away or choose another --out"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(bundle, encoding="utf-8")
    partial.replace(path)  # never a half-written bundle under the real name
    return path


def _relative_src(page_folder: Path, asset: Path) -> str:
    """The ``src`` of a page's script tag for the shared bundle: relative, with forward
    slashes, so that the folder can be moved, zipped or opened from disk as a whole."""
    import os

    return Path(os.path.relpath(asset, page_folder)).as_posix()


def _plotly_script(src: str) -> str:
    import html

    return f'<script src="{html.escape(src, quote=True)}"></script>'


#: A page's script tag for a shared bundle, as :func:`_plotly_script` writes it.
_SHARED_SCRIPT = re.compile(
    r'<script src="((?:\.\./)*assets/plotly-[0-9][\w.-]*\.min\.js)"></script>'
)


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


#: Run in a warm kernel, silently, before each report: the state a new kernel would have,
#: except for the modules already imported (which is the point of keeping it). The user
#: namespace, the output cache and the execution count go (``reset`` with a new session);
#: ``setup_notebook`` is made to run again (it shows plotly.js and the page's styles once per
#: kernel, and a page needs them); pandas' display options go back to their defaults; the
#: working directory is the report's folder. No name is left behind in the namespace.
_FRESH_STATE = """
def _cycleanalytics_fresh_state(folder):
    import gc, os, sys, warnings
    get_ipython().reset(new_session=True)
    for name, module in list(sys.modules.items()):
        if name.startswith("cycleanalytics") and hasattr(module, "_setup_done"):
            module._setup_done = False
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    os.chdir(folder)
    gc.collect()
_cycleanalytics_fresh_state({folder!r})
"""


class WarmKernel:
    """One kernel that runs several reports one after the other (:func:`run_reports`).

    Starting a kernel and importing Ibis, pandas, plotly and the metrics takes several seconds
    of a core; a report on the sample computes in about one. So a run keeps its kernel warm:
    each report gets the state of a new kernel (:data:`_FRESH_STATE`: empty namespace, set-up
    to do again, default options) but finds the libraries imported. The kernel starts on
    first use, and a report that times out or kills it gets a new one for the next report.
    Use it from one thread only, as a context manager that shuts the kernel down.
    """

    def __init__(self) -> None:
        self._manager: Any = None

    def manager(self, folder: Path) -> Any:
        """The running kernel's manager (started in ``folder`` if there is none)."""
        if self._manager is None:
            from jupyter_core.utils import run_sync

            manager = _kernel_manager_class()(kernel_name="python3")
            # as nbclient does for its own kernels: no history file shared between kernels
            run_sync(manager.start_kernel)(
                cwd=str(folder), extra_arguments=["--HistoryManager.hist_file=:memory:"]
            )
            self._manager = manager
        return self._manager

    def discard(self) -> None:
        """Shut the kernel down (the next report starts a new one)."""
        manager, self._manager = self._manager, None
        if manager is not None:
            from jupyter_core.utils import run_sync

            try:
                run_sync(manager.shutdown_kernel)(now=True)
            except RuntimeError:  # already dead
                run_sync(manager.cleanup_resources)()

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


_WARM_ENGINE = "cycleanalytics-warm"
#: papermill writes the whole executed notebook (5 MB: plotly.js and every chart) when each
#: cell starts and ends, about 0.15 s a write; in a warm kernel that was a third of a
#: report's time. The partial notebook is written at most this often while cells run, and
#: always at the end, on success or failure (the evidence of a failed report).
PARTIAL_SAVE_SECONDS = 10


def _at_most_every(save: Callable[..., None], nb_man: Any, seconds: float) -> Callable[..., None]:
    """papermill's ``save`` of the executed notebook, skipped while its last save is more
    recent than ``seconds``."""

    def throttled(**kwargs: Any) -> None:
        if (nb_man.now() - nb_man.last_save_time).total_seconds() >= seconds:
            save(**kwargs)

    return throttled


def _warm_engine() -> str:
    """Register (once) and name the papermill engine that runs a notebook in a warm kernel:
    papermill's own, given the running kernel's manager (``km``), that first resets the
    kernel's state and at the end closes its client but leaves the kernel running."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    if _WARM_ENGINE in papermill_engines._engines:
        return _WARM_ENGINE

    class FreshStateClient(PapermillNotebookClient):
        def papermill_execute_cells(self) -> None:
            folder = self.resources.get("metadata", {}).get("path") or "."
            reply = self.wait_for_reply(
                self.kc.execute(
                    _FRESH_STATE.format(folder=str(folder)), silent=True, store_history=False
                )
            )
            if reply is None or reply["content"].get("status") != "ok":
                content = reply["content"] if reply else {}
                raise RuntimeError(
                    "the warm kernel could not be reset for the next report: "
                    f"{content.get('ename', 'no reply')}: {content.get('evalue', '')}"
                )
            super().papermill_execute_cells()

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            # the same arguments as papermill's NBClientEngine gives its client
            for unused in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(unused, None)
            client = FreshStateClient(
                nb_man,
                **kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            save = nb_man.save
            nb_man.save = _at_most_every(save, nb_man, PARTIAL_SAVE_SECONDS)
            try:
                return client.execute()
            finally:
                del nb_man.save  # the last save (papermill's, at the end) writes it all
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(_WARM_ENGINE, WarmEngine)
    return _WARM_ENGINE


def _report_title(nb: Any, name: str, language: str = "en") -> str:
    """The page title: the notebook's ``title_key`` in the report's language, else its title."""
    from cycleanalytics.i18n import TEXTS, t

    meta = nb.metadata.get("cycleanalytics", {})
    if meta.get("title_key") in TEXTS and language in LANGUAGES:
        return t(str(meta["title_key"]), language)
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


def _check_db(report: str, db: str | Path, engine: str) -> str:
    """What a report reads, checked before it runs: an existing DuckDB file, or for
    ``engine="spark"`` a lake folder (or the name of a Spark catalog database)."""
    path = Path(db).expanduser().resolve()
    if engine == "spark":
        if path.is_dir():
            return str(path)
        if path.is_file():
            raise ParameterError(
                f"report {report!r} runs on Spark (engine=spark) and {path} is a file: give "
                "the lake folder (write one from a database with Store.export_parquet(folder)) "
                "or run it with engine=duckdb"
            )
        name = str(db)
        if re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?", name):
            return name  # a catalog database, looked up by the Spark session
        raise ParameterError(
            f"lake folder {path} does not exist; give the folder holding interactions, "
            "complaints and customers (Parquet or Delta), or a Spark catalog database name"
        )
    if not path.is_file():
        hint = " (a folder: for a lake, add -p engine=spark)" if path.is_dir() else ""
        raise ParameterError(
            f"database {path} does not exist{hint}; create it with `cycleanalytics load` "
            "or pass --db with the path of an existing database"
        )
    return str(path)


def _kernel_provenance(nb: Any) -> dict[str, Any] | None:
    """The as-of time and load ids the report kernel recorded (``open_store``), if any."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PROVENANCE_MIME in data:
                found = data[PROVENANCE_MIME]
                return dict(found) if isinstance(found, dict) else None
    return None


def run_report(
    name: str,
    *,
    db: str | Path,
    out: str | Path,
    parameters: dict[str, object] | None = None,
    title: str | None = None,
    timeout: int = 600,
    output: str | None = None,
    self_contained: bool = False,
    assets: str | Path | None = None,
    notebooks: bool = True,
    index: str | None = None,
    kernel: WarmKernel | None = None,
) -> ReportResult:
    """Run a report notebook and export it to an offline HTML page.

    By default the page loads plotly.js from the shared ``assets`` folder beside it (written
    once, about 1.7 MB, instead of once in every page); ``self_contained=True`` embeds it in
    the page instead, for a single file that can be sent on its own.

    Parameters
    ----------
    name
        A report from :func:`available_reports`, e.g. ``"stage_funnel"``.
    db
        The cycleanalytics database (DuckDB file) the report reads.
    out
        Folder for ``<name>.html`` (created when missing).
    parameters
        Values for the notebook's parameters (see :func:`notebook_parameters`); unknown names
        and values of the wrong type are rejected before anything runs. Dates may be given as
        ``datetime.date`` or ``"YYYY-MM-DD"`` text.
    title
        Page title; by default the notebook's own.
    timeout
        Seconds a single cell may run.
    output
        File name (without suffix) of the page and notebook; by default the report's name.
    self_contained
        Embed plotly.js in the page (a single file of about 2 MB) instead of loading it from
        the shared folder.
    assets
        The folder holding the shared plotly.js (by default ``out/assets``); pages refer to
        it by a relative path.
    notebooks
        Keep the executed notebook as ``out/notebooks/<name>.ipynb``. A failed run keeps its
        partly executed notebook there in any case: it is the evidence.
    index
        Relative address of the folder's landing page (``index.html``), linked from the top
        of the page (:func:`run_reports` gives it); None: no link.
    kernel
        A :class:`WarmKernel` to run the report in, with the state of a new kernel but the
        libraries already imported (:func:`run_reports` keeps one per run); None: a kernel
        of its own, started and shut down for this report.

    Returns
    -------
    ReportResult
        Paths of the HTML page and executed notebook (if kept), number of charts, run time,
        title and headline figures.

    Raises
    ------
    ParameterError
        Unknown report or parameter, a value of the wrong type, or a missing database.
    ReportError
        A cell failed (the message names it; the partial notebook is kept), or the exported
        page is not a complete offline report.
    """
    import shutil
    import tempfile

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    run_started = datetime.now(UTC)
    source = _report_path(name)
    declared = notebook_parameters(name)
    checked = _check_parameters(name, declared, dict(parameters or {}))
    checked, resolved = _resolve(name, declared, checked)
    engine = str({**declared, **checked}.get("engine") or "duckdb")
    db_value = _check_db(name, db, engine)
    db_path = Path(db_value)
    if "db" in declared:
        checked = {"db": db_value, **checked}
    stem = check_output_name(output or name)
    out_dir = check_out_folder(out)
    kept = out_dir / "notebooks" / f"{stem}.ipynb"
    html_path = out_dir / f"{stem}.html"
    older = out_dir / f"{stem}.ipynb"  # where a run before the notebooks folder kept it
    asset_dir = Path(assets).expanduser().resolve() if assets is not None else out_dir / ASSETS
    refuse_foreign_files([kept, html_path, older])
    asset = None if self_contained else write_plotly_asset(asset_dir)  # before any kernel
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path.unlink(missing_ok=True)  # never leave an old page beside a failed run (ours)
    older.unlink(missing_ok=True)  # ours (checked above): a stale 5 MB copy of an old run
    kept.unlink(missing_ok=True)  # ours too: this run's notebook (or none) replaces it
    scratch = Path(tempfile.mkdtemp(prefix="cycleanalytics-run-"))
    executed = kept if notebooks else scratch / f"{stem}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)

    def evidence() -> Path:
        """The partly executed notebook, moved to the notebooks folder if it ran in scratch."""
        if executed != kept and executed.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(executed), kept)
        return kept

    try:
        # The kernel starts in out_dir (nbclient's resources path), and the driver process
        # never changes its own working directory: papermill's cwd= would chdir the whole
        # process, under the feet of reports running in other threads (run_reports -j N).
        in_kernel = (
            {"engine_name": _warm_engine(), "km": kernel.manager(out_dir)}
            if kernel is not None
            else {"kernel_manager_class": _kernel_manager_class()}
        )
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=checked,
            kernel_name="python3",
            language="python",
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
            resources={"metadata": {"path": str(out_dir)}},
            **in_kernel,
        )
    except PapermillExecutionError as exc:
        raise _failure(name, evidence(), exc) from None
    except Exception as exc:  # timeouts, a dead kernel: still name the cell
        if kernel is not None:
            kernel.discard()  # it may still be busy, or dead: the next report gets a new one
        if executed.exists():
            raise _failure(name, evidence(), exc) from exc
        raise ReportError(f"report {name!r} could not be run: {exc}") from exc
    finally:
        if executed.exists() and executed != kept:
            nb_text = executed.read_text(encoding="utf-8")
        else:
            nb_text = None
        shutil.rmtree(scratch, ignore_errors=True)

    nb = nbformat.reads(nb_text, as_version=4) if nb_text else nbformat.read(kept, as_version=4)
    language = str({**declared, **checked}.get("language") or "en")
    page_title = title or _report_title(nb, name, language)
    expected = int(nb.metadata.get("cycleanalytics", {}).get("min_charts", 1))
    header = report_header(
        db_path,
        provenance=_kernel_provenance(nb),
        parameters={**declared, **checked},
        period=resolved,
        started=run_started,
        seconds=time.perf_counter() - started,
        back=index,
    )
    plotly_src = None if asset is None else _relative_src(out_dir, asset)
    page = export_html(
        nb, title=page_title, header=header, language=language, plotly_src=plotly_src
    )
    charts = check_report_html(page, min_charts=expected, name=name)
    html_path.write_text(page, encoding="utf-8")
    return ReportResult(
        name=name,
        html=html_path,
        notebook=kept if notebooks else None,
        charts=charts,
        seconds=round(time.perf_counter() - started, 3),
        title=page_title,
        figures=_figures(nb),
    )


def _figures(nb: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}).get(FIGURES_MIME, {}))
    return found


# -- HTML export and its self-check --------------------------------------------------------


_EXPORTERS = threading.local()


def _html_exporter(language: str) -> Any:
    """nbconvert's HTML exporter for pages in ``language``, made once per thread and language
    and then reused: its Jinja environment keeps the compiled templates, and compiling them
    was most of an export's time (about 1 s of a page on the sample)."""
    made: dict[str, Any] = _EXPORTERS.__dict__.setdefault("by_language", {})
    if language in made:
        return made[language]
    import html

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
                        and PROVENANCE_MIME not in o.get("data", {})
                        and FIGURES_MIME not in o.get("data", {})
                    ]
                    if not cell.outputs:
                        continue
                kept.append(cell)
            nb.cells = kept
            return nb, resources

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
        language_code=html.escape(language, quote=True),
    )
    exporter.register_preprocessor(DropNoise(), enabled=True)
    made[language] = exporter
    return exporter


def export_html(
    nb: Any,
    *,
    title: str,
    header: str | None = None,
    language: str = "en",
    plotly_src: str | None = None,
) -> str:
    """An offline HTML page of an executed notebook: outputs only, no CDN scripts.

    Cells tagged ``parameters``, ``injected-parameters`` or ``remove-cell`` are dropped, as are
    stderr streams (warnings) and code cells left with nothing to show. ``header`` (HTML, see
    :func:`report_header`) is shown above everything else; ``language`` is the page's ``lang``.
    With ``plotly_src`` (a relative path, see :func:`write_plotly_asset`) the page loads
    plotly.js from that file instead of embedding the copy ``setup_notebook`` showed.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    if header:
        import nbformat

        cell = nbformat.v4.new_code_cell(source="# report header")
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/html": header}, metadata={})
        ]
        nb.cells.insert(0, cell)
    exporter = _html_exporter(language)
    csp = SHARED_CSP if plotly_src else REPORT_CSP
    resources = {"metadata": {"name": title}, "cycleanalytics_head": _head_meta(csp)}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    if plotly_src:
        bundle, _ = plotly_bundle()
        inline = f'<script type="text/javascript">{bundle}</script>'
        if body.count(inline) != 1:
            raise ReportError(
                f"report {title!r}: plotly.js is shown {body.count(inline)} times by the "
                "notebook instead of once (setup_notebook() in its first cell)"
            )
        body = body.replace(inline, _plotly_script(plotly_src), 1)
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

    It must include plotly.js exactly once (embedded, or one script tag for the folder's shared
    ``assets/plotly-*.min.js``), hold at least ``min_charts`` charts, show no code and load
    nothing from the network (plotly.js itself mentions CDN addresses, for map features reports
    do not use, so the bundle is left out of that search).
    """
    bundle, header = plotly_bundle()
    charts = page.count('class="plotly-graph-div"')
    # A chart with nothing to draw leaves a sentence saying why in its place (show_chart).
    explained = page.count('class="ca-empty"')
    problems = []
    copies = page.count(header)
    shared = len(_SHARED_SCRIPT.findall(page))
    if copies + shared != 1:
        problems.append(f"plotly.js is included {copies + shared} times instead of once")
    if page_policy(page) != (SHARED_CSP if shared and not copies else REPORT_CSP):
        problems.append("the Content-Security-Policy is missing or not before the first script")
    if charts + explained < min_charts:
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


def page_policy(page: str) -> str | None:
    """The Content-Security-Policy a page declares in a ``<meta http-equiv>`` before its first
    script (one declared later does not cover what runs before it), or None.

    >>> head = '<meta http-equiv="Content-Security-Policy" content="img-src data:">'
    >>> page_policy(f"<head>{head}</head><script></script>")
    'img-src data:'
    >>> page_policy(f"<script></script>{head}") is None
    True
    """
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        policy: str | None = None
        done = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.done:
                return
            if tag == "script":
                self.done = True
            values = dict(attrs)
            if tag == "meta" and (values.get("http-equiv") or "").lower() == (
                "content-security-policy"
            ):
                self.policy, self.done = values.get("content"), True

    finder = Finder()
    finder.feed(page[: page.find("<script") + 8] if "<script" in page else page)
    return finder.policy


# -- the header every page carries -----------------------------------------------------------


def _load_ids(ids: list[int]) -> str:
    if not ids:
        return "–"
    if len(ids) <= 8:
        return ", ".join(str(i) for i in ids)
    return f"{ids[0]}–{ids[-1]} ({len(ids)} loads)"


def data_provenance(db: str | Path) -> tuple[str, list[int]]:
    """The data's as-of time (latest timestamp, UTC) and the ids of the loads in a database."""
    from cycleanalytics.notebook import data_provenance as provenance_of
    from cycleanalytics.store import Store

    with Store(db, read_only=True) as store:
        found = provenance_of(store)
    return _as_of_text(found["as_of"]), found["loads"]


def _as_of_text(stamp: str | None) -> str:
    if not stamp:
        return "–"
    return f"{datetime.fromisoformat(stamp).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def report_header(
    db: str | Path,
    *,
    parameters: dict[str, object],
    period: ReportPeriod | None,
    started: datetime,
    seconds: float,
    provenance: dict[str, Any] | None = None,
    back: str | None = None,
) -> str:
    """The HTML header of a report page: period (and comparison), filters, data as-of, load ids,
    library version and run time. Every value is HTML-escaped. With ``back`` (the relative
    address of the landing page), a link back to it comes first.

    >>> from datetime import date
    >>> html = report_header(
    ...     sample_database(), parameters={"segment": "<b>x</b>", "language": "en"},
    ...     period=ReportPeriod(date(2026, 3, 1), date(2026, 3, 31)),
    ...     started=datetime(2026, 4, 1, 6, 0, tzinfo=UTC), seconds=2.5)
    >>> "segment = &lt;b&gt;x&lt;/b&gt;" in html and "2026-03-01 to 2026-03-31" in html
    True
    >>> "2026-03-01 s.d. 2026-03-31" in report_header(
    ...     sample_database(), parameters={"language": "id", "comparison": "previous"},
    ...     period=ReportPeriod(date(2026, 3, 1), date(2026, 3, 31)),
    ...     started=datetime(2026, 4, 1, 6, 0, tzinfo=UTC), seconds=2.5)
    True
    """
    from cycleanalytics import __version__
    from cycleanalytics.i18n import t
    from cycleanalytics.periods import comparison_period
    from cycleanalytics.templating import fragment

    language = str(parameters.get("language") or "en")
    if provenance is not None:  # what the report kernel read, on whichever engine
        as_of = _as_of_text(provenance.get("as_of"))
        loads = [int(i) for i in provenance.get("loads", [])]
    else:
        as_of, loads = data_provenance(db)
    to = t("word.to", language)
    period_text = period.label(to) if period else t("header.all_data", language)
    if period is not None:
        from cycleanalytics.i18n import period_words

        # in words first (June 2026), then the days, which say exactly what was counted
        period_text = f"{period_words(period.first, period.last, language)} ({period_text})"
    rows = [(t("header.period", language), period_text)]
    comparison = parameters.get("comparison")
    if period is not None and comparison and comparison != "none":
        before = comparison_period(period, str(comparison))
        if before is not None:
            rows.append((t("header.comparison", language), before.label(to)))
    filters = [
        f"{key} = {parameters[key]}"
        for key in ("segment", "channel")
        if parameters.get(key) is not None
    ]
    where = parameters.get("where")
    if isinstance(where, dict):
        filters += [f"{key} = {' or '.join(map(str, values))}" for key, values in where.items()]
    if parameters.get("model"):
        filters.append(f"model = {Path(str(parameters['model'])).name}")
    rows += [
        (t("header.filters", language), "; ".join(filters) or t("header.no_filters", language)),
        *(
            [(t("header.engine", language), f"Spark ({parameters.get('spark_master') or 'local'})")]
            if parameters.get("engine") == "spark"
            else []
        ),
        (t("header.data_as_of", language), as_of),
        (t("header.loads", language), _load_ids(loads)),
        (t("header.version", language), __version__),
        (
            t("header.run", language),
            f"{started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({seconds:.1f} s)",
        ),
    ]
    return fragment(
        "header", rows=rows, back=back or "", back_word=t("index.back", language) if back else ""
    )


def sample_database() -> Path:
    """A DuckDB file with the bundled sample, made once per process (for examples)."""
    global _SAMPLE_DB
    if _SAMPLE_DB is None or not _SAMPLE_DB.exists():
        import tempfile

        from cycleanalytics.ingest import load
        from cycleanalytics.sample import sample_dir
        from cycleanalytics.store import Store

        path = Path(tempfile.mkdtemp(prefix="cycleanalytics-")) / "sample.duckdb"
        with Store(path) as store:
            load(store, sorted(sample_dir().glob("*.csv")))
        _SAMPLE_DB = path
    return _SAMPLE_DB


_SAMPLE_DB: Path | None = None


# -- several reports per run, scheduled sets, the index page ----------------------------------


@dataclass(frozen=True)
class ReportJob:
    """One report of a run: which notebook, with which parameters, under which file name."""

    report: str
    parameters: dict[str, object]
    output: str = ""  # file stem; by default the report's name

    @property
    def stem(self) -> str:
        return self.output or self.report


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one job: the result, or the error (its message is the evidence)."""

    job: ReportJob
    result: ReportResult | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class RunSet:
    """A run of several reports into one folder, with its index page."""

    folder: Path
    as_of: str
    outcomes: list[ReportOutcome]
    index: Path

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.ok]


@dataclass(frozen=True)
class ReportConfig:
    """A scheduled report set read from TOML (see :func:`load_config`)."""

    db: Path | None
    out: Path
    subfolder: str
    jobs: list[ReportJob]
    title: str


#: Told when a report of a run starts (outcome None) and when it ends: its number (from 1),
#: the number of reports, the job, and its outcome.
Progress = Callable[[int, int, "ReportJob", "ReportOutcome | None"], None]


def _run_one(job: ReportJob, db: Path, folder: Path, timeout: int, **options: Any) -> ReportOutcome:
    try:
        result = run_report(
            job.report,
            db=db,
            out=folder,
            parameters=job.parameters,
            timeout=timeout,
            output=job.stem,
            **options,
        )
        return ReportOutcome(job, result, None)
    except (ReportError, ParameterError) as exc:
        return ReportOutcome(job, None, str(exc))
    except Exception as exc:  # a bug or a broken database: still evidence, still next report
        error = f"report {job.report!r} failed: {type(exc).__name__}: {exc}"
        return ReportOutcome(job, None, error)


def _in_workers(
    jobs: list[ReportJob],
    run: Callable[[int, ReportJob, WarmKernel | None], ReportOutcome],
    *,
    workers: int,
    warm: bool,
) -> list[ReportOutcome]:
    """``run(number, job, kernel)`` for every job (numbered from 1), ``workers`` at a time,
    in the jobs' order. Each worker thread keeps one :class:`WarmKernel` for all the jobs it
    takes (``warm``), else every report starts its own kernel (kernel None); the threads
    only wait for the kernels, which do the work."""
    import contextlib
    import queue
    from concurrent.futures import ThreadPoolExecutor

    pending: queue.SimpleQueue[tuple[int, ReportJob]] = queue.SimpleQueue()
    for item in enumerate(jobs, start=1):
        pending.put(item)
    outcomes: dict[int, ReportOutcome] = {}

    def work() -> None:
        with WarmKernel() if warm else contextlib.nullcontext() as kernel:
            while True:
                try:
                    number, job = pending.get_nowait()
                except queue.Empty:
                    return
                outcomes[number] = run(number, job, kernel)

    count = max(1, min(workers, len(jobs)))
    if count == 1:
        work()
    else:
        with ThreadPoolExecutor(max_workers=count) as pool:
            for future in [pool.submit(work) for _ in range(count)]:
                future.result()
    return [outcomes[number] for number in range(1, len(jobs) + 1)]


def run_reports(
    jobs: list[ReportJob] | list[str],
    *,
    db: str | Path,
    out: str | Path,
    as_of: str | date | None = None,
    subfolder: str = "",
    title: str = "",
    timeout: int = 600,
    jobs_at_once: int = 1,
    self_contained: bool = False,
    notebooks: bool = False,
    progress: Progress | None = None,
    fresh_kernels: bool = False,
) -> RunSet:
    """Run several reports into one folder and update the index page.

    A report that fails does not stop the others: its outcome carries the error (which
    report, which cell, the partial notebook's path) and the run's record lists it. Every
    job's parameters are checked before the first report runs, so a typo fails fast.

    Parameters
    ----------
    jobs
        Report names, or :class:`ReportJob` objects with parameters.
    db
        The database the reports read.
    out
        The folder holding ``index.html``; reports go to ``out/subfolder``.
    as_of
        The day rolling periods are resolved against (default today); given to every
        report that declares ``as_of``.
    subfolder
        Folder under ``out`` for this run; ``{as_of}`` in it is replaced by the date.
    title
        Title of the index page.
    timeout
        Seconds a single cell may run.
    jobs_at_once
        How many reports run at the same time, each worker in a kernel of its own (default
        one after the other). Each kernel has its own memory and imports the libraries once,
        so on large data or a busy machine keep it at one or two. The outcomes keep the
        jobs' order.
    self_contained
        Embed plotly.js in every page (single files for e-mail) instead of one shared
        ``out/assets/plotly-*.min.js`` that the pages load from disk.
    notebooks
        Keep the executed notebooks in ``notebooks/`` beside the pages (a failed report's
        partial notebook is kept there in any case).
    progress
        Called when each report starts and ends (see :data:`Progress`), e.g. to print it.
    fresh_kernels
        Start a kernel of its own for every report, as before warm kernels. By default each
        of the ``jobs_at_once`` workers keeps one :class:`WarmKernel` for all its reports:
        every report starts from a new kernel's state, without paying the imports again.

    Returns
    -------
    RunSet
        The outcomes, the run's folder and the index page.
    """
    import json

    day = parse_as_of(as_of).isoformat()  # type: ignore[arg-type]
    jobs = [j if isinstance(j, ReportJob) else ReportJob(j, {}) for j in jobs]
    prepared = []
    languages: dict[str, str] = {}
    periods: dict[str, str | None] = {}  # the days each report covers, FIRST..LAST
    for job in jobs:
        declared = notebook_parameters(job.report)
        parameters = dict(job.parameters)
        if "as_of" in declared:
            parameters.setdefault("as_of", day)
        checked = _check_parameters(job.report, declared, parameters)
        _, resolved = _resolve(job.report, declared, checked)
        periods[job.stem] = resolved.text() if resolved else None
        _check_db(job.report, db, str({**declared, **checked}.get("engine") or "duckdb"))
        check_output_name(job.stem)
        languages[job.stem] = str({**declared, **checked}.get("language") or "en")
        # checked values are absolute (model path): the threads of -j N resolve nothing
        prepared.append(ReportJob(job.report, checked, job.output))
    stems = [j.stem for j in prepared]
    duplicates = sorted({s for s in stems if stems.count(s) > 1})
    if duplicates:
        raise ParameterError(
            f"two reports of the set would write {', '.join(duplicates)}.html; give each an "
            'output name (output = "..." in the config)'
        )
    out_dir = check_out_folder(out)
    check_subfolder(subfolder)
    folder = out_dir / subfolder.replace("{as_of}", day) if subfolder else out_dir
    check_subfolder(folder.relative_to(out_dir).as_posix() if folder != out_dir else "")
    refuse_foreign_files(
        [out_dir / "index.html", folder / "run.json"]
        + [folder / f"{j.stem}{suffix}" for j in prepared for suffix in (".html", ".ipynb")]
        + [folder / "notebooks" / f"{j.stem}.ipynb" for j in prepared]
    )
    folder.mkdir(parents=True, exist_ok=True)
    db_path = Path(db).expanduser()
    db_path = db_path.resolve() if db_path.exists() else db_path  # else a Spark catalog database
    started = datetime.now(UTC)
    if jobs_at_once < 1:
        raise ParameterError(f"jobs_at_once must be 1 or more, not {jobs_at_once}")
    options: dict[str, Any] = {
        "self_contained": self_contained,
        "notebooks": notebooks,
        "assets": out_dir / ASSETS,
        "index": _relative_src(folder, out_dir / "index.html"),
    }
    if not self_contained:
        write_plotly_asset(out_dir / ASSETS)  # once, before the reports share it
    total = len(prepared)

    def one(number: int, job: ReportJob, kernel: WarmKernel | None) -> ReportOutcome:
        if progress is not None:
            progress(number, total, job, None)
        outcome = _run_one(job, db_path, folder, timeout, kernel=kernel, **options)
        if progress is not None:
            progress(number, total, job, outcome)
        return outcome

    outcomes = _in_workers(prepared, one, workers=jobs_at_once, warm=not fresh_kernels)
    record = {
        "title": title,
        "as_of": day,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "db": str(db_path),
        "reports": [
            {
                "report": o.job.report,
                "output": o.job.stem,
                "parameters": {k: v for k, v in o.job.parameters.items()},
                "ok": o.ok,
                "html": o.result.html.name if o.result else None,
                "notebook": f"notebooks/{o.job.stem}.ipynb"
                if (folder / "notebooks" / f"{o.job.stem}.ipynb").exists()
                else None,
                "title": o.result.title if o.result else None,
                "language": languages.get(o.job.stem, "en"),
                "period": periods.get(o.job.stem),
                "figures": o.result.figures if o.result else {},
                "seconds": o.result.seconds if o.result else None,
                "error": o.error,
            }
            for o in outcomes
        ],
    }
    (folder / "run.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    index = write_index(out_dir, title=title)
    return RunSet(folder=folder, as_of=day, outcomes=outcomes, index=index)


#: The order of the landing page: the executive summary first, then from outcome to detail.
REPORT_ORDER = (
    "executive_summary",
    "stage_funnel",
    "satisfaction",
    "complaints",
    "recovery",
    "drivers",
    "conformance",
    "explore",
)
#: The headline figures of a report on the landing page (from its recorded figures, see
#: :func:`cycleanalytics.notebook.publish_figures`), with their units.
HEADLINES = {
    "executive_summary": (("cases", "count"), ("csat", "share")),
    "satisfaction": (("csat", "share"), ("nps", "score")),
    "complaints": (("complaints", "count"), ("median_resolution_h", "hours")),
    "recovery": (("recovery_success", "share"),),
    "stage_funnel": (("dropoff", "share"),),  # the largest drop-off
}


def headline(report: str, figures: dict[str, Any], language: str = "en", model: Any = None) -> str:
    """A report's headline figures in one line, from the figures it recorded ("" if none); a
    stage is named as the report's cycle ``model`` names it
    (:func:`cycleanalytics.i18n.stage_label`).

    >>> headline("satisfaction", {"csat": {"value": 0.62}, "nps": {"value": 12.0}})
    'CSAT (satisfied, 4-5 of 5) 62.0% · NPS 12.0'
    >>> headline("complaints", {"median_resolution_h": {"value": 172.4}}, "id")
    'Median waktu penyelesaian 7,2 hari'
    """
    from cycleanalytics.i18n import TEXTS, stage_label, t
    from cycleanalytics.notebook import format_kpi

    parts = []
    for key, unit in HEADLINES.get(report, ()):
        if key == "dropoff":
            drops = {
                k.split(":", 1)[1]: v["value"]
                for k, v in figures.items()
                if k.startswith("dropoff:") and v.get("value") is not None
            }
            if drops:
                stage = max(drops, key=lambda s: drops[s])
                label = t("kpi.dropoff", language, stage=stage_label(stage, language, model))
                parts.append(f"{label} {format_kpi(drops[stage], unit, language)}")
            continue
        value = (figures.get(key) or {}).get("value")
        if value is None:
            continue
        own = f"index.{key}"  # a shorter label of its own, where the tile's is long
        label = t(own if own in TEXTS else f"kpi.{key}", language)
        parts.append(f"{label} {format_kpi(value, unit, language)}")
    return " · ".join(parts)


def _model_of(entry: dict[str, Any]) -> Any:
    """The cycle model a report of a run was given (its ``model`` parameter, a TOML file), for
    its stage names; None (the catalogue's names) for the default model, or when the file can
    no longer be read: the index still lists the report."""
    from cycleanalytics.errors import CycleAnalyticsError
    from cycleanalytics.model import resolve_model

    path = (entry.get("parameters") or {}).get("model")
    if not path:
        return None
    try:
        return resolve_model(str(path))
    except (OSError, CycleAnalyticsError):
        return None


def _period_of(entry: dict[str, Any], language: str) -> str:
    """The period a report of a run covered, in words (``period`` is ``FIRST..LAST``)."""
    from cycleanalytics.i18n import period_words

    parameters = entry.get("parameters") or {}
    # a record from before the resolved period was kept: its parameters say what was asked
    period = str(entry.get("period") or parameters.get("period") or "")
    first, _, last = period.partition("..")
    start, end = parameters.get("period_start"), parameters.get("period_end")
    try:
        if first and last:
            return period_words(date.fromisoformat(first), date.fromisoformat(last), language)
        if not period and start and end:
            return period_words(
                date.fromisoformat(str(start)), date.fromisoformat(str(end)), language
            )
    except ValueError:
        return period
    if period:
        return period  # a rolling name never resolved (an old record)
    return period_words(None, None, language).capitalize()


def _order(entry: dict[str, Any]) -> tuple[int, str]:
    report = str(entry.get("report"))
    rank = REPORT_ORDER.index(report) if report in REPORT_ORDER else len(REPORT_ORDER)
    return rank, str(entry.get("output") or report)


def _run_language(record: dict[str, Any]) -> str:
    """The language most of a run's reports were written in (English when unknown)."""
    from collections import Counter

    found = Counter(
        str(e.get("language")) for e in record.get("reports", []) if e.get("language") in LANGUAGES
    )
    return found.most_common(1)[0][0] if found else "en"


def write_index(out: str | Path, *, title: str = "") -> Path:
    """Write ``out/index.html``: every run recorded under ``out`` (its ``run.json`` files, in
    ``out`` itself and one folder down), newest first. Each report is shown by its title in its
    language, its purpose in one line, its headline figures and its period in words, the
    executive summary first; a failed report by its error and partial notebook. The page is in
    the newest run's language, offline and without script (``templates/pages/index.html.j2``).
    """
    import json

    from cycleanalytics.i18n import TEXTS, date_words, t
    from cycleanalytics.templating import environment

    out_dir = Path(out)
    records = []
    for path in [out_dir / "run.json", *sorted(out_dir.glob("*/run.json"))]:
        if path.is_file():
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            records.append((path.parent.relative_to(out_dir).as_posix(), record))
    records.sort(key=lambda r: (r[1].get("as_of", ""), r[1].get("started", "")), reverse=True)
    language = _run_language(records[0][1]) if records else "en"
    runs = []
    for where, record in records:
        prefix = "" if where == "." else f"{where}/"
        items = []
        for entry in sorted(record.get("reports", []), key=_order):
            report = str(entry.get("report"))
            lang = str(entry.get("language") or language)
            lang = lang if lang in LANGUAGES else "en"
            purpose_key = f"index.purpose.{report}"
            items.append(
                {
                    "ok": bool(entry.get("ok")),
                    "report": report,
                    "title": str(entry.get("title") or entry.get("output") or report),
                    "href": prefix + str(entry.get("html") or ""),
                    "purpose": t(purpose_key, lang) if purpose_key in TEXTS else "",
                    "headline": headline(
                        report, entry.get("figures") or {}, lang, _model_of(entry)
                    ),
                    "period": _period_of(entry, lang),
                    "error": str(entry.get("error")),
                    "notebook_href": prefix + str(entry["notebook"])
                    if entry.get("notebook")
                    else "",
                }
            )
        failed = sum(not e.get("ok") for e in record.get("reports", []))
        try:
            as_of = date_words(date.fromisoformat(str(record.get("as_of"))), language)
        except ValueError:
            as_of = str(record.get("as_of"))
        when = t("index.as_of", language, date=as_of)
        run_title = str(record.get("title") or "")
        runs.append(
            {
                # the page's own title is not repeated above each of its runs ("Reports" is
                # the English default that runs before the translated title recorded)
                "heading": when[:1].upper() + when[1:]
                if run_title in ("", title, "Reports")
                else f"{run_title}, {when}",
                "failed": t("index.failed_count", language, n=failed) if failed else "",
                "when": t(
                    "index.run",
                    language,
                    when=str(record.get("started", "")).replace("T", " ")[:16],
                ),
                "entries": items,
            }
        )
    template = environment().get_template("pages/index.html.j2")
    page = template.render(
        language=language,
        title=title or t("index.title", language),  # no title of its own: in the run's language
        head_meta=_head_meta(INDEX_CSP),
        runs=runs,
        failed_word=t("index.failed", language),
        partial_word=t("index.partial", language),
        no_runs=t("index.no_runs", language),
    )
    index = out_dir / "index.html"
    refuse_foreign_files([index])
    out_dir.mkdir(parents=True, exist_ok=True)
    index.write_text(page, encoding="utf-8")
    return index


def pdf_browser() -> str:
    """The Chromium that prints pages to PDF, or an :class:`~cycleanalytics.errors.OptionError`
    saying how to get one (checked before a run, so that no report runs in vain)."""
    from cycleanalytics.errors import OptionError
    from cycleanalytics.plots import _system_chromium

    browser = _system_chromium()
    if browser is None:
        raise OptionError(
            "--pdf needs Chromium (on Debian or Ubuntu: apt install chromium); without it, "
            "open the HTML pages and print them to PDF from any browser"
        )
    return browser


def print_pdf(page: str | Path, *, browser: str | None = None, timeout: int = 180) -> Path:
    """Print a report page to an A4 PDF beside it (``executive_summary.pdf``) with headless
    Chromium, as the browser's "Save as PDF" would: the page's print stylesheet applies, the
    charts are drawn first, nothing is fetched (the page's own policy forbids it).

    ``browser`` is a Chromium executable; by default the system's (``chromium``, Debian's
    package, or Google Chrome). Without one, an :class:`~cycleanalytics.errors.OptionError`
    says how to get it; the HTML page is there either way.
    """
    import subprocess
    import tempfile

    page = Path(page)
    browser = browser or pdf_browser()
    pdf = page.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="cycleanalytics-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=20000",  # plotly draws the charts before the page prints
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise ReportError(f"{browser} could not print {page} to PDF (exit {done.returncode})")
    return pdf


def load_config(path: str | Path) -> ReportConfig:
    """Read a scheduled report set from TOML. Relative paths are relative to the file.

    .. code-block:: toml

        title = "Weekly service reports"
        db = "service.duckdb"          # optional: the CLI's --db wins
        out = "reports/weekly"         # holds index.html
        subfolder = "{as_of}"          # one folder per as-of date (default)

        currency = "IDR"               # optional: costs shown in this currency

        [parameters]                   # for every report of the set
        period = "last_month"
        comparison = "previous"
        language = "en"

        [targets]                      # optional: red/amber/green on the KPI tiles
        csat = 0.60                    # shares as fractions: 60%
        median_resolution_h = 72       # hours (shown in days)
        cost_per_case = { target = 12.0, amber = 0.10 }   # amber: within 10% of it

        [[report]]
        name = "executive_summary"

        [[report]]
        name = "executive_summary"
        output = "executive_summary_id"
        parameters = { language = "id" }

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.toml").write_text('out = "out"\\n[[report]]\\nname = "stage_funnel"\\n')
    >>> config = load_config(folder / "r.toml")
    >>> config.out == folder / "out", [j.report for j in config.jobs]
    (True, ['stage_funnel'])
    """
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"report config {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"report config {path} is not valid TOML: {exc}") from None
    known = {"title", "db", "out", "subfolder", "parameters", "report", "targets", "currency"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ParameterError(
            f"report config {path}: unknown key(s) {', '.join(unknown)}; keys are: "
            f"{', '.join(sorted(known))}"
        )
    base = path.parent.resolve()
    common = dict(data.get("parameters", {}))
    # [targets] and currency reach the reports that show KPI tiles (they declare them)
    shown = {k: data[k] for k in ("targets", "currency") if k in data}
    if "targets" in shown:
        from cycleanalytics.notebook import parse_targets

        try:
            parse_targets(shown["targets"])
        except ParameterError as exc:
            raise ParameterError(f"report config {path}: [targets]: {exc}") from None
    entries = data.get("report", [])
    if not isinstance(entries, list) or not entries:
        raise ParameterError(
            f'report config {path} lists no reports; add [[report]] tables with name = "..."'
        )
    jobs = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "name" not in entry:
            raise ParameterError(f"report config {path}: [[report]] number {number} has no name")
        extra = sorted(set(entry) - {"name", "parameters", "output"})
        if extra:
            raise ParameterError(
                f"report config {path}: [[report]] {entry['name']!r} has unknown key(s) "
                f"{', '.join(extra)}; keys are: name, output, parameters"
            )
        parameters = {**common, **dict(entry.get("parameters", {}))}
        if shown and str(entry["name"]) in available_reports():
            declared = notebook_parameters(str(entry["name"]))
            parameters = {
                **{k: v for k, v in shown.items() if k in declared},
                **parameters,
            }
        if parameters.get("model"):
            parameters["model"] = str((base / str(parameters["model"])).resolve())
        output = str(entry.get("output", ""))
        if output:
            check_output_name(output, what=f"report config {path}: output")
        jobs.append(ReportJob(str(entry["name"]), parameters, output))
    db = data.get("db")
    return ReportConfig(
        db=(base / db).resolve() if db else None,
        out=(base / data.get("out", "reports")).resolve(),
        subfolder=check_subfolder(str(data.get("subfolder", "{as_of}"))),
        jobs=jobs,
        title=str(data.get("title", "")),
    )
