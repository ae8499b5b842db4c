"""What every command shares: the error-handling group, the shared options, table output.

Everything printed goes out as text, never as markup: values, file names and our own messages
may hold ``[...]`` (mapping sections, data), ``:emoji:`` codes or escape sequences, and none of
them may style, link, crash or steer the terminal. Both consoles have markup, emoji and
highlighting off; strings are wrapped in :class:`rich.text.Text` after :func:`visible` has
written control characters as escapes (``\\x1b``), so a value can neither colour the screen nor
hide text.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from cycleanalytics.errors import EXIT_CODES, CycleAnalyticsError, engine_fault

if TYPE_CHECKING:
    import pandas as pd

#: Control characters (C0 and C1, DEL) and the bidirectional overrides that reorder text on
#: screen; :func:`visible` writes them as escapes.
_HIDDEN = frozenset(
    [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F)]
).union(range(0x2066, 0x206A))
_ESCAPES = {ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"}


def visible(text: object, *, lines: bool = False) -> str:
    r"""``text`` with every control character written as an escape (ESC as ``\x1b``, a
    right-to-left override as ``\u202e``), so it shows on a terminal as what it is.

    With ``lines``, newlines and tabs are kept (our own multi-line messages); otherwise they
    are escaped too, so a value stays on its table row.

    >>> visible("red\x1b[31m")
    'red\\x1b[31m'
    >>> visible("a\nb"), visible("a\nb", lines=True)
    ('a\\nb', 'a\nb')
    """
    text = str(text)
    if not any(ord(c) in _HIDDEN for c in text):
        return text
    out = []
    for c in text:
        code = ord(c)
        if code not in _HIDDEN or (lines and c in "\n\t"):
            out.append(c)
        elif code in _ESCAPES:
            out.append(_ESCAPES[code])
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def plain(text: object, style: str = "") -> Text:
    """``text`` as a rich :class:`~rich.text.Text`: printed as it is, never read as markup,
    with its control characters shown (:func:`visible`, newlines kept)."""
    return Text(visible(text, lines=True), style=style)


def _is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal that draws escape codes (colours, a live progress
    bar). A Jupyter kernel runs a ``!command`` cell on a pseudo-terminal, with FORCE_COLOR
    set, but its output cell shows cursor movements as raw codes: a process started from a
    kernel (JPY_PARENT_PID) gets plain text."""
    if os.environ.get("JPY_PARENT_PID"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


# Markup, emoji codes and highlighting are off: a string prints as the characters it holds.
# Piped output is not cut to 80 columns: tables stay one line per row. Colours and live
# progress only on a terminal.
console = Console(
    highlight=False,
    markup=False,
    emoji=False,
    soft_wrap=True,
    width=None if _is_terminal(sys.stdout) else 200,
    force_terminal=_is_terminal(sys.stdout),
)
err = Console(
    stderr=True,
    highlight=False,
    markup=False,
    emoji=False,
    soft_wrap=True,
    force_terminal=_is_terminal(sys.stderr),
)


def say(*parts: object, to: Console | None = None) -> None:
    """Print a line of text (parts joined by nothing) on ``to`` (default: stdout), as text."""
    line = Text()
    for part in parts:
        line.append_text(part if isinstance(part, Text) else plain(part))
    (to or console).print(line)


def echo(text: object) -> None:
    """``click.echo`` for output meant to be piped (paths, TOML): control characters shown."""
    click.echo(visible(text, lines=True))


def error_line(label: str, message: object) -> RenderableType:
    """``label`` in bold red, then ``message`` as plain text."""
    return Text.assemble((label, "bold red"), " ", plain(message))


EPILOG = "Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + "."


class CycleGroup(click.Group):
    """A group that turns library errors into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        import warnings

        from cycleanalytics.errors import DataWarning

        def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
            if issubclass(category, DataWarning):  # the library's: a plain line, no source path
                err.print(error_line("Warning:", message))
            else:
                _show_default(message, category, *_, **__)

        _show_default = warnings.showwarning
        warnings.showwarning = show  # type: ignore[assignment]
        try:
            return super().invoke(ctx)
        except CycleAnalyticsError as exc:
            err.print(error_line("Error:", exc))
            ctx.exit(exc.exit_code)
        except FileNotFoundError as exc:
            err.print(error_line("Error:", exc))
            ctx.exit(1)
        except click.ClickException as exc:  # click prints it; a path in it shows as text
            exc.message = visible(exc.message, lines=True)
            raise
        except Exception as exc:  # out of memory, a full disk: the machine's, not a bug
            fault = engine_fault(exc)
            if fault is None:
                raise
            err.print(error_line("Error:", fault))
            ctx.exit(fault.exit_code)
        finally:
            warnings.showwarning = _show_default


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
    help="Keep this period: days FIRST..LAST (both included), a month 2026-03, a quarter "
    "2026-Q1, a year 2026, or last_month, last_quarter, last_7_days, month_to_date.",
)
channel_option = click.option("--channel", multiple=True, help="Keep this channel (repeatable).")
by_option = click.option(
    "--by",
    multiple=True,
    help="Break down by a column: an interactions column, segment, region, a time grain "
    "(day, week, month, quarter, year) or an attribute (a mapping's [attributes]; attr.NAME "
    "where a column has its name). Repeatable.",
)


def _where_pairs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict:
    """``--where NAME=VALUE`` (repeatable) as ``{name: [values]}``: a name given twice keeps
    either value; different names must all hold."""
    from cycleanalytics.errors import MetricError
    from cycleanalytics.metrics._sources import where_from_pairs

    try:
        return where_from_pairs(value)
    except MetricError as exc:
        raise click.BadParameter(str(exc)) from None


where_option = click.option(
    "--where",
    multiple=True,
    callback=_where_pairs,
    metavar="NAME=VALUE",
    help="Keep the cases and complaints whose attribute NAME (a mapping's [attributes]) is "
    "VALUE. Repeatable: the same NAME again adds a value, another NAME must hold too.",
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
        from cycleanalytics.safe_csv import frame_to_csv

        text = frame_to_csv(df)
        click.echo(visible(text, lines=True) if sys.stdout.isatty() else text, nl=False)
    elif fmt == "json":  # JSON writes control characters as \\u escapes itself
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
    """A table on the console; ``numeric`` columns are right-aligned. Headers, cells and the
    title print as text (:func:`visible`: a cell's newline shows as ``\\n``)."""
    table = RichTable(title=None if title is None else plain(title), title_justify="left")
    for column, right in zip(columns, numeric, strict=True):
        table.add_column(Text(visible(column)), justify="right" if right else "left")
    for row in rows:
        table.add_row(*(Text(visible(_cell(v))) for v in row))
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
