"""Hostile input, ingest side (#17, #13): a corpus of bad files, bad rows, bad mappings and
bad databases, each run through the command line with its expected exit code, message and
rows loaded and quarantined; and property tests that mix every kind of bad row into CSV,
NDJSON and Parquet files (rows in = rows loaded + rows quarantined, never a traceback).

Files are written by each case, byte for byte as a hostile export has them (so no data
files are needed; ``data_ingest/`` is the place for any that cannot be written this way).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.errors import LoadError

HEADER = "interaction_id,case_id,customer_id,ts,activity,cost"
TS = "2026-01-05T10:00:00Z"


def good(i: int) -> str:
    return f"e{i},c{i % 7},u{i % 5},{TS},Kontak awal,{i % 9}.5"


def csv_file(folder: Path, rows: list[str | bytes], name: str = "interactions.csv") -> Path:
    """A CSV of ``rows`` (text, or bytes when they hold bytes that are not UTF-8)."""
    lines = [HEADER.encode()] + [r if isinstance(r, bytes) else r.encode() for r in rows]
    path = folder / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def mapping_file(folder: Path, text: str) -> Path:
    path = folder / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


MAPPING_HEAD = 'kind = "interactions"\n[columns]\ninteraction_id = "interaction_id"\n'


@dataclass
class Case:
    """One hostile input: ``build`` writes the files into a folder and returns the command
    line's arguments after ``load`` (the database is added); the outcome expected."""

    name: str
    build: Callable[[Path], list[str | Path]]
    exit: int
    message: str | None = None  # in the command's output (stdout and stderr)
    loaded: int | None = None  # rows in interactions + complaints + customers afterwards
    quarantined: int | None = None  # rows in the quarantine table afterwards
    reason: str | None = None  # in the quarantine reasons
    lines: list[int] | None = None  # the quarantined rows' lines
    absent: str | None = None  # never in the output nor the quarantine table
    env: dict[str, str] = field(default_factory=dict)
    db: Callable[[Path], None] | None = None  # prepares the database file first


# -- builders ----------------------------------------------------------------------------------
def _empty_ids_and_bad_bytes(tmp: Path) -> list[str | Path]:
    """The RuntimeError of #17: two empty ids and one row that is not UTF-8, in a file big
    enough that DuckDB reads it in parallel, with an accented value (so it is UTF-8)."""
    rows: list[str | bytes] = [good(i) for i in range(1000)]
    rows.insert(884, ",c2,u1," + TS + ",x,1")
    rows.insert(970, b"e-9,c1,u\xff," + TS.encode() + b",x,1")
    rows.insert(980, ",c1,u1," + TS + ",x,1")
    rows[0] = rows[0].replace("Kontak awal", "caf\u00e9")  # type: ignore[union-attr]
    return [csv_file(tmp, rows)]


def _long_field(tmp: Path) -> list[str | Path]:
    rows = [good(i) for i in range(10)]
    rows[4] = f"e4,c1,u1,{TS},{'y' * (3 << 20)},1"
    return [csv_file(tmp, rows)]


def _long_line(tmp: Path) -> list[str | Path]:
    rows = [good(i) for i in range(10)]
    rows[6] = f"e6,c1,u1,{TS},{'y' * (9 << 20)},1"
    return [csv_file(tmp, rows)]


def _unclosed_quote(tmp: Path) -> list[str | Path]:
    rows = [good(i) for i in range(5)]
    rows[0] = f'e0,c1,u1,{TS},"Kontak, awal",1'
    rows[1] = f'e1,c1,"u1,{TS},x,1'
    rows[4] = f'e4,c1,u1,{TS},"Kontak, awal",1'
    return [csv_file(tmp, rows)]


def _blank_lines(tmp: Path) -> list[str | Path]:
    rows = [good(0), "", good(1), "", "", "e9,c1,u1,tomorrow,x,1", good(2)]
    return [csv_file(tmp, rows)]


def _bad_bytes_then_bad_row(tmp: Path) -> list[str | Path]:
    rows: list[str | bytes] = ["caf\u00e9".join(good(0).split("Kontak awal"))]
    rows += [good(1), b"e7,c1,u\xfe1," + TS.encode() + b",x,1", good(2), f"e8,c1,u1,{TS},x,-1"]
    return [csv_file(tmp, rows)]


def _values(*bad: str) -> Callable[[Path], list[str | Path]]:
    def build(tmp: Path) -> list[str | Path]:
        return [csv_file(tmp, [good(i) for i in range(6)] + list(bad))]

    return build


def _ndjson(lines: list[str | bytes], name: str = "interactions.ndjson") -> Callable:
    def build(tmp: Path) -> list[str | Path]:
        path = tmp / name
        path.write_bytes(
            b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n"
        )
        return [path]

    return build


def _json_array(items: list[object], replace: dict[int, object]) -> Callable:
    def build(tmp: Path) -> list[str | Path]:
        data = [replace.get(i, item) for i, item in enumerate(items)]
        path = tmp / "interactions.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return [path]

    return build


def record(i: int, **extra: object) -> str:
    row = {"interaction_id": f"e{i}", "case_id": "c1", "customer_id": "u1", "ts": TS}
    row.update(extra)
    return json.dumps(row)


def _type_drift(tmp: Path) -> list[str | Path]:
    lines = [record(i, cost=1.5) for i in range(30_005)]
    lines[30_000] = record(30_000, cost="cheap")
    return _ndjson(lines)(tmp)


