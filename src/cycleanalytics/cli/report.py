"""Commands that publish: `report` and `demo`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import echo, err, error_line, print_frame, say
from cycleanalytics.errors import ParameterError, ReportError

#: The file by which `demo` knows a folder is its own (and may replace what it wrote there).
DEMO_MARKER = ".cycleanalytics-demo"
#: The demo's executive summary: the last complete month, with example targets (made up for
#: the sample, as a reports.toml [targets] table would give them) so its tiles show all
#: three colours.
DEMO_SUMMARY = {
    "period": "last_month",
    "targets": {
        "csat": 0.55,
        "complaints_per_1000": 90,
        "median_resolution_h": 120,
        "recovery_success": 0.85,
        "cost_per_case": 12,
    },
}


def _earlier_demo(folder: Path) -> bool:
    """A demo folder from before the marker file: its run record is the demo's."""
    import json

    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("title") == "Demo reports"


def _parameters(params: tuple[str, ...]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"report parameter {item!r} must look like KEY=VALUE")
        parameters[key.strip()] = value
    return parameters


def _progress(number: int, total: int, job: Any, outcome: Any) -> None:
    """One line on stderr as each report starts and ends (stdout keeps the pages' paths)."""
    width = len(str(total))
    place = f"[{number:>{width}}/{total}]"
    if outcome is None:
        say(f"{place} {job.stem}: running…", to=err)
    elif outcome.result is not None:
        charts = outcome.result.charts
        say(
            f"{place} {job.stem}: done, {charts} chart{'s' if charts != 1 else ''} in "
            f"{outcome.result.seconds:.1f} s",
            to=err,
        )
    else:
        say(f"{place} {job.stem}: failed", to=err)


def _finish(run: object, *, pdf: bool = False) -> None:
    """Print each report's error, the index and the pages (with ``pdf``, printed to PDF
    beside them), and fail when any report failed."""
    from cycleanalytics.reports import RunSet, print_pdf

    assert isinstance(run, RunSet)
    for outcome in run.failed:
        err.print(error_line("Failed:", outcome.error))
    echo(f"index: {run.index}")
    for outcome in run.outcomes:
        if outcome.result is not None:
            echo(outcome.result.html)
            if pdf:
                echo(print_pdf(outcome.result.html))
    if run.failed:
        names = ", ".join(o.job.stem for o in run.failed)
        raise ReportError(
            f"{len(run.failed)} of {len(run.outcomes)} reports failed ({names}); the others "
            f"were written; see {run.index}"
        )


def _jobs_option(default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="How many reports run at once; each worker keeps one kernel warm for its "
        "reports (every report starts from a new kernel's state).",
    )


