"""The ``cycleanalytics`` command: a thin shell over the library.

Each command opens the store and calls one public function; errors from the library become a
one-line message and a documented exit code here, in one place, never a traceback.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable

from cycleanalytics import __version__
from cycleanalytics.errors import EXIT_CODES, CycleAnalyticsError, ParameterError

# Piped output is not cut to 80 columns: tables stay one line per row.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EPILOG = "Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + "."


class CycleGroup(click.Group):
    """A group that turns library errors into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CycleAnalyticsError as exc:
            err.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False)
            ctx.exit(exc.exit_code)
        except FileNotFoundError as exc:
            err.print(f"[bold red]Error:[/] {exc}")
            ctx.exit(1)


# -- options shared by many commands: defined once --------------------------------------------
def db_option(*, must_exist: bool = True) -> Callable:
    return click.option(
        "--db",
        "db",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path, exists=must_exist),
        help="The cycleanalytics database file (DuckDB).",
    )


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
period_option = click.option(
    "--period",
    default=None,
    help="Only cases that started in this period: START..END (end excluded), YYYY-MM, YYYY-MM-DD.",
)
channel_option = click.option(
    "--channel", multiple=True, help="Only cases that entered through this channel (repeatable)."
)
by_option = click.option(
    "--by",
    multiple=True,
    help="Break down by a column: an interactions column, segment, region, or a time grain "
    "(day, week, month, quarter, year). Repeatable.",
)
model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="A cycle model TOML file (default: the five-stage model).",
)


def print_frame(df: pd.DataFrame, fmt: str, *, title: str | None = None) -> None:
    if fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        table = RichTable(title=title, title_justify="left")
        for column in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[column])
            table.add_column(str(column), justify="right" if numeric else "left")
        for row in df.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        console.print(table)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return str(value)


# -- commands ----------------------------------------------------------------------------------
@click.group(
    cls=CycleGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="cycleanalytics")
def main() -> None:
    """Customer-satisfaction analytics over the customer service cycle.

    Typical use: `load` exports into a database, then `metric` or `report` on it.
    `demo` does all of it on generated sample data.
    """


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write to.",
)
@click.option(
    "--customers",
    type=click.IntRange(1),
    default=1500,
    show_default=True,
    help="Number of customers.",
)
@click.option(
    "--months", type=click.IntRange(1, 120), default=6, show_default=True, help="Months of data."
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Random seed: the same seed gives identical files.",
)
def sample(out: Path, customers: int, months: int, seed: int) -> None:
    """Write deterministic sample exports (interactions, complaints, customers) and their true
    parameters (truth.json)."""
    from cycleanalytics.sample import generate_sample

    info = generate_sample(out, customers=customers, months=months, seed=seed)
    for kind, path in info.files.items():
        rows = info.rows.get(kind)
        click.echo(f"{path}" + (f"  ({rows:,} rows)" if rows is not None else ""))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option(must_exist=False)
@click.option(
    "--kind",
    type=click.Choice(["interactions", "complaints", "customers"]),
    default=None,
    help="The table the files feed (default: from each file's name or header).",
)
@model_option
def load(paths: tuple[Path, ...], db: Path, kind: str | None, model_path: Path | None) -> None:
    """Load canonical CSV exports (files or folders) into a database; the database is created
    when missing. A failed load changes nothing; a file loaded before is skipped."""
    from cycleanalytics.ingest import load as load_files
    from cycleanalytics.store import Store

    with Store(db) as store:
        result = load_files(store, list(paths), kind=kind, model=model_path)
    for f in result.files:
        if f.already_loaded:
            console.print(f"{f.file}: already loaded (load {f.load_id}), nothing added")
    print_frame(result.by_table(), "table", title=f"Loaded into {db}")


def _read_store(db: Path):
    from cycleanalytics.store import Store

    return Store(db, read_only=True)


@main.group(cls=CycleGroup)
def metric() -> None:
    """Compute a metric on a database and print it."""


@metric.command("funnel")
@db_option()
@by_option
@period_option
@channel_option
@click.option(
    "--entry-within",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Let cases enter at the earliest of their first N stages.",
)
@click.option(
    "--window",
    default=None,
    help="Count only stages reached within this time of the case's first event, e.g. 30d.",
)
@model_option
@format_option
def metric_funnel(
    db: Path,
    by: tuple[str, ...],
    period: str | None,
    channel: tuple[str, ...],
    entry_within: int,
    window: str | None,
    model_path: Path | None,
    fmt: str,
) -> None:
    """The ordered stage funnel: journeys reaching each stage, conversion with 95% intervals,
    drop-off."""
    from cycleanalytics.metrics import funnel

    with _read_store(db) as store:
        df = funnel(
            store,
            by=list(by),
            period=period,
            channel=list(channel),
            entry_within=entry_within,
            window=window,
            model=model_path,
        )
    if fmt != "table":
        print_frame(df, fmt)
        return
    title = f"Stage funnel: {df.attrs['cases_entered']:,} journeys entered, {df.attrs['period']}"
    print_frame(_readable_funnel(df), fmt, title=title)


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1%}"


def _readable_funnel(df: pd.DataFrame) -> pd.DataFrame:
    """The funnel as a person reads it in a terminal: labels, counts, shares with intervals."""
    by = list(df.columns[: list(df.columns).index("stage")])
    shown = df[by].copy()
    shown["stage"] = df["label"]
    shown["reached"] = df["reached"]
    shown["continued"] = [
        f"{_pct(c)} ({_pct(lo)}–{_pct(hi)})" if not pd.isna(c) else "–"
        for c, lo, hi in zip(
            df["conversion"], df["conversion_lo"], df["conversion_hi"], strict=True
        )
    ]
    shown["of entries"] = df["from_entry"].map(_pct)
    shown["dropped"] = df["dropped"]
    return shown


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


@main.group(cls=CycleGroup)
def model() -> None:
    """Show, check or export a cycle model."""


@model.command("show")
@model_option
def model_show(model_path: Path | None) -> None:
    """List a model's stages, aliases and allowed transitions."""
    from cycleanalytics.model import resolve_model

    m = resolve_model(model_path)
    rows = [
        {
            "#": i,
            "stage": s.id,
            "label": s.label,
            "conditional": "yes" if s.conditional else "",
            "next": ", ".join(m.transitions.get(s.id, ())),
            "aliases": ", ".join(a for v in s.aliases.values() for a in v),
        }
        for i, s in enumerate(m.stages, start=1)
    ]
    print_frame(pd.DataFrame(rows), "table", title=m.name)


@model.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def model_export(path: Path) -> None:
    """Write the default model to PATH as TOML, to edit into a model of your own."""
    from cycleanalytics.model import default_model

    default_model().to_toml(path)
    click.echo(str(path))


@model.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path, exists=True))
def model_check(path: Path) -> None:
    """Check a model TOML file; exit 3 with the problem when it is invalid."""
    from cycleanalytics.model import CycleModel

    m = CycleModel.from_toml(path)
    click.echo(f"{path}: valid model {m.name!r} with stages {', '.join(m.order)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
