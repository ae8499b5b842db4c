"""`cycleanalytics metric NAME`: one command per registered metric, built from its declaration.

Every metric command has the shared options (--db, --by, --period, --channel, --segment,
--where, --model, --format) plus the options its metric declares in the registry, so a new
metric is on the command line as soon as it is registered.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import (
    CycleGroup,
    by_option,
    db_option,
    err,
    format_option,
    memory_limit_option,
    model_option,
    plain,
    print_frame,
    read_store,
    temp_directory_option,
    where_option,
)

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.metrics import MetricSpec, Option


class MetricGroup(CycleGroup):
    """One command per registered metric, built when the group is first listed or called (so
    that other commands do not import the metrics and Ibis)."""

    def _registry(self) -> dict[str, MetricSpec]:
        from cycleanalytics.metrics import REGISTRY

        return REGISTRY

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._registry())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self._registry():
            self.add_command(_command(self._registry()[cmd_name]))
        return self.commands.get(cmd_name)


@main.group(cls=MetricGroup)
def metric() -> None:
    """Compute a metric on a database and print it."""


def _click_option(option: Option) -> Any:
    flag = "--" + option.name.replace("_", "-")
    if option.type is bool:
        return click.option(
            flag, option.name, is_flag=True, default=bool(option.default), help=option.help
        )
    kind = click.Choice(list(option.type)) if isinstance(option.type, tuple) else option.type
    return click.option(
        flag,
        option.name,
        type=kind,
        default=option.default,
        multiple=option.multiple,
        show_default=option.default is not None,
        help=option.help,
    )


def _command(spec: MetricSpec) -> click.Command:
    accepted = set(inspect.signature(spec.compute).parameters)

    def run(
        db: Path,
        fmt: str,
        model_path: Path | None,
        by: tuple[str, ...],
        memory_limit: str | None,
        temp_directory: Path | None,
        **kwargs: Any,
    ) -> None:
        shared = {"by": list(by), "model": model_path}
        arguments = {k: v for k, v in {**shared, **kwargs}.items() if k in accepted}
        arguments = {k: list(v) if isinstance(v, tuple) else v for k, v in arguments.items()}
        if not arguments.get("where"):  # no --where: the metric's default
            arguments.pop("where", None)
        with read_store(db, memory_limit=memory_limit, temp_directory=temp_directory) as store:
            df = spec.compute(store, **arguments)
        readable = getattr(inspect.getmodule(spec.compute), f"readable_{spec.name}", None)
        if fmt == "table" and readable is not None:
            print_frame(readable(df), fmt, title=_title(spec, df))
        else:
            print_frame(df, fmt, title=_title(spec, df) if fmt == "table" else None)
        if fmt == "table":  # printed as text: data never becomes markup
            err.print(plain(f"Counted: {_counted(df)}", style="dim"))
        for measure, reason in df.attrs.get("missing", {}).items():
            err.print(plain(f"Not measured: {measure}: {reason}", style="yellow"))

    command = click.Command(
        spec.name, callback=run, help=_help(spec), short_help=spec.summary, epilog=_epilog(spec)
    )
    decorators = [
        db_option(),
        by_option,
        _period_option(spec),
        _channel_option(spec),
        _segment_option(spec),
        where_option,
        model_option,
        format_option,
        memory_limit_option,
        temp_directory_option,
    ]
    decorators += [_click_option(o) for o in spec.options]
    for decorate in decorators:
        command = decorate(command)
    return command


def _scopes(spec: MetricSpec, field: str) -> str:
    values = {key: getattr(scope, field) for key, scope in spec.scopes.items()}
    if len(set(values.values())) == 1:
        return next(iter(values.values()))
    return "; ".join(f"{value} with --basis {key}" for key, value in values.items())


def _period_option(spec: MetricSpec) -> Any:
    return click.option(
        "--period",
        default=None,
        help=f"Keep what falls in this period, by {_scopes(spec, 'time')}: days FIRST..LAST "
        "(both included), a month 2026-03, a quarter 2026-Q1, a year 2026, or last_month, "
        "last_quarter, last_7_days, month_to_date.",
    )


def _channel_option(spec: MetricSpec) -> Any:
    return click.option(
        "--channel",
        multiple=True,
        help=f"Keep this channel (repeatable), by {_scopes(spec, 'channel')}.",
    )


def _segment_option(spec: MetricSpec) -> Any:
    return click.option(
        "--segment",
        multiple=True,
        help="Keep the customers of this segment (customers table; repeatable).",
    )


def _help(spec: MetricSpec) -> str:
    return f"{spec.summary}\n\nCounts {_scopes(spec, 'population')}. Unit: {spec.unit}."


def _epilog(spec: MetricSpec) -> str | None:
    refused = [f"no --{key} ({why})" for key, why in spec.refuses.items()]
    return "; ".join(refused).capitalize() + "." if refused else None


def _counted(df: pd.DataFrame) -> str:
    """One line: what the numbers count, on how much, after which filters."""
    definition = df.attrs["definition"]
    filters = df.attrs["filters"]
    shown = [f"{definition['population']}"]
    shown.append(f"period {filters.get('period', 'all data')} by {definition['time_basis']}")
    if filters.get("channel"):
        shown.append(f"channel {', '.join(filters['channel'])} by {definition['channel_basis']}")
    if filters.get("segment"):
        shown.append(f"segment {', '.join(filters['segment'])}")
    for key, values in (filters.get("where") or {}).items():
        shown.append(f"{key} {' or '.join(values)}")
    excluded = ", ".join(f"{n:,} {why}" for why, n in df.attrs["rows_excluded"].items() if n)
    used = f"{df.attrs['rows_used']:,} used" + (f"; left out: {excluded}" if excluded else "")
    return "; ".join(shown) + f" ({used})."


def _title(spec: MetricSpec, df: pd.DataFrame) -> str:
    parts = []
    if "cases_entered" in df.attrs:
        parts.append(f"{df.attrs['cases_entered']:,} journeys entered")
    if "period" in df.attrs:
        parts.append(str(df.attrs["period"]))
    return f"{spec.name}: {', '.join(parts)}" if parts else spec.name