def _page_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--self-contained, --notebooks and --kernel-per-report, the same for `report` and
    `demo`."""
    command = click.option(
        "--kernel-per-report",
        "fresh_kernels",
        is_flag=True,
        help="Start a new kernel for every report instead of keeping one warm per worker "
        "(slower: each report imports the libraries again).",
    )(command)
    command = click.option(
        "--notebooks",
        "keep_notebooks",
        is_flag=True,
        help="Also keep the executed notebooks, in notebooks/ beside the pages (a failed "
        "report's partial notebook is kept there in any case).",
    )(command)
    return click.option(
        "--self-contained",
        "self_contained",
        is_flag=True,
        help="Embed plotly.js in every page (single files of about 2 MB, e.g. for e-mail) "
        "instead of one shared assets/plotly-*.min.js that the pages load from disk.",
    )(command)


@main.command()
@click.argument("names", nargs=-1)
@click.option(
    "--db",
    "db",
    type=click.Path(path_type=Path),
    default=None,
    help="The cycleanalytics database file (DuckDB); with -p engine=spark, the lake folder "
    "(Parquet or Delta tables) or a Spark catalog database. With --config, overrides its db.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the HTML pages, their shared assets/ and index.html "
    "[default: reports; with --config, its out].",
)
@click.option("--all", "run_all", is_flag=True, help="Run every report.")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="A reports.toml describing a scheduled report set (reports, parameters, folder).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="The day rolling periods (last_month, ...) are counted back from [default: today].",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A notebook parameter for every report of the run (repeatable), e.g. "
    "-p period=last_month -p language=id.",
)
@_jobs_option(default=1)
@_page_options
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print each page to an A4 PDF beside it (needs Chromium; the pages' print "
    "stylesheet, as the browser's Save as PDF).",
)
def report(
    names: tuple[str, ...],
    db: Path | None,
    out: Path | None,
    run_all: bool,
    config: Path | None,
    as_of: str | None,
    params: tuple[str, ...],
    jobs: int,
    self_contained: bool,
    keep_notebooks: bool,
    fresh_kernels: bool,
    pdf: bool,
) -> None:
    """Run reports NAMES (or --all, or the set in --config) into offline HTML pages and an
    index.html, printing each report as it starts and ends. A failed report does not stop the
    others; the exit code is then 7. Without NAMES, --all or --config, list the reports and
    their parameters."""
    from cycleanalytics import reports

    if pdf:
        reports.pdf_browser()  # before any report runs: without Chromium, say so at once
    options: dict[str, Any] = {
        "jobs_at_once": jobs,
        "self_contained": self_contained,
        "notebooks": keep_notebooks,
        "progress": _progress,
        "fresh_kernels": fresh_kernels,
    }
    parameters = _parameters(params)
    if config is not None:
        if names or run_all:
            raise ParameterError("give either --config or report names / --all, not both")
        spec = reports.load_config(config)
        database = db or spec.db
        if database is None:
            raise ParameterError(f'{config} names no db; add db = "..." to it or pass --db')
        run = reports.run_reports(
            [
                reports.ReportJob(j.report, {**j.parameters, **parameters}, j.output)
                for j in spec.jobs
            ],
            db=database,
            out=out or spec.out,
            as_of=as_of,
            subfolder=spec.subfolder,
            title=spec.title,
            **options,
        )
        _finish(run, pdf=pdf)
        return
    if not names and not run_all:
        for report_name in reports.available_reports():
            declared = reports.notebook_parameters(report_name)
            echo(f"{report_name}: " + ", ".join(f"{k}={v!r}" for k, v in declared.items()))
        return
    if db is None:
        raise ParameterError("give the database with --db FILE")
    selected = reports.available_reports() if run_all else list(names)
    run = reports.run_reports(
        [reports.ReportJob(name, dict(parameters)) for name in selected],
        db=db,
        out=out or Path("reports"),
        as_of=as_of,
        **options,
    )
    _finish(run, pdf=pdf)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/demo"),
    show_default=True,
    help="Folder for the sample, the database, the reports and index.html.",
)
@_jobs_option(default=2)
@_page_options
def demo(
    out: Path, jobs: int, self_contained: bool, keep_notebooks: bool, fresh_kernels: bool
) -> None:
    """Generate the sample, load it into a fresh database and run every report on it, with
    the index page (the executive summary: the sample's last complete month). --out must be
    a new or empty folder, or one an earlier demo made: the demo replaces only its own files."""
    from datetime import timedelta

    from cycleanalytics import reports
    from cycleanalytics.ingest import load as load_files
    from cycleanalytics.sample import generate_sample
    from cycleanalytics.store import Store

    started = time.perf_counter()
    out = reports.check_out_folder(out)
    marker = out / DEMO_MARKER
    if out.exists() and any(out.iterdir()) and not (marker.is_file() or _earlier_demo(out)):
        raise ParameterError(
            f"{out} is not empty and was not made by `cycleanalytics demo`; nothing was "
            "changed. Give --out a new or empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        "Made by `cycleanalytics demo`: a later demo may replace the files it wrote here.\n",
        encoding="utf-8",
    )
    info = generate_sample(out / "sample")  # replaces only an earlier sample's files
    db = out / "demo.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):  # this folder's own demo database
        stale.unlink(missing_ok=True)
    with Store(db) as store:
        result = load_files(store, [p for k, p in info.files.items() if k != "truth"])
        last = store.as_of()
    print_frame(result.by_table(), "table", title=f"Sample loaded into {db}")
    as_of = (last.date() + timedelta(days=1)).isoformat() if last is not None else None
    # the executive summary compares the last complete month with the one before; the
    # other reports cover all the data
    run = reports.run_reports(
        [
            reports.ReportJob(name, DEMO_SUMMARY if name == "executive_summary" else {})
            for name in reports.available_reports()
        ],
        db=db,
        out=out,
        as_of=as_of,
        title="Demo reports",
        jobs_at_once=jobs,
        self_contained=self_contained,
        notebooks=keep_notebooks,
        progress=_progress,
        fresh_kernels=fresh_kernels,
    )
    say(f"Done in {time.perf_counter() - started:.0f} s. Open in a browser:")
    _finish(run)