def _deep(tmp: Path) -> list[str | Path]:
    deep = json.loads("[" * 129 + "]" * 129)
    lines = [record(i) for i in range(4)] + [record(9, activity=deep)]
    return _ndjson(lines)(tmp)


def _parquet(columns: dict[str, list[object]], types: dict[str, object] | None = None) -> Callable:
    def build(tmp: Path) -> list[str | Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {
            name: pa.array(values, type=(types or {}).get(name)) for name, values in columns.items()
        }
        path = tmp / "interactions.parquet"
        pq.write_table(pa.table(arrays), path)
        return [path]

    return build


def _base(n: int) -> dict[str, list[object]]:
    return {
        "interaction_id": [f"e{i}" for i in range(n)],
        "case_id": ["c1"] * n,
        "customer_id": ["u1"] * n,
        "ts": [TS] * n,
    }


def _binary(tmp: Path) -> list[str | Path]:
    import pyarrow as pa

    columns: dict[str, list[object]] = {**_base(4)}
    columns["activity"] = ["caf\u00e9".encode(), b"Kontak awal", b"\xff\xfe", None]
    return _parquet(columns, {"activity": pa.binary()})(tmp)


def _xlsx(tmp: Path, *, formula: bool = False, declare: str | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["interaction_id", "case_id", "customer_id", "ts", "cost"])
    for i in range(4):
        sheet.append([f"e{i}", "c1", "u1", TS, 1])
    if formula:
        sheet.append(["e9", "c1", "u1", TS, "=E2*2"])  # openpyxl stores no computed value
    path = tmp / "interactions.xlsx"
    book.save(path)
    if declare:  # a sheet that declares a far larger extent than it has
        patched = tmp / "patched.xlsx"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    text = data.decode()
                    start = text.index("<dimension ref=")
                    end = text.index("/>", start) + 2
                    data = (text[:start] + f'<dimension ref="{declare}"/>' + text[end:]).encode()
                dst.writestr(item, data)
        patched.replace(path)
    return path


def _symlink_out(tmp: Path) -> list[str | Path]:
    folder = tmp / "exports"
    folder.mkdir()
    secret = tmp / "secret.csv"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    csv_file(folder, [good(1)])
    (folder / "interactions_2.csv").symlink_to(secret)
    return [folder]


def _fifo_and_strays(tmp: Path) -> list[str | Path]:
    folder = tmp / "exports"
    folder.mkdir()
    csv_file(folder, [good(1), good(2)])
    os.mkfifo(folder / "interactions_pipe.csv")
    (folder / "interactions.csv.bak").write_text("junk\n", encoding="utf-8")
    return [folder]


def _with_mapping(text: str, rows: list[str] | None = None, header: str = HEADER) -> Callable:
    def build(tmp: Path) -> list[str | Path]:
        body = [header, *(rows if rows is not None else [good(i) for i in range(3)])]
        path = tmp / "export.csv"
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
        return [path, "--mapping", mapping_file(tmp, text)]

    return build


def _foreign_db(db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE interactions (id INTEGER, note VARCHAR)")
        con.execute("INSERT INTO interactions VALUES (1, 'theirs')")


def _corrupt_db(db: Path) -> None:
    with ca.Store(db) as store:
        ca.load(store, ca.sample_dir())
    data = bytearray(db.read_bytes())
    data[:4096] = b"\0" * 4096  # the header block
    db.write_bytes(bytes(data))


def _zeroed_block(db: Path) -> None:
    """A database whose data blocks (the sample's rows) are zeroed past the middle: the load
    reads them (to settle ids already stored) and finds the damage."""
    with ca.Store(db) as store:
        ca.load(store, ca.sample_dir())
    data = bytearray(db.read_bytes())
    block = 256 << 10
    middle = len(data) // 2 // block * block
    data[middle : middle + block] = bytes(block)
    db.write_bytes(bytes(data))


def _garbage_db(db: Path) -> None:
    db.write_bytes(b"not a database, " * 512)


def _cp1252(tmp: Path) -> list[str | Path]:
    rows = [good(i).replace("Kontak awal", "caf\u00e9") for i in range(50)]
    path = tmp / "interactions.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("cp1252"))
    return [path]


TZ_MAPPING = (
    MAPPING_HEAD + 'case_id = "case_id"\ncustomer_id = "customer_id"\nts = "ts"\n'
    '[timestamps]\nformat = "%Y-%m-%d %H:%M:%S"\ntimezone = "Europe/Rome"\n'
)

CASES = [
    # -- (1) row problems stay row problems -------------------------------------------------
    Case(
        "empty_ids_and_bad_utf8",
        _empty_ids_and_bad_bytes,
        0,
        loaded=1000,
        quarantined=3,
        reason="not valid UTF-8",
        lines=[886, 972, 982],
    ),
    Case(
        "field_of_3_mb",
        _long_field,
        0,
        loaded=9,
        quarantined=1,
        reason="longer than 1,048,576 bytes",
        lines=[6],
    ),
    Case("line_over_8_mib", _long_line, 4, "line 8 is", loaded=0, quarantined=0),
    Case("unclosed_quote", _unclosed_quote, 4, "line 3: a quote opened", loaded=0, quarantined=0),
    Case("blank_lines_keep_lines", _blank_lines, 0, loaded=3, quarantined=1, lines=[7]),
    Case(
        "blank_line_then_a_repeated_id",
        lambda t: [csv_file(t, [good(0), good(1), "", good(0)])],
        0,
        loaded=2,
        quarantined=1,
        reason="lines 2 and 5: interaction_id 'e0' appears more than once",
        lines=[5],
    ),
    Case(
        "bad_bytes_then_bad_row", _bad_bytes_then_bad_row, 0, loaded=3, quarantined=2, lines=[4, 6]
    ),
    Case(
        "ndjson_type_drift_at_30001",
        _type_drift,
        0,
        loaded=30_004,
        quarantined=1,
        reason="found 'cheap', expected a number",
        lines=[30_001],
    ),
    Case(
        "ndjson_malformed_line",
        _ndjson([record(1), '{"interaction_id": "e2", broken', record(3), "", record(4)]),
        0,
        loaded=3,
        quarantined=1,
        reason="not valid JSON",
        lines=[2],
    ),
    Case("ndjson_nested_129_deep", _deep, 0, loaded=5, quarantined=0),
    Case(
        "ndjson_array_line",
        _ndjson([record(1), "[1, 2]", record(3)]),
        0,
        loaded=2,
        quarantined=1,
        reason="a JSON array, not an object",
        lines=[2],
    ),
    Case(
        "ndjson_bad_bytes",
        _ndjson([record(1), record(2), b'{"interaction_id": "\xff"}', record(4)]),
        0,
        loaded=3,
        quarantined=1,
        reason="not valid UTF-8",
        lines=[3],
    ),
    Case(
        "parquet_binary_is_text",
        _binary,
        0,
        loaded=3,
        quarantined=1,
        reason="not UTF-8 text",
        lines=[3],
    ),
    Case(
        "parquet_nan_cost",
        _parquet({**_base(3), "cost": [1.0, float("nan"), 2.0]}),
        0,
        loaded=2,
        quarantined=1,
        reason="expected a finite number",
        lines=[2],
    ),
    Case(
        "xlsx_formula_without_value",
        lambda t: [_xlsx(t, formula=True)],
        0,
        loaded=4,
        quarantined=1,
        reason="a formula with no computed value",
        lines=[6],
    ),
    Case(
        "xlsx_declares_a_million_rows",
        lambda t: [_xlsx(t, declare="A1:XFD1048576")],
        0,
        loaded=4,
        quarantined=0,
    ),
    Case(
        "json_array_type_drift_and_a_stray",
        _json_array(
            [json.loads(record(i, cost=1.5, activity="Kontak awal")) for i in range(25_000)],
            {24_000: json.loads(record(24_000, cost="cheap")), 7: 42},
        ),
        0,
        loaded=24_998,
        quarantined=2,
        reason="found 'cheap', expected a number",
        lines=[8, 24_001],
    ),
    # -- (2) loads fail loudly --------------------------------------------------------------
    Case(
        "timestamp_format_forgotten",
        _with_mapping(
            TZ_MAPPING.replace('format = "%Y-%m-%d %H:%M:%S"\n', ""),
            [f"e{i},c1,u1,05/01/2026 10:0{i},x,1" for i in range(5)],
        ),
        4,
        "Fix: set the timestamps' format under",
        loaded=0,
        quarantined=0,
    ),
    Case(
        "more_than_half_quarantined",
        _values(*[f"x{i},c1,u1,soon,x,1" for i in range(7)]),
        4,
        "7 of 13 rows would be quarantined",
        loaded=0,
        quarantined=0,
    ),
    Case(
        "more_than_half_allowed",
        _values(*[f"x{i},c1,u1,soon,x,1" for i in range(7)]),
        0,
        loaded=6,
        quarantined=7,
        env={"CYCLEANALYTICS_MAX_QUARANTINED": "1"},
    ),
    Case(
        "share_not_a_number",
        _values(),
        2,
        "CYCLEANALYTICS_MAX_QUARANTINED",
        env={"CYCLEANALYTICS_MAX_QUARANTINED": "half"},
    ),
    # -- (3) mappings checked when read ------------------------------------------------------
    Case(
        "mapping_invalid_regex",
        _with_mapping(
            MAPPING_HEAD + '[[stages]]\nmatch = "a"\nstage = "follow_up"\n'
            '[[stages]]\nregex = "(unclosed"\nstage = "follow_up"\n'
        ),
        4,
        "stages rule 2 (regex)",
        loaded=0,
    ),
    Case(
        "mapping_unknown_time_zone",
        _with_mapping(MAPPING_HEAD + '[timestamps]\ntimezone = "Mars/Olympus"\n'),
        4,
        "timezone = 'Mars/Olympus': not a time zone",
        loaded=0,
    ),
    Case(
        "mapping_bad_strptime_code",
        _with_mapping(MAPPING_HEAD + '[timestamps]\nformat = "%Y-%Q"\n'),
        4,
        "not a valid strptime format",
        loaded=0,
    ),
    Case(
        "mapping_encoding_rot13",
        _with_mapping(MAPPING_HEAD + '[read]\nencoding = "rot13"\n'),
        4,
        "encoding: 'rot13' is not a text encoding",
        loaded=0,
    ),
    Case(
        "mapping_rescale_text_bounds",
        _with_mapping(MAPPING_HEAD + '[rescale.csat]\nfrom = ["low", "high"]\n'),
        4,
        "two numbers with low < high",
        loaded=0,
    ),
    Case(
        "mapping_xlsx_format_on_csv",
        _with_mapping(MAPPING_HEAD + '[read]\nformat = "xlsx"\n'),
        4,
        "not a readable .xlsx workbook",
        loaded=0,
    ),
    Case(
        "mapping_negative_gap",
        _with_mapping(MAPPING_HEAD + '[cases]\ngap = "-5 minutes"\n'),
        4,
        "must be a positive length of time",
        loaded=0,
    ),
    Case(
        "mapping_boolean_as_text",
        _with_mapping(MAPPING_HEAD + '[stage_options]\naliases = "no"\n'),
        4,
        "aliases: must be true or false",
        loaded=0,
    ),
    Case(
        "mapping_list_for_a_value",
        _with_mapping(MAPPING_HEAD + '[constants]\nchannel = ["web", "phone"]\n'),
        4,
        "channel: must be a single value",
        loaded=0,
    ),
    # -- (4) databases that are not ours, or broken --------------------------------------------
    Case(
        "foreign_database",
        lambda t: [csv_file(t, [good(1)])],
        5,
        "not a cycleanalytics database",
        db=_foreign_db,
    ),
    Case(
        "database_with_zeroed_header",
        lambda t: [csv_file(t, [good(1)])],
        5,
        "cannot open database",
        db=_corrupt_db,
    ),
    Case(
        "database_with_a_zeroed_block",
        lambda t: [csv_file(t, [good(1)])],
        5,
        "is damaged",
        db=_zeroed_block,
    ),
    Case(
        "garbage_database",
        lambda t: [csv_file(t, [good(1)])],
        5,
        "cannot open database",
        db=_garbage_db,
    ),
    Case(
        "memory_limit_lots",
        lambda t: [csv_file(t, [good(1)]), "--memory-limit", "lots"],
        2,
        "--memory-limit 'lots' is not an amount of memory",
    ),
    # -- (5) values ----------------------------------------------------------------------------
    Case(
        "nan_and_inf_cost",
        _values(f"n1,c1,u1,{TS},x,NaN", f"n2,c1,u1,{TS},x,-inf"),
        0,
        loaded=6,
        quarantined=2,
        reason="expected a finite number (not NaN or infinity)",
        lines=[8, 9],
    ),
    Case(
        "epoch_and_infinity",
        _values("w1,c1,u1,epoch,x,1", "w2,c1,u1,infinity,x,1"),
        0,
        loaded=6,
        quarantined=2,
        reason="expected a date and time, not a word",
        lines=[8, 9],
    ),
    Case(
        "dst_gap_local_time",
        _with_mapping(TZ_MAPPING, [f"e{i},c1,u1,2026-03-29 0{i}:30:00,x,1" for i in range(4)]),
        0,
        loaded=3,
        quarantined=1,
        reason="does not exist in Europe/Rome",
        lines=[4],
    ),
    Case(
        "dst_repeated_hour_rejected",
        _with_mapping(
            TZ_MAPPING.replace(
                'timezone = "Europe/Rome"', 'timezone = "Europe/Rome"\nambiguous = "reject"'
            ),
            [f"e{i},c1,u1,2026-10-25 0{i}:30:00,x,1" for i in range(4)],
        ),
        0,
        loaded=3,
        quarantined=1,
        reason="happens twice in Europe/Rome",
        lines=[4],
    ),
    Case(
        "mapping_ambiguous_nonsense",
        _with_mapping(
            TZ_MAPPING.replace(
                'timezone = "Europe/Rome"', 'timezone = "Europe/Rome"\nambiguous = "maybe"'
            )
        ),
        4,
        "'maybe': use one of later, earlier, reject",
    ),
    Case(
        "csat_after_out_of_range",
        lambda t: [_complaints(t, "k1,u1,2026-01-05T10:00:00Z,24540")],
        0,
        loaded=1,
        quarantined=1,
        reason="found '24540', expected a value with csat_after BETWEEN 1 AND 5",
        env={"CYCLEANALYTICS_MAX_QUARANTINED": "1"},
    ),
    # -- (6) privacy ------------------------------------------------------------------------------
    Case(
        "pseudonymised_in_quarantine",
        _with_mapping(
            MAPPING_HEAD + 'case_id = "case_id"\ncustomer_id = "customer_id"\nts = "ts"\n'
            '[pseudonymize]\ncolumns = ["customer_id"]\n',
            [f"e{i},c1,ann{i}@example.com,{TS},x,1" for i in range(3)]
            + ["e9,c1,bob@example.com,soon,x,1", 'e8,"c1,bob@example.com,x,1,2,3'],
        ),
        0,
        loaded=3,
        quarantined=2,
        absent="@example.com",
        env={"CYCLEANALYTICS_PSEUDONYM_KEY": "k3y"},
    ),
    # -- (7) files and paths -------------------------------------------------------------------
    Case(
        "folder_symlink_out_of_it", _symlink_out, 0, loaded=1, quarantined=0, absent="SECRET-LINE"
    ),
    Case("folder_fifo_and_strays", _fifo_and_strays, 0, loaded=2, quarantined=0),
    Case("cp1252_file", _cp1252, 0, loaded=50, quarantined=0),
    Case(
        "folder_of_nothing_loadable",
        lambda t: [_strays_only(t)],
        4,
        "interactions.csv.bak: not a supported file name ending",
    ),
]


def _with(build: Callable[[Path], list[str | Path]], *options: str) -> Callable:
    """``build``'s files with command-line options after them."""

    def with_options(tmp: Path) -> list[str | Path]:
        return [*build(tmp), *options]

    return with_options


def _raw(name: str, data: bytes) -> Callable[[Path], list[str | Path]]:
    def build(tmp: Path) -> list[str | Path]:
        path = tmp / name
        path.write_bytes(data)
        return [path]

    return build


def _truncated_gzip(tmp: Path) -> list[str | Path]:
    import gzip

    data = gzip.compress(("\n".join([HEADER] + [good(i) for i in range(2000)]) + "\n").encode())
    return _raw("interactions.csv.gz", data[: len(data) // 2])(tmp)


def _parquet_named_csv(tmp: Path) -> list[str | Path]:
    path = _parquet(_base(2))(tmp)[0]
    return [Path(path).rename(tmp / "interactions.csv")]


def _same_file_twice(tmp: Path) -> list[str | Path]:
    path = csv_file(tmp, [good(i) for i in range(3)])
    return [path, path]


MORE_CASES = [
    # -- (8) the command line's options and summary -------------------------------------------
    Case(
        "max_quarantined_option_lets_all_through",
        _with(_values(*[f"x{i},c1,u1,soon,x,1" for i in range(7)]), "--max-quarantined", "1"),
        0,
        loaded=6,
        quarantined=7,
    ),
    Case(
        "max_quarantined_option_zero",
        _with(_values("x1,c1,u1,soon,x,1"), "--max-quarantined", "0"),
        4,
        "1 of 7 rows would be quarantined",
        loaded=0,
        quarantined=0,
    ),
    Case(
        "max_quarantined_option_above_one",
        _with(_values(), "--max-quarantined", "2"),
        2,
        "max_quarantined 2.0 is not a share from 0 to 1",
    ),
    Case(
        "max_quarantined_option_a_word",
        _with(_values(), "--max-quarantined", "half"),
        2,
        "'half' is not a valid float",
    ),
    Case(
        "memory_limit_too_small_for_the_load",
        lambda t: [ca.sample_dir(), "--memory-limit", "1MB"],
        6,
        "Raise --memory-limit",
        loaded=0,
        quarantined=0,
    ),
    Case(
        "folder_summary_names_what_it_skipped",
        _fifo_and_strays,
        0,
        "interactions.csv.bak: not a supported file name ending",
        loaded=2,
    ),
    Case(
        "same_file_twice_in_one_call",
        _same_file_twice,
        0,
        "already loaded (load 1) with this mapping and model, nothing added",
        loaded=3,
        quarantined=0,
    ),
    # -- (9) files that are not what they say ---------------------------------------------------
    Case("empty_file", _raw("interactions.csv", b""), 4, "the file is empty", loaded=0),
    Case(
        "header_only", _raw("interactions.csv", HEADER.encode() + b"\n"), 0, loaded=0, quarantined=0
    ),
    Case(
        "sql_looking_file_name",
        lambda t: [csv_file(t, [good(1), good(2), good(3)], "interactions'; DROP TABLE x;--.csv")],
        0,
        loaded=3,
        quarantined=0,
    ),
    Case(
        "bom_and_crlf",
        _raw(
            "interactions.csv",
            b"\xef\xbb\xbf"
            + "\r\n".join([HEADER, good(1), good(2), "e3,c1,u1,soon,x,1", good(4)]).encode()
            + b"\r\n",
        ),
        0,
        loaded=3,
        quarantined=1,
        lines=[4],
    ),
    Case(
        "repeated_header_name",
        _raw("interactions.csv", f"interaction_id,case_id,case_id,ts\ne1,c1,c2,{TS}\n".encode()),
        4,
        "column 'case_id' appears more than once in the header",
        loaded=0,
    ),
    Case(
        "unknown_kind",
        _raw("export.csv", b"a,b,c\n1,2,3\n"),
        4,
        "cannot tell which table this file feeds",
        loaded=0,
    ),
    Case(
        "required_column_missing",
        _raw("interactions.csv", f"interaction_id,case_id,ts\ne1,c1,{TS}\n".encode()),
        4,
        "required column 'customer_id' is missing",
        loaded=0,
    ),
    Case(
        "truncated_gzip",
        _truncated_gzip,
        4,
        "the compressed file is damaged or cut short",
        loaded=0,
    ),
    Case(
        "xlsx_not_a_zip",
        _raw("interactions.xlsx", b"not a zip at all"),
        4,
        "not a readable .xlsx workbook",
        loaded=0,
    ),
    Case(
        "parquet_named_csv",
        _parquet_named_csv,
        4,
        "its first bytes say it is Parquet",
        loaded=0,
        absent="PAR1",
    ),
    Case(
        "json_object_not_an_array",
        _raw("interactions.json", b'{"interaction_id": "e1"}'),
        4,
        "cannot read it as JSON",
        loaded=0,
    ),
    # -- (10) more values ------------------------------------------------------------------------
    Case(
        "ndjson_nested_100000_deep_is_kept_as_text",
        _ndjson(
            [record(1), record(2)[:-1] + ', "activity": ' + "[" * 100_000 + "]" * 100_000 + "}"]
        ),
        0,
        loaded=2,
        quarantined=0,
    ),
    Case(
        "impossible_dates",
        _values("d1,c1,u1,2026-02-30T10:00:00Z,x,1", "d2,c1,u1,2026-01-05T25:00:00Z,x,1"),
        0,
        loaded=6,
        quarantined=2,
        lines=[8, 9],
    ),
    Case(
        "huge_and_junk_numbers",
        _values(f"h1,c1,u1,{TS},x,1e400", f"h2,c1,u1,{TS},x,12abc"),
        0,
        loaded=6,
        quarantined=2,
        lines=[8, 9],
    ),
]
CASES += MORE_CASES


def _complaints(tmp: Path, *rows: str) -> Path:
    path = tmp / "complaints.csv"
    path.write_text(
        "complaint_id,customer_id,opened_at,csat_after\n"
        + "k0,u1,2026-01-05T10:00:00Z,4\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    return path


def _strays_only(tmp: Path) -> Path:
    folder = tmp / "strays"
    folder.mkdir()
    (folder / "interactions.csv.bak").write_text("junk\n", encoding="utf-8")
    return folder


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "t.duckdb"
    if case.db is not None:
        case.db(db)
    before = db.read_bytes() if db.exists() else None
    args = case.build(tmp_path)
    result = CliRunner().invoke(main, ["load", *map(str, args), "--db", str(db)])
    # (the command line prints messages as rich markup, which hides "[read]" and other
    # section names until the output side escapes them: fragments here leave them out)
    output = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    assert result.exit_code == case.exit, output
    if case.message:
        assert case.message in output, output
    if case.absent:
        assert case.absent not in output
    if case.db is not None and case.exit:
        assert db.read_bytes() == before  # not a byte written
    # temporary copies never outlive the load
    assert list((tmp_path / "tmp").iterdir()) == []
    if case.loaded is None and case.quarantined is None and case.absent is None:
        return
    if not db.exists():
        assert not case.loaded and not case.quarantined
        return
    with ca.Store(db, read_only=True) as store:
        counts = store.counts()
        loaded = counts["interactions"] + counts["complaints"] + counts["customers"]
        rows = store.con.execute(
            "SELECT line, reason, record FROM quarantine ORDER BY line"
        ).fetchall()
        if counts["loads"]:
            accounted = store.con.execute(
                "SELECT bool_and(rows_read = rows_loaded + rows_quarantined + rows_skipped) "
                "FROM loads"
            ).fetchone()[0]
            assert accounted
    if case.loaded is not None:
        assert loaded == case.loaded, rows[:3]
    if case.quarantined is not None:
        assert len(rows) == case.quarantined, rows[:3]
    if case.reason:
        assert any(case.reason in r[1] for r in rows), [r[1] for r in rows]
    if case.lines is not None:
        assert [r[0] for r in rows] == case.lines, [r[:2] for r in rows]
    for line, reason, _ in rows:  # each reason names its own line
        assert f"line {line}" in reason or f"and {line}:" in reason, reason
    if case.absent:
        assert not any(case.absent in str(r) for r in rows)


# -- property tests: every kind of bad row, mixed ------------------------------------------------
# Each kind: the bytes of one CSV record, and whether it is quarantined (True), loaded (False)
# or not a record at all (None: a blank line).
CSV_ROWS: dict[str, tuple[Callable[[int], bytes], bool | None]] = {
    "good": (lambda i: good(i).encode(), False),
    "accented": (lambda i: good(i).replace("Kontak", "K\u00f6ntak").encode(), False),
    "empty_id": (lambda i: f",c{i},u1,{TS},x,1".encode(), True),
    "bad_ts": (lambda i: f"b{i},c1,u1,31/02/2026,x,1".encode(), True),
    "epoch": (lambda i: f"b{i},c1,u1,epoch,x,1".encode(), True),
    "nan": (lambda i: f"b{i},c1,u1,{TS},x,NaN".encode(), True),
    "inf": (lambda i: f"b{i},c1,u1,{TS},x,inf".encode(), True),
    "negative": (lambda i: f"b{i},c1,u1,{TS},x,-3".encode(), True),
    "bad_utf8": (lambda i: f"b{i},c1,u".encode() + b"\xff\xfe" + f",{TS},x,1".encode(), True),
    "too_many": (lambda i: f"b{i},c1,u1,{TS},x,1,extra".encode(), True),
    "too_few": (lambda i: f"b{i},c1,u1".encode(), True),
    "repeat": (lambda i: good(0).encode(), True),  # the id of the first good row
    "blank": (lambda i: b"", None),
    "long": (lambda i: f"b{i},c1,u1,{TS},".encode() + b"z" * (FIELD + 1) + b",1", True),
}
FIELD = 1 << 20


def _check_accounting(store: ca.Store, expected_bad: list[int], records: int) -> None:
    f = store.con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_skipped FROM loads"
    ).fetchone()
    read, loaded, quarantined, skipped = f
    assert read == loaded + quarantined + skipped == records
    assert store.counts()["interactions"] == loaded
    lines = [
        r[0] for r in store.con.execute("SELECT line FROM quarantine ORDER BY line").fetchall()
    ]
    assert lines == expected_bad


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.sampled_from(sorted(CSV_ROWS)), min_size=1, max_size=25))
def test_any_mix_of_bad_csv_rows_is_accounted_for(tmp_path_factory, kinds):
    folder = tmp_path_factory.mktemp("mix")
    # an accented first row: the file is UTF-8 (one with no valid multi-byte character at
    # all is read as cp1252, and its "bad" bytes are letters)
    lines = [HEADER.encode(), good(0).replace("Kontak", "K\u00f6ntak").encode()]
    bad, records, seen = [], 1, {"e0"}
    for i, kind in enumerate(kinds, start=1):
        make, rejected = CSV_ROWS[kind]
        lines.append(make(i))
        if rejected is None:
            continue
        records += 1
        if rejected:
            bad.append(len(lines))
        else:
            seen.add(f"e{i}")
    path = folder / "interactions.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with ca.Store() as store:
        ca.load(store, path, max_quarantined=1)
        _check_accounting(store, bad, records)


NDJSON_ROWS: dict[str, tuple[Callable[[int], bytes], bool | None]] = {
    "good": (lambda i: record(i, cost=1.5).encode(), False),
    "number_id": (
        lambda i: json.dumps({**json.loads(record(i)), "interaction_id": i}).encode(),
        False,
    ),
    "cost_as_text": (lambda i: record(i, cost="2.5").encode(), False),
    "cost_as_word": (lambda i: record(i, cost="cheap").encode(), True),
    "cost_as_object": (lambda i: record(i, cost={"eur": 1}).encode(), True),
    "nested_deep": (
        lambda i: record(i, activity=json.loads("[" * 130 + "]" * 130)).encode(),
        False,
    ),
    "malformed": (lambda i: b'{"interaction_id": "x' + str(i).encode(), True),
    "array": (lambda i: b"[1, 2, 3]", True),
    "scalar": (lambda i: b"42", True),
    "empty_id": (lambda i: record(i).replace(f'"e{i}"', '""').encode(), True),
    "bad_utf8": (lambda i: record(i).encode().replace(b'"u1"', b'"u\xff"'), True),
    "nan": (lambda i: record(i).encode()[:-1] + b', "cost": NaN}', True),
    "blank": (lambda i: b"", None),
}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.sampled_from(sorted(NDJSON_ROWS)), min_size=1, max_size=25))
def test_any_mix_of_bad_ndjson_lines_is_accounted_for(tmp_path_factory, kinds):
    folder = tmp_path_factory.mktemp("mixj")
    lines = [record(0, cost=1.0).encode()]
    bad, records = [], 1
    for i, kind in enumerate(kinds, start=1):
        make, rejected = NDJSON_ROWS[kind]
        lines.append(make(i))
        if rejected is None:
            continue
        records += 1
        if rejected:
            bad.append(len(lines))
    path = folder / "interactions.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with ca.Store() as store:
        ca.load(store, path, max_quarantined=1)
        _check_accounting(store, bad, records)


