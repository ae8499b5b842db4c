"""Commands that bring data in: `sample` and `load`."""

from __future__ import annotations

from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import console, db_option, model_option, print_frame


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
