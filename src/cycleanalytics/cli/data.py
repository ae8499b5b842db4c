"""Commands that bring data in: `sample`, `load`, `quarantine` and `mapping init/check`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import (
    db_option,
    echo,
    err,
    format_option,
    model_option,
    print_frame,
    print_rows,
    read_store,
    say,
    visible,
)
from cycleanalytics.errors import ParameterError

if TYPE_CHECKING:
    import duckdb

    from cycleanalytics.ingest.load import LoadResult


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
        echo(f"{path}" + (f"  ({rows:,} rows)" if rows is not None else ""))


mapping_option = click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="A mapping file (TOML) for exports not in the canonical format (see docs/mappings.md).",
)
kind_option = click.option(
    "--kind",
    type=click.Choice(["interactions", "complaints", "customers"]),
    default=None,
    help="The table the files feed (default: the mapping's kind, or each file's name or header).",
)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option(must_exist=False)
@kind_option
@mapping_option
@model_option
@click.option(
    "--policy",
    type=click.Choice(["keep", "update"]),
    default="keep",
    show_default=True,
    help="Rows whose id is already loaded: keep the stored row, or update it with the new one.",
)
@click.option(
    "--strict", is_flag=True, help="Fail at the first bad row instead of quarantining it."
)
@click.option(
    "--max-quarantined",
    "max_quarantined",
    type=float,
    default=None,
    metavar="SHARE",
    help="The largest share of a file's rows that may be quarantined, from 0 to 1 (default "
    "0.5, or CYCLEANALYTICS_MAX_QUARANTINED); a file with more loads nothing. 1 lets every "
    "file through.",
)
@click.option(
    "--memory-limit",
    default="256MB",
    show_default=True,
    envvar="CYCLEANALYTICS_MEMORY_LIMIT",
    help="Memory DuckDB may use; beyond it, work spills to a temporary folder beside the "
    "database (large loads stay within it).",
)
def load(
    paths: tuple[Path, ...],
    db: Path,
    kind: str | None,
    mapping_path: Path | None,
    model_path: Path | None,
    policy: str,
    strict: bool,
    max_quarantined: float | None,
    memory_limit: str,
) -> None:
    """Load exports (CSV/TSV, Parquet, JSON/NDJSON, XES, xlsx; files or folders) into a
    database, created when missing. Bad rows go to quarantine (see `quarantine`); a file that
    cannot be loaded changes nothing; a file loaded before is skipped."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from cycleanalytics.ingest import load as load_files
    from cycleanalytics.ingest.load import BY_TABLE_COLUMNS
    from cycleanalytics.ingest.mapping import read_mapping
    from cycleanalytics.model import resolve_model
    from cycleanalytics.store import Store

    # A bad model or mapping (an invalid regex, an unknown column) fails here, before the
    # database is created or opened.
    model = resolve_model(model_path)
    mapping = read_mapping(mapping_path, model) if mapping_path is not None else None
    with (
        _new_database_removed_on_failure(db),
        Store(db, memory_limit=memory_limit) as store,
        Progress(
            TextColumn("{task.description}", markup=False),  # a file name is not markup
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("loading", total=100)
        shown = [0.0]  # the running file's share scanned, as drawn (DuckDB's progress only grows)

        def progress(path: Path) -> None:
            shown[0] = 0.0
            bar.update(task, description=visible(f"loading {path.name}"), completed=0)

        def follow(done: float) -> None:
            shown[0] = max(shown[0], done)
            bar.update(task, completed=shown[0])

        with _query_progress(store.con, follow):
            result = load_files(
                store,
                list(paths),
                kind=kind,
                model=model,
                mapping=mapping,
                policy=policy,
                strict=strict,
                max_quarantined=max_quarantined,
                progress=progress,
            )
    _say_what_was_left_or_replaced(result)
    _say_ambiguous_times(result, mapping.ambiguous if mapping is not None else "later")
    numeric = [False] + [True] * (len(BY_TABLE_COLUMNS) - 1)
    print_rows(list(BY_TABLE_COLUMNS), result.table_rows(), numeric, title=f"Loaded into {db}")
    for f in result.files:
        if f.duplicates:
            say(f"{f.file}: {f.duplicates_summary()}", to=err)
    if result.rows_quarantined:
        loads = ", ".join(str(f.load_id) for f in result.files if f.rows_quarantined)
        say(
            f"{result.rows_quarantined:,} row(s) quarantined; see why with "
            f"`cycleanalytics quarantine --db {db}` (loads {loads})",
            to=err,
        )


def _say_what_was_left_or_replaced(result: LoadResult) -> None:
    """Before the table: every file not loaded and why (the folder's strays, the files
    loaded before), and every earlier load a file replaced."""
    if result.skipped:
        say(f"{len(result.skipped)} file(s) of the folder(s) skipped:")
        for path, why in result.skipped:
            say(f"  {path}: {why}")
    for f in result.files:
        if f.already_loaded:
            say(
                f"{f.file}: already loaded (load {f.load_id}) with this mapping and model, "
                "nothing added"
            )
        elif f.replaced_loads:
            earlier = ", ".join(map(str, f.replaced_loads))
            say(
                f"{f.file}: replaced what load(s) {earlier} stored from the same file with "
                "another mapping or model"
            )


def _say_ambiguous_times(result: LoadResult, rule: str) -> None:
    """Rows whose local time the clocks went through twice, and how they were read."""
    for f in result.files:
        if f.ambiguous_times:
            say(
                f"{f.file}: {f.ambiguous_times:,} row(s) with a local time said twice (summer "
                f'time ending) read as the {rule} instant ([timestamps] ambiguous = "{rule}"; '
                '"reject" quarantines them)',
                to=err,
            )


@contextmanager
def _new_database_removed_on_failure(db: Path) -> Iterator[None]:
    """A database file the command creates is removed again when the load fails: a failed
    load leaves the disk as it was."""
    existed = db.exists()
    try:
        yield
    except BaseException:
        if not existed:
            for leftover in (db, db.with_name(db.name + ".wal")):
                with suppress(OSError):  # never made (its folder is a file, say)
                    leftover.unlink(missing_ok=True)
        raise


@main.command()
@db_option()
@click.option("--load", "load_id", type=int, default=None, help="Only rows of this load.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many rows.")
@format_option
def quarantine(db: Path, load_id: int | None, limit: int | None, fmt: str) -> None:
    """List rejected rows: load, file, line, reason and the raw record."""
    from cycleanalytics.ingest.quarantine import quarantined

    with read_store(db) as store:
        df = quarantined(store, load_id=load_id, limit=limit)
    if fmt == "table" and df.empty:
        say("No rows were quarantined.")
        return
    print_frame(df if fmt != "table" else df.drop(columns="record"), fmt, title="Quarantine")


@main.group()
def mapping() -> None:
    """Draft and check mapping files (TOML) for exports in other formats."""


@mapping.command("init")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@kind_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the draft here (default: print it).",
)
def mapping_init(file: Path, kind: str | None, out: Path | None) -> None:
    """Draft a mapping from FILE's header with best guesses, for you to edit."""
    from cycleanalytics.ingest.preview import draft_mapping

    text = draft_mapping(file, kind=kind)
    if out is None:
        click.echo(visible(text, lines=True), nl=False)
    else:
        if out.exists():
            raise ParameterError(
                f"{out} already exists; nothing was overwritten. Choose a new file name with "
                "--out, or remove the old file first"
            )
        out.write_text(text, encoding="utf-8")
        say(f"wrote {out}; edit it, then: cycleanalytics mapping check {file} --mapping {out}")


@mapping.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@mapping_option
@kind_option
@model_option
def mapping_check(
    file: Path, mapping_path: Path | None, kind: str | None, model_path: Path | None
) -> None:
    """Preview loading FILE with a mapping: rows per stage and coverage, unmapped activities,
    unused columns, rows that would be quarantined and why. Nothing is written."""
    from cycleanalytics.ingest.preview import check_mapping

    check = check_mapping(file, mapping_path, kind=kind, model=model_path)
    say(
        f"{file}: {check.kind}, {check.rows_read:,} rows read, {check.rows_loaded:,} would load, "
        f"{check.rows_quarantined:,} would be quarantined"
    )
    if check.coverage is not None:
        say(f"coverage (events mapped to a stage): {check.coverage:.2%}")
        print_frame(check.stages, "table", title="Events per stage")
    if not check.unmapped.empty:
        print_frame(check.unmapped.head(30), "table", title="Activities with no stage")
    if check.unused_columns:
        say(f"columns not used: {', '.join(check.unused_columns)}")
    if not check.quarantine.empty:
        print_frame(check.quarantine, "table", title="Rows that would be quarantined (first 20)")


@contextmanager
def _query_progress(
    con: duckdb.DuckDBPyConnection, report: Callable[[float], None]
) -> Iterator[None]:
    """Call ``report`` with the percentage DuckDB gives for the running query, four times a
    second, from a thread, while the block runs (DuckDB answers from any thread)."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            done = con.query_progress()
            if done >= 0:  # -1: no query running, or too early to tell
                report(done)

    thread = threading.Thread(target=poll, name="load-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