PARQUET_ROWS: dict[str, tuple[dict[str, object], bool]] = {
    "good": ({"ts": TS, "cost": "1.5", "activity": b"Kontak awal"}, False),
    "accented": ({"ts": TS, "cost": "2", "activity": "caf\u00e9".encode()}, False),
    "bad_ts": ({"ts": "yesterday", "cost": "1", "activity": None}, True),
    "infinity_ts": ({"ts": "infinity", "cost": "1", "activity": None}, True),
    "nan": ({"ts": TS, "cost": "NaN", "activity": None}, True),
    "negative": ({"ts": TS, "cost": "-1", "activity": None}, True),
    "bad_bytes": ({"ts": TS, "cost": "1", "activity": b"\xc3\x28"}, True),
    "empty_id": ({"interaction_id": None, "ts": TS, "cost": "1", "activity": None}, True),
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.sampled_from(sorted(PARQUET_ROWS)), min_size=1, max_size=25))
def test_any_mix_of_bad_parquet_rows_is_accounted_for(tmp_path_factory, kinds):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    bad = []
    for i, kind in enumerate(["good", *kinds]):
        values, rejected = PARQUET_ROWS[kind]
        rows.append({"interaction_id": f"e{i}", "case_id": "c1", "customer_id": "u1", **values})
        if rejected:
            bad.append(i + 1)
    table = pa.table(
        {
            "interaction_id": pa.array([r["interaction_id"] for r in rows], pa.string()),
            "case_id": pa.array([r["case_id"] for r in rows], pa.string()),
            "customer_id": pa.array([r["customer_id"] for r in rows], pa.string()),
            "ts": pa.array([r["ts"] for r in rows], pa.string()),
            "cost": pa.array([r["cost"] for r in rows], pa.string()),
            "activity": pa.array([r["activity"] for r in rows], pa.binary()),
        }
    )
    path = tmp_path_factory.mktemp("mixp") / "interactions.parquet"
    pq.write_table(table, path, row_group_size=7)
    with ca.Store() as store:
        ca.load(store, path, max_quarantined=1)
        _check_accounting(store, bad, len(rows))


