"""Commands that publish: `report` and `demo`."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import console, db_option, print_frame
from cycleanalytics.errors import ParameterError


@main.command()
@click.argument("name", required=False)
@db_option()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for the executed notebook and the HTML.",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A notebook parameter (repeatable), e.g. -p period_start=2026-01-01.",
)
def report(name: str | None, db: Path, out: Path, params: tuple[str, ...]) -> None:
    """Run report NAME on a database into an executed notebook and an offline HTML page.
    Without NAME, list the reports and their parameters."""
    from cycleanalytics import reports

    if name is None:
        for report_name in reports.available_reports():
            declared = reports.notebook_parameters(report_name)
            click.echo(f"{report_name}: " + ", ".join(f"{k}={v!r}" for k, v in declared.items()))
        return
    parameters: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"report parameter {item!r} must look like KEY=VALUE")
        parameters[key.strip()] = value
    result = reports.run_report(name, db=db, out=out, parameters=parameters)
    click.echo(f"{result.html}  ({result.charts} charts, {result.seconds:.1f} s)")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/demo"),
    show_default=True,
    help="Folder for the sample, the database and the reports.",
)
def demo(out: Path) -> None:
    """Generate the sample, load it into a fresh database and run every report on it."""
    from cycleanalytics import reports
    from cycleanalytics.ingest import load as load_files
    from cycleanalytics.sample import generate_sample
    from cycleanalytics.store import Store

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    data = out / "sample"
    if data.exists():
        shutil.rmtree(data)
    info = generate_sample(data)
    db = out / "demo.duckdb"
    db.unlink(missing_ok=True)
    with Store(db) as store:
        result = load_files(store, [p for k, p in info.files.items() if k != "truth"])
    print_frame(result.by_table(), "table", title=f"Sample loaded into {db}")
    pages = []
    for name in reports.available_reports():
        page = reports.run_report(name, db=db, out=out)
        pages.append(page.html)
        console.print(f"report {name}: {page.charts} charts in {page.seconds:.1f} s")
    console.print(f"Done in {time.perf_counter() - started:.0f} s. Open in a browser:")
    for page in pages:
        click.echo(str(page.resolve()))
