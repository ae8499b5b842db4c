"""What every command shares: the error-handling group, the shared options, table output."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from cycleanalytics.errors import EXIT_CODES, CycleAnalyticsError

if TYPE_CHECKING:
    import pandas as pd

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
        import pandas as pd

        numeric = [pd.api.types.is_numeric_dtype(df[column]) for column in df.columns]
        print_rows(list(map(str, df.columns)), df.itertuples(index=False), numeric, title=title)


def print_rows(
    columns: list[str],
    rows: Iterable[Iterable[object]],
    numeric: list[bool],
    *,
    title: str | None = None,
) -> None:
    """A table on the console; ``numeric`` columns are right-aligned."""
    table = RichTable(title=title, title_justify="left")
    for column, right in zip(columns, numeric, strict=True):
        table.add_column(column, justify="right" if right else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)


def _cell(value: object) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return value.strftime("%Y-%m-%d") if midnight else value.isoformat()
    return str(value)


def _missing(value: object) -> bool:
    """None, NaN, and pandas' NA and NaT (a DataFrame's values: pandas is then loaded)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    pandas = sys.modules.get("pandas")
    return pandas is not None and pandas.api.types.is_scalar(value) and bool(pandas.isna(value))


memory_limit_option = click.option(
    "--memory-limit",
    default=None,
    envvar="CYCLEANALYTICS_MEMORY_LIMIT",
    help="DuckDB memory limit, e.g. 4GB; beyond it DuckDB spills to --temp-directory.",
)
temp_directory_option = click.option(
    "--temp-directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="CYCLEANALYTICS_TEMP_DIRECTORY",
    help="Folder DuckDB spills to when memory runs short.",
)


def read_store(
    db: Path, *, memory_limit: str | None = None, temp_directory: Path | None = None
) -> Any:
    """Open a database for reading (metrics and reports never write)."""
    from cycleanalytics.store import Store

    return Store(db, read_only=True, memory_limit=memory_limit, temp_directory=temp_directory)
