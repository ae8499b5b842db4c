"""`cycleanalytics drivers FILE`: key drivers of a wide survey file (one row per respondent).

The drivers of a database's cases (CSAT per stage against NPS) are `cycleanalytics metric
key_drivers`; this command reads a survey export with a survey map (shipped for the airline
passenger survey and the Skytrax reviews, or your own TOML) and prints the drivers, or with
``--stages`` which stage to fix first.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import print_frame


@main.command("drivers")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.option(
    "--survey",
    default=None,
    help="A shipped survey map (airline_passenger_satisfaction, skytrax_reviews) or a map "
    "TOML file; default: the shipped map made for this file name.",
)
@click.option("--outcome", default=None, help="The outcome column (default: the map's first).")
@click.option(
    "--level",
    type=click.Choice(["aspect", "stage"]),
    default="aspect",
    show_default=True,
    help="Drivers: each aspect, or per stage the mean of its aspects.",
)
@click.option("--by", multiple=True, help="Break down by a segment column. Repeatable.")
@click.option("--resamples", type=int, default=200, show_default=True, help="Bootstrap draws.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws.")
@click.option("--stages", "per_stage", is_flag=True, help="Show which stage to fix first.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def drivers(
    file: Path,
    survey: str | None,
    outcome: str | None,
    level: str,
    by: tuple[str, ...],
    resamples: int,
    seed: int,
    per_stage: bool,
    fmt: str,
) -> None:
    """Which aspects (or stages) of a survey drive the overall outcome: relative weights and
    Shapley values of R² with bootstrap intervals, penalty/reward and quadrants."""
    from cycleanalytics.metrics.drivers import key_drivers, readable_key_drivers, stage_priorities
    from cycleanalytics.surveys import read_survey

    started = time.perf_counter()
    table = read_survey(file, survey)
    df = key_drivers(
        table, outcome=outcome, level=level, by=list(by), resamples=resamples, seed=seed
    )
    title = (
        f"{table.attrs['survey']}: {df.attrs['outcome']}, "
        f"{df.attrs['definition']['rows_used']:,} complete rows, "
        f"{time.perf_counter() - started:.1f} s"
    )
    if per_stage:
        df = stage_priorities(df)
    elif fmt == "table":
        df = readable_key_drivers(df)
    print_frame(df, fmt, title=title if fmt == "table" else None)
