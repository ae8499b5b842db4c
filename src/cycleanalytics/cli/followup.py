"""`cycleanalytics followup`: the worklist of cases that need a follow-up (an analyst output).

Customer ids are pseudonymised by default (keyed HMAC, key from
``CYCLEANALYTICS_PSEUDONYM_KEY``), and every text cell of a CSV that a spreadsheet would read
as a formula gets a leading quote. The loop-closure *rate* is `cycleanalytics metric
loop_closure`; manager reports show only rates.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import (
    channel_option,
    db_option,
    err,
    model_option,
    period_option,
    print_frame,
    read_store,
)


@main.command("followup")
@db_option()
@period_option
@channel_option
@model_option
@click.option("--sla", default="48h", show_default=True, help="Time allowed for the follow-up.")
@click.option("--as-of", default=None, help="The as-of time (default: the data's latest).")
@click.option(
    "--all",
    "include_closed",
    is_flag=True,
    help="Also list items already followed up (in time or late).",
)
@click.option(
    "--show-customer-ids",
    is_flag=True,
    help="Show real customer ids instead of pseudonyms (only where the reader may see them).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "parquet"]),
    default="table",
    show_default=True,
    help="Output format; parquet needs --out.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the terminal.",
)
def followup(
    db: Path,
    period: str | None,
    channel: tuple[str, ...],
    model_path: Path | None,
    sla: str,
    as_of: str | None,
    include_closed: bool,
    show_customer_ids: bool,
    fmt: str,
    out: Path | None,
) -> None:
    """List the cases that need a follow-up: detractors, low CSAT, open complaints and failed
    recoveries, with reason, owner (agent) and due time (trigger + SLA), overdue first."""
    if fmt == "parquet" and out is None:
        raise click.UsageError("--format parquet writes a file: give --out PATH")
    from cycleanalytics.metrics.followup import followup_worklist, formula_safe_frame

    with read_store(db) as store:
        table = followup_worklist(
            store,
            period=period,
            channel=list(channel),
            model=model_path,
            sla=sla,
            as_of=as_of,
            include_closed=include_closed,
            pseudonymize_ids=not show_customer_ids,
        )
    if table.attrs.get("pseudonyms") == "random":
        err.print(
            "Note: customer pseudonyms use a one-off key; set CYCLEANALYTICS_PSEUDONYM_KEY for "
            "pseudonyms that stay the same between runs."
        )
    if fmt == "parquet":
        assert out is not None
        table.to_parquet(out, index=False)
    elif fmt == "csv":
        text = formula_safe_frame(table).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
    else:
        title = (
            f"followup: {len(table):,} cases as of {table.attrs['as_of'][:16]}, "
            f"SLA {table.attrs['sla']}"
        )
        if out is None:
            print_frame(table, "table", title=title)
        else:
            out.write_text(table.to_string(index=False), encoding="utf-8")
    if out is not None:
        click.echo(str(out))