# -- the library's side of the same promises ----------------------------------------------------
def test_a_folder_lists_what_it_skips_and_why(tmp_path):
    folder = Path(_fifo_and_strays(tmp_path)[0])
    (folder / "export_january").write_bytes(b"PAR1" + b"\0" * 20)
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(HEADER + "\n" + good(5) + "\n", encoding="utf-8")
    (folder / "interactions_link.csv").symlink_to(outside)
    with ca.Store() as store:
        result = ca.load(store, folder)
    skipped = {p.name: why for p, why in result.skipped}
    assert set(skipped) == {
        "export_january",
        "interactions.csv.bak",
        "interactions_link.csv",
        "interactions_pipe.csv",
    }
    assert "looks like Parquet" in skipped["export_january"]
    assert "outside the folder" in skipped["interactions_link.csv"]
    assert "FIFO" in skipped["interactions_pipe.csv"]
    assert result.rows_loaded == 2


def test_a_changed_mapping_replaces_what_the_earlier_one_loaded(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,case,who,when\ne1,c1,u1,2026-01-05T10:00:00Z\n", encoding="utf-8")
    head = 'kind = "interactions"\n[columns]\ninteraction_id = "id"\ncase_id = "case"\n'
    wrong = mapping_file(tmp_path, head + 'customer_id = "case"\nts = "when"\n')
    with ca.Store() as store:
        first = ca.load(store, path, mapping=wrong).files[0]
        assert store.con.execute("SELECT customer_id FROM interactions").fetchall() == [("c1",)]
        again = ca.load(store, path, mapping=wrong).files[0]
        assert again.already_loaded and again.rows_kept == 1
        right = mapping_file(tmp_path, head + 'customer_id = "who"\nts = "when"\n')
        fixed = ca.load(store, path, mapping=right).files[0]
        assert not fixed.already_loaded and fixed.replaced_loads == (first.load_id,)
        assert store.con.execute("SELECT customer_id FROM interactions").fetchall() == [("u1",)]
        assert store.con.execute("SELECT count(*) FROM loads").fetchone() == (1,)


def test_a_failed_load_leaves_a_foreign_database_as_it_was(tmp_path):
    db = tmp_path / "theirs.duckdb"
    _foreign_db(db)
    with pytest.raises(ca.StoreError, match="not a cycleanalytics database"):
        ca.Store(db)
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [
            ("interactions",)
        ]


def test_out_of_memory_is_exit_6_with_the_setting_to_raise():
    from cycleanalytics.ingest.load import engine_error

    error = engine_error(duckdb.OutOfMemoryException("Out of Memory Error: could not allocate"))
    assert error.exit_code == 6 and "--memory-limit" in str(error)
    disk = engine_error(duckdb.IOException("IO Error: No space left on device"))
    assert disk.exit_code == 4 and "the disk is full" in str(disk)
    other = engine_error(
        duckdb.InvalidInputException("Invalid Input Error: x\nOriginal Line: secret")
    )
    assert "secret" not in str(other) and "transaction" not in str(other)


def test_transcoded_copies_are_private_and_gone(tmp_path, monkeypatch):
    import tempfile

    from cycleanalytics.ingest.readers import TempCopy

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    copy = TempCopy()
    try:
        os.write(copy.fd, b"customer data")
        assert list(tmp_path.iterdir()) == []  # no name on disk, not even while in use
        assert Path(copy.path).read_bytes() == b"customer data"  # DuckDB reads it this way
    finally:
        copy.close()


def test_the_strict_and_share_options_are_checked():
    with ca.Store() as store, pytest.raises(ca.CycleAnalyticsError, match="share from 0 to 1"):
        ca.load(store, ca.sample_dir(), max_quarantined=2)


def test_reasons_are_never_a_masked_transaction(tmp_path):
    """Every failure of the corpus names its cause: none says the transaction aborted."""
    path = csv_file(tmp_path, [good(1)])
    with ca.Store() as store:
        with pytest.raises(LoadError) as info:
            ca.load(
                store,
                path,
                mapping=mapping_file(tmp_path, MAPPING_HEAD + '[read]\nformat = "parquet"\n'),
            )
        assert "aborted" not in str(info.value) and "parquet" in str(info.value).lower()
        ca.load(store, path)  # and the store is usable afterwards
        assert store.counts()["interactions"] == 1


@pytest.mark.parametrize(
    ("rule", "utc_hour"), [("later", 1), ("earlier", 0)], ids=["later", "earlier"]
)
def test_a_repeated_local_time_follows_the_rule_and_is_counted(tmp_path, rule, utc_hour):
    path = tmp_path / "export.csv"
    rows = [f"e{i},c1,u1,2026-10-25 0{i}:30:00,x,1" for i in range(4)]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    text = TZ_MAPPING.replace(
        'timezone = "Europe/Rome"', f'timezone = "Europe/Rome"\nambiguous = "{rule}"'
    )
    with ca.Store() as store:
        f = ca.load(store, path, mapping=mapping_file(tmp_path, text)).files[0]
        assert (f.rows_loaded, f.ambiguous_times) == (4, 1)
        (ts,) = store.con.execute(
            "SELECT ts FROM interactions WHERE interaction_id = 'e2'"
        ).fetchone()
        assert (ts.hour, ts.minute) == (utc_hour, 30)


@pytest.mark.parametrize("depth", [129, 100_000])
def test_a_deeply_nested_json_value_is_kept_as_its_text(tmp_path, depth):
    """No nesting limit rejects a record (#17: 129 levels failed the whole file behind
    "transaction aborted"): a nested value in a text column is stored as its JSON text."""
    nested = "[" * depth + "]" * depth
    deep = record(2)[:-1] + f', "activity": {nested}}}'
    path = _ndjson([record(1), deep, record(3)])(tmp_path)[0]
    with ca.Store() as store:
        f = ca.load(store, path).files[0]
        assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
        (activity,) = store.con.execute(
            "SELECT activity FROM interactions WHERE interaction_id = 'e2'"
        ).fetchone()
    assert activity == nested
