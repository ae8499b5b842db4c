"""Read an export of any supported format into a staging table of text, numbered by record.

Every reader produces the same thing: a temporary table ``_ca_staging`` with a ``_line``
column (the record's position in the file) and one VARCHAR column per source column, plus
records that could not even be split into columns in ``_ca_rejects`` (line, raw record,
reason). Everything after this step is the same for every format.

``_line`` is what a person finds in the file: for delimited text the record number with the
header as line 1 (the physical line, unless quoted fields hold line breaks); for NDJSON the
line; for xlsx the sheet row; for Parquet, JSON arrays and XES the record's position from 1.

CSV, Parquet and JSON are read by DuckDB itself (fast, streamed, parallel); XES and xlsx are
streamed in Python (``iterparse``, openpyxl's read-only mode) in batches, so no DuckDB
extension is ever downloaded.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cycleanalytics.errors import LoadError, engine_fault

STAGING = "_ca_staging"
REJECTS = "_ca_rejects"
GAPS = "_ca_gaps"
_DUCK_REJECTS = "_ca_csv_rejects"
_DUCK_SCANS = "_ca_csv_scans"
_BATCH = 50_000
MAX_LINE = 8 << 20
"""Bytes a line of delimited text or NDJSON may have; a longer one fails the file, named."""
BUFFER = 32 << 20
"""Bytes DuckDB's CSV reader buffers at a time: its own default (16 times its default line limit).
Left to itself it takes 16 times ``MAX_LINE``, 128 MiB per thread, which a compressed file
cannot fit under the load's default memory limit."""
FIELD_LIMIT = 1 << 20
"""Bytes a text value may have; a row with a longer one is quarantined."""
CELL_BUDGET = 20_000_000
"""Cells an xlsx sheet may have (its real extent, not what it declares)."""

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".csv.gz": "csv",
    ".tsv.gz": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xes": "xes",
    ".xes.gz": "xes",
    ".xlsx": "xlsx",
}
"""File name endings and the reader each one selects."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; every field is optional (``[read]`` in a mapping file).

    Attributes
    ----------
    format
        ``csv``, ``tsv``, ``parquet``, ``json``, ``ndjson``, ``xes`` or ``xlsx``; by default
        from the file name.
    delimiter, quote
        For delimited text; by default sniffed by DuckDB (``\\t`` for ``.tsv``).
    encoding
        Any Python codec name (``utf-8``, ``latin-1``, ``cp1252``...); by default UTF-8 (with or
        without BOM), or cp1252 when the start of the file is clearly not UTF-8.
    null_padding
        Pad records with too few fields with empty values instead of quarantining them.
    sheet
        The xlsx sheet to read (default: the first).
    """

    format: str | None = None
    delimiter: str | None = None
    quote: str | None = None
    encoding: str | None = None
    null_padding: bool = False
    sheet: str | None = None


def format_of(path: Path, declared: str | None = None) -> str:
    """The reader for ``path``: the declared format, else the one its name ends with."""
    if declared:
        if declared not in set(FORMATS.values()):
            raise LoadError(
                f"unknown format {declared!r} in [read]; use one of: "
                f"{', '.join(sorted(set(FORMATS.values())))}"
            )
        return declared
    name = path.name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return FORMATS[ending]
    raise LoadError(
        f"{path}: cannot load {''.join(path.suffixes) or 'extension-less'} files; supported: "
        f"{', '.join(FORMATS)} (or declare the format under [read] in a mapping file)"
    )


def quote_ident(name: str) -> str:
    """A column name as a SQL identifier (any characters allowed)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Source:
    """A file ready to be scanned: a SQL relation with ``_line`` and text columns.

    For CSV, Parquet and JSON the relation reads the file itself (no copy is made: the
    validation pass is the one scan); XES and xlsx are staged into a table first.

    ``numbered`` says whether ``_line`` comes with each record (a staged table, Parquet's own
    row numbers). Otherwise it is counted by ``row_number() OVER ()``, which reads the file
    in order on one thread: a scan that does not select ``_line`` runs in parallel.
    """

    path: Path
    format: str
    relation: str
    params: dict[str, object]
    header: list[str]
    cleanup: TempCopy | None = None
    csv_rejects: bool = False
    numbered: bool = False
    rejected_early: int = 0
    withhold_raw: bool = False
    unread: list[int] = field(default_factory=list)  # lines DuckDB could not read
    blank_noted: bool = False  # blank lines are in _ca_gaps
    """Keep no raw text of records DuckDB cannot split (a mapping pseudonymises columns)."""
    """Records set aside while staging (malformed JSON lines, xlsx formulas without a value,
    Parquet bytes that are not UTF-8), already in the rejects with their lines."""

    def close(self) -> None:
        if self.cleanup is not None:
            self.cleanup.close()
            self.cleanup = None


class TempCopy:
    """A private temporary copy of a file (a UTF-8 transcoding) that never outlives the load.

    The copy is made in a folder only the user can enter (0700) and its name is removed as
    soon as the file is created: DuckDB reads it through ``/proc/self/fd``, so nothing is
    left behind whatever ends the process, ``kill -9`` included. Where ``/proc`` is missing
    the named file is kept until :meth:`close`, and removed at exit.
    """

    def __init__(self, suffix: str = ".csv") -> None:
        import atexit

        self._dir = tempfile.mkdtemp(prefix="cycleanalytics-")  # mode 0700
        fd, name = tempfile.mkstemp(suffix=suffix, dir=self._dir)
        self.fd = fd
        self._name: str | None = name
        if Path(f"/proc/self/fd/{fd}").exists():
            os.unlink(name)
            self._name = None
            os.rmdir(self._dir)
            self.path = f"/proc/self/fd/{fd}"
        else:
            self.path = name
            atexit.register(self.close)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self._name is not None:
            Path(self._name).unlink(missing_ok=True)
            self._name = None
            with contextlib.suppress(OSError):
                os.rmdir(self._dir)


def stage(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Source:
    """Prepare ``path`` for scanning; the :class:`Source` knows its header.

    Raises
    ------
    LoadError
        When the file cannot be read at all (not the format its name says, truncated,
        no header); the message names the file and the fix.
    """
    try:
        return _stage(con, path, options)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # read by Python, not DuckDB
        raise LoadError(
            f"{path}: the compressed file is damaged or cut short ({exc}); nothing was loaded. "
            "Copy or export it again"
        ) from None


def magic_format(path: Path) -> str | None:
    """What a file's first bytes say it is (Parquet, xlsx, gzip), if anything."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return None
    return {b"PAR1": "Parquet", b"PK\x03\x04": "a zip file (xlsx?)"}.get(head) or (
        "gzip" if head[:2] == b"\x1f\x8b" else None
    )


def _stage(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Source:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {REJECTS} (_line BIGINT, record VARCHAR, reason VARCHAR)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {GAPS} (good_before BIGINT, blank BOOLEAN DEFAULT false)"
    )
    fmt = format_of(path, options.format)
    if path.stat().st_size == 0:
        raise LoadError(f"{path}: the file is empty; it needs at least a header line")
    looks = magic_format(path) if fmt in ("csv", "tsv") and not path.name.endswith(".gz") else None
    if looks is not None:  # its "header" would be binary bytes
        raise LoadError(
            f"{path}: read as {fmt.upper()} by its name, but its first bytes say it is {looks}; "
            "nothing was loaded. Give it the right extension, or declare its format under [read]"
        )
    try:
        if fmt in ("csv", "tsv"):
            source = _csv_source(path, options, tab=fmt == "tsv")
        elif fmt in ("ndjson", "json"):
            source = _stage_ndjson(con, path, array=fmt == "json")
            source.format = fmt
        elif fmt == "parquet":
            reader = "read_parquet($src)"
            relation = f"(SELECT row_number() OVER () AS _line, COLUMNS(*)::VARCHAR FROM {reader})"
            numbered = fmt == "parquet" and _numbers_rows(con, path)
            if numbered:
                # Parquet numbers its rows itself: no ordered pass is needed to count them.
                relation = (
                    "(SELECT file_row_number + 1 AS _line, "
                    "COLUMNS(* EXCLUDE (file_row_number))::VARCHAR "
                    "FROM read_parquet($src, file_row_number = true))"
                )
            source = Source(path, fmt, relation, {"src": str(path)}, [], numbered=numbered)
            if fmt == "parquet":
                _decode_binary(con, source)
        elif fmt == "xes":
            _stage_batches(con, _xes_rows(path))
            source = Source(path, fmt, STAGING, {}, [], numbered=True)
        else:
            bad: list[tuple[int, str, str]] = []
            _stage_batches(con, _xlsx_rows(path, options.sheet, bad), first=2)
            if bad:
                con.executemany(f"INSERT INTO {REJECTS} VALUES (?, ?, ?)", bad)
            source = Source(path, fmt, STAGING, {}, [], numbered=True, rejected_early=len(bad))
        described = con.execute(f"DESCRIBE SELECT * FROM {source.relation}", source.params)
        source.header = [r[0] for r in described.fetchall() if r[0] != "_line"]
        forget_scan(con)  # the scan starts with none
    except duckdb.Error as exc:
        raise unreadable(path, fmt, exc) from None
    if not source.header:
        raise LoadError(f"{path}: no columns found; the file needs a header")
    if fmt in ("csv", "tsv"):
        _check_repeated_names(path, source.header)
        if not options.quote:
            source = _requote(con, source, options, fmt)
    return source


@functools.cache
def _sniffer() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for questions about a file that may fail harmlessly."""
    return duckdb.connect()


def _requote(
    con: duckdb.DuckDBPyConnection, source: Source, options: ReadOptions, fmt: str
) -> Source:
    """One unbalanced quote makes DuckDB's sniffer read the whole file without quoting, so
    that every correctly quoted field with a delimiter inside is split (its row rejected)
    and the broken row loads with its quote. When the sniffer chose no quoting for a file
    that has quotes, read it with standard quoting instead: an unclosed quote then shows
    as a record over several lines, and :func:`finish` names its line."""
    with _open_maybe_gz(source.path) as fh:
        head = fh.read(1 << 16)
    if b'"' not in head:
        return source
    try:  # on a connection of its own: a failure here must not abort the load's transaction
        sniffed = (
            _sniffer()
            .execute(
                "SELECT Quote FROM sniff_csv($src, max_line_size = $max)",
                {"src": source.params["src"], "max": MAX_LINE},
            )
            .fetchall()
        )
    except duckdb.Error:
        return source
    if not sniffed or sniffed[0][0] not in ("", "(empty)", "\0"):
        return source
    import csv

    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    delimiter = options.delimiter or max(",;\t|", key=first.count)
    names = next(csv.reader([first.rstrip("\r")], delimiter=delimiter), [])
    if len(set(names)) != len(names) or not all(names):
        return source
    columns = "{" + ", ".join(f"{_sql_text(n)}: 'VARCHAR'" for n in names) + "}"
    args = [
        "header = true",
        "auto_detect = false",
        f"columns = {columns}",
        "delim = $delim",
        "quote = '\"'",
        "escape = '\"'",
        f"max_line_size = {MAX_LINE}, buffer_size = {BUFFER}",
        "store_rejects = true",
        f"rejects_table = '{_DUCK_REJECTS}'",
        f"rejects_scan = '{_DUCK_SCANS}'",
    ]
    if options.null_padding:
        args.append("null_padding = true")
    requoted = Source(
        source.path,
        source.format,
        f"(SELECT row_number() OVER () + 1 AS _line, * FROM read_csv($src, {', '.join(args)}))",
        {"src": source.params["src"], "delim": delimiter},
        [],
        cleanup=source.cleanup,
        csv_rejects=True,
    )
    source.cleanup = None
    described = con.execute(f"DESCRIBE SELECT * FROM {requoted.relation}", requoted.params)
    requoted.header = [r[0] for r in described.fetchall() if r[0] != "_line"]
    forget_scan(con)
    return requoted


def _stage_ndjson(con: duckdb.DuckDBPyConnection, path: Path, *, array: bool = False) -> Source:
    """Stage NDJSON line by line, so that one bad line costs that line and no more.

    Each line is read as text (DuckDB's CSV reader with no delimiter or quote), numbered as
    in the file (blank lines included), parsed on its own: a line that is not a JSON object
    is quarantined with its line, and every key's value is kept as text (strings unquoted,
    numbers, booleans, nested objects and arrays as JSON), so a value of another type on
    line 30,001 is only a value. Lines DuckDB cannot read (bytes that are not UTF-8) are
    quarantined too.

    A JSON array (``array``) is staged the same way, element by element, numbered by position.
    """
    lines = (
        "read_csv($src, columns = {'line': 'VARCHAR'}, header = false, auto_detect = false, "
        "delim = chr(0)::VARCHAR, quote = '', escape = '', new_line = '\\n', "
        f"max_line_size = {MAX_LINE}, buffer_size = {BUFFER}, store_rejects = true, "
        f"rejects_table = '{_DUCK_REJECTS}', rejects_scan = '{_DUCK_SCANS}')"
    )
    if array:
        lines = "(SELECT json::VARCHAR AS line FROM read_json_objects($src, format = 'array'))"
    params = {"src": str(path)}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ca_lines AS SELECT row_number() OVER () AS _n, "
        # valid JSON that starts with a brace is an object (no second parse to ask its type)
        "line, coalesce(starts_with(ltrim(line), '{') AND json_valid(line), false) AS ok "
        f"FROM {lines}",
        params,
    )
    try:
        unread = (
            []
            if array
            else con.execute(
                f"SELECT line, error_type FROM {_DUCK_REJECTS} ORDER BY line"
            ).fetchall()
        )
        forget_scan(con)
        # DuckDB numbers only the lines it could read: each unreadable one shifts the rest.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGING}_gaps (before BIGINT)")
        if unread:
            con.execute(
                f"INSERT INTO {STAGING}_gaps SELECT unnest($l) - generate_subscripts($l, 1)",
                {"l": [int(r[0]) for r in unread]},
            )
        number = (
            f"(_n + (SELECT count(*) FROM {STAGING}_gaps WHERE before < _n))" if unread else "_n"
        )
        keys = [
            r[0]
            for r in con.execute(
                "SELECT k FROM (SELECT unnest(json_keys(line)) AS k, _n FROM _ca_lines "
                "WHERE ok) GROUP BY k ORDER BY min(_n)"
            ).fetchall()
        ]
        # one parse of each line for all its keys (a list of paths gives a list of values)
        paths = "[" + ", ".join(_json_path(k) for k in keys) + "]"
        fields = ", ".join(f"_v[{i}] AS {quote_ident(k)}" for i, k in enumerate(keys, start=1))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {STAGING} AS SELECT _line"
            f"{', ' + fields if fields else ''} FROM (SELECT {number} AS _line, "
            f"json_extract_string(line, {paths}) AS _v FROM _ca_lines WHERE ok)"
        )
        early = _count_rows(
            con,
            f"INSERT INTO {REJECTS} SELECT {number}, line, 'line ' || {number} || ': ' || "
            "CASE WHEN json_valid(line) THEN 'a JSON ' || lower(json_type(line)) || "
            "', not an object (one record per line: {\"key\": value, ...})' "
            "ELSE 'not valid JSON; the line is cut short or malformed' END "
            "FROM _ca_lines WHERE NOT ok AND trim(line) <> ''",
        )
        for line, _ in unread:
            con.execute(
                f"INSERT INTO {REJECTS} VALUES (?, NULL, ?)",
                [int(line), _csv_reason(int(line), "INVALID ENCODING", None, "")],
            )
        early += len(unread)
    finally:
        con.execute("DROP TABLE IF EXISTS _ca_lines")
        con.execute(f"DROP TABLE IF EXISTS {STAGING}_gaps")
    return Source(path, "ndjson", STAGING, {}, [], numbered=True, rejected_early=early)


def _json_path(key: str) -> str:
    """A JSON path for a top-level key, as a SQL literal (our quoting, never executed)."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return "'" + ('$."' + escaped + '"').replace("'", "''") + "'"


def _count_rows(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows else 0


def _decode_binary(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Parquet BINARY columns without a string annotation hold bytes: read them as UTF-8
    text (not DuckDB's escaped ``\\xC3\\xA9``); a row with bytes that are not UTF-8 is
    quarantined before the scan (one extra scan, only for files that have such columns)."""
    described = con.execute("DESCRIBE SELECT * FROM read_parquet($src)", source.params)
    types = {r[0]: r[1] for r in described.fetchall()}
    blobs = [name for name, kind in types.items() if kind == "BLOB"]
    if not blobs:
        return
    blob_set = set(blobs)
    row = "file_row_number + 1" if source.numbered else "row_number() OVER ()"
    rows = "read_parquet($src, file_row_number = true)" if source.numbered else "read_parquet($src)"
    names = [n for n in types if not (source.numbered and n == "file_row_number")]
    cols = ", ".join(
        f"try(decode({quote_ident(n)})) AS {quote_ident(n)}"
        if n in blob_set
        else f"{quote_ident(n)}::VARCHAR AS {quote_ident(n)}"
        for n in names
    )
    bad = " OR ".join(
        f"({quote_ident(n)} IS NOT NULL AND try(decode({quote_ident(n)})) IS NULL)" for n in blobs
    )
    which = " || ".join(
        f"CASE WHEN {quote_ident(n)} IS NOT NULL AND try(decode({quote_ident(n)})) IS NULL "
        f"THEN {_sql_text(', column ' + repr(n))} ELSE '' END"
        for n in blobs
    )
    inner = f"(SELECT {row} AS _line, * FROM {rows})"
    record = (
        "to_json(struct_pack("
        + ", ".join(f"{quote_ident(n)} := {quote_ident(n)}::VARCHAR" for n in names)
        + "))"
    )
    source.rejected_early = _count_rows_params(
        con,
        f"INSERT INTO {REJECTS} SELECT _line, {record}, 'line ' || _line || {which} || "
        "': bytes that are not UTF-8 text' "
        f"FROM {inner} WHERE {bad}",
        source.params,
    )
    source.relation = f"(SELECT _line, {cols} FROM {inner} WHERE NOT ({bad}))"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _count_rows_params(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int:
    rows = con.execute(sql, params).fetchall()
    return int(rows[0][0]) if rows else 0


def _numbers_rows(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Whether DuckDB can number the rows of a Parquet file (unless a column is already
    called ``file_row_number``)."""
    described = con.execute("DESCRIBE SELECT * FROM read_parquet($src)", {"src": str(path)})
    return "file_row_number" not in {r[0] for r in described.fetchall()}


def unreadable(path: Path, fmt: str, exc: Exception) -> Exception:
    """The error for a file DuckDB cannot read as ``fmt``: the first line of DuckDB's message
    only (the next ones quote the file's content).

    An engine fault met while reading (out of memory, a full disk, a damaged database) is not
    the file's: ``exc`` is handed back as it is, for the load to report it with its database
    (before, a full disk read "cannot read it as CSV")."""
    if engine_fault(exc) is not None:
        return exc
    text = str(exc)
    if "Maximum line size" in text or "maximum line size" in text:
        line, size = _long_line(path)
        return LoadError(
            f"{path}: line {line} is {size:,} bytes long, more than the {MAX_LINE:,} a line may "
            "have, and a reader cannot find where the next record starts; nothing was loaded. "
            "Shorten or remove that line (a quote that is never closed makes one long line)"
        )
    message = text.splitlines()[0] if text.strip() else type(exc).__name__
    for quoting in (" Input: ", "Original Line:"):  # DuckDB quotes the file's content there
        message = message.split(quoting)[0].rstrip()
    return LoadError(
        f"{path}: cannot read it as {fmt.upper()}: {message}. Check that the file is "
        f"complete and really is {fmt.upper()} (or declare its format under [read])"
    )


def _long_line(path: Path) -> tuple[int, int]:
    """The first line of ``path`` longer than :data:`MAX_LINE` bytes, and its length."""
    line, size = 1, 0
    with _open_maybe_gz(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            start = 0
            while True:
                end = block.find(b"\n", start)
                if end < 0:
                    size += len(block) - start
                    break
                size += end - start
                if size > MAX_LINE:
                    return line, size
                line, size, start = line + 1, 0, end + 1
            if size > MAX_LINE:
                return line, size
    return line, size


def finish(con: duckdb.DuckDBPyConnection, source: Source, *, lines: bool = True) -> None:
    """After the scan: records DuckDB could not split go to the rejects, and the line
    shifts they cause are recorded in ``_ca_gaps`` (see :func:`line_sql`), with those of
    blank lines (DuckDB skips them) when ``lines``, i.e. when some rows were rejected and
    their lines are wanted."""
    if not source.csv_rejects:
        return
    rejected = con.execute(
        f"SELECT line, csv_line, error_type, column_name, error_message FROM {_DUCK_REJECTS} "
        "ORDER BY line"
    ).fetchall()
    forget_scan(con)  # a later scan of the file starts afresh
    for line, record, error_type, _, _ in rejected:
        text = (record or "").strip("\r\n")
        if "\n" in text and '"' in text and error_type != "INVALID ENCODING":
            spans = text.count("\n") + 1
            raise LoadError(
                f"{source.path}: line {line}: a quote opened in this record is never closed, "
                f"so the record runs over {spans} lines and a reader cannot tell where the "
                "next record starts; nothing was loaded. Close or remove that quote "
                "(or declare the quote character under [read])"
            )
    source.unread = sorted({int(r[0]) for r in rejected})
    _write_gaps(con, source.unread, [])
    if lines:
        note_blank_lines(con, source)
    seen: set[int] = set()
    rows = []
    for line, record, error_type, column, message in rejected:
        if line in seen:
            continue
        seen.add(line)
        kept = None if source.withhold_raw else record
        rows.append((int(line), kept, _csv_reason(int(line), error_type, column, message)))
    if rows:
        con.executemany(f"INSERT INTO {REJECTS} VALUES (?, ?, ?)", rows)


def note_blank_lines(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Add the line shifts of blank lines (DuckDB skips them) to ``_ca_gaps``, once per
    scan, when lines of rows are wanted: rejected rows, repeated ids."""
    if not source.csv_rejects or source.blank_noted:
        return
    source.blank_noted = True
    blank = _blank_lines(source.path)
    if blank:
        con.execute(f"DELETE FROM {GAPS}")
        _write_gaps(con, source.unread, blank)


def _write_gaps(con: duckdb.DuckDBPyConnection, unread: list[int], blank: list[int]) -> None:
    """``_ca_gaps`` for lines DuckDB did not number: unreadable records and blank lines."""
    if not unread and not blank:
        return
    skipped = sorted([(n, False) for n in unread] + [(n, True) for n in blank])
    con.execute(
        f"INSERT INTO {GAPS} SELECT unnest($l) - generate_subscripts($l, 1) - 1, unnest($b)",
        {"l": [n for n, _ in skipped], "b": [b for _, b in skipped]},
    )


def _blank_lines(path: Path) -> list[int]:
    """The numbers of the empty lines of a text file (DuckDB skips them, so each shifts the
    lines of the records after it). Empty lines within quoted fields are counted too.

    One regex pass over 1 MiB blocks (memory stays small; 56 MB in about 0.06 s)."""
    import re

    empty = re.compile(rb"\n(?=\r?\n)")  # the lookahead lets "\n\n\n" give both lines
    blank: list[int] = []
    line = 1  # the line the block starts in (the text starts one or two bytes before it)
    carry = b"\n"  # the file's start is a line start
    with _open_maybe_gz(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            text = carry + block
            counted, at_line = len(carry), line
            for match in empty.finditer(text):
                start = match.start() + 1  # where the empty line starts
                if start < len(carry):
                    continue  # found with the previous block
                at_line += text.count(b"\n", counted, start)
                counted = start
                blank.append(at_line)
            line += block.count(b"\n")
            carry = text[-2:]
    return blank


def forget_scan(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what DuckDB recorded about the last scan's unreadable records."""
    for table in (_DUCK_REJECTS, _DUCK_SCANS):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def line_sql(row: str) -> str:
    """SQL for the file line of scanned row ``row``: DuckDB numbers only the records it could
    read, so each rejected record before it shifts it by one."""
    return f"({row} + (SELECT count(*) FROM {GAPS} WHERE good_before < {row} - 1))"


def _check_repeated_names(path: Path, header: list[str]) -> None:
    """DuckDB renames a repeated column ``ts`` to ``ts_1``; say so instead."""
    import re

    with _open_maybe_gz(path) as fh:
        first = fh.readline(1 << 16).decode("utf-8", errors="replace")
    for name in header:
        match = re.fullmatch(r"(.+)_(\d+)", name)
        if match and match.group(1) in header and name not in first:
            raise LoadError(
                f"{path}: column {match.group(1)!r} appears more than once in the header; "
                "rename or remove the repeats"
            )


# -- delimited text -----------------------------------------------------------------------------
def _csv_source(path: Path, options: ReadOptions, *, tab: bool) -> Source:
    encoding = options.encoding or _guess_encoding(path)
    source: Path | str = path
    cleanup = None
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        cleanup = _transcode(path, encoding)
        source = cleanup.path
    args = [
        "header = true",
        "all_varchar = true",
        f"max_line_size = {MAX_LINE}, buffer_size = {BUFFER}",
        "store_rejects = true",
        f"rejects_table = '{_DUCK_REJECTS}'",
        f"rejects_scan = '{_DUCK_SCANS}'",
    ]
    params: dict[str, object] = {"src": str(source)}
    delimiter = options.delimiter or ("\t" if tab else None)
    if delimiter:
        args.append("delim = $delim")
        params["delim"] = delimiter
    if options.quote:
        args.append("quote = $quote")
        params["quote"] = options.quote
    if options.null_padding:
        args.append("null_padding = true")
    relation = (
        f"(SELECT row_number() OVER () + 1 AS _line, * FROM read_csv($src, {', '.join(args)}))"
    )
    return Source(path, "csv", relation, params, [], cleanup=cleanup, csv_rejects=True)


def _csv_reason(line: int, error_type: str, column: str | None, message: str) -> str:
    if error_type == "INVALID ENCODING":
        return (
            f"line {line}: bytes that are not valid UTF-8; save the file as UTF-8 or declare "
            "its encoding under [read]"
        )
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = message.replace("Expected Number of Columns:", "expected").replace(
            "Found:", "fields, found"
        )
        return f"line {line}: wrong number of fields ({found}); check quoting and delimiters"
    where = f", column {column!r}" if column else ""
    return f"line {line}{where}: {error_type.lower()}: {message}"


def _guess_encoding(path: Path) -> str:
    """UTF-8 unless the first MiB has high bytes and not one valid multi-byte sequence."""
    with _open_maybe_gz(path) as fh:
        head = fh.read(1 << 20)
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut by the 1 MiB boundary
            return "utf-8"
    text = head.decode("utf-8", errors="replace")
    has_multibyte = any(ord(ch) > 127 and ch != "\ufffd" for ch in text)
    return "utf-8" if has_multibyte else "cp1252"


def _open_maybe_gz(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _transcode(path: Path, encoding: str) -> TempCopy:
    """A private UTF-8 copy of ``path`` (:class:`TempCopy`), written in chunks."""
    copy = TempCopy()
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    try:
        dst = os.fdopen(os.dup(copy.fd), "w", encoding="utf-8", newline="")
        with _open_maybe_gz(path) as src, dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(decoder.decode(block))
            dst.write(decoder.decode(b"", final=True))
    except BaseException:
        copy.close()
        raise
    return copy


# -- Python-streamed formats --------------------------------------------------------------------
def _stage_batches(
    con: duckdb.DuckDBPyConnection, rows: Iterator[dict[str, str | None]], *, first: int = 1
) -> None:
    """Insert dict rows batch by batch, adding columns as new keys appear."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGING} (_line BIGINT)")
    columns: list[str] = []
    batch: list[dict[str, str | None]] = []
    line = first

    def flush() -> None:
        import pandas as pd

        if not batch:
            return
        frame = pd.DataFrame.from_records(batch)
        for name in frame.columns:
            if name not in columns and name != "_line":
                con.execute(f"ALTER TABLE {STAGING} ADD COLUMN {quote_ident(name)} VARCHAR")
                columns.append(name)
        frame = frame.astype("object")
        con.register("_ca_batch", frame)
        con.execute(f"INSERT INTO {STAGING} BY NAME SELECT * FROM _ca_batch")
        con.unregister("_ca_batch")
        batch.clear()

    for row in rows:
        row["_line"] = line  # type: ignore[assignment]
        line += 1
        batch.append(row)
        if len(batch) >= _BATCH:
            flush()
    flush()


def _xes_rows(path: Path) -> Iterator[dict[str, str | None]]:
    """Events of an XES log, one dict per event; trace attributes prefixed ``case:``."""
    from xml.etree.ElementTree import ParseError, iterparse

    trace: dict[str, str | None] = {}
    stack: list[str] = []
    try:
        with _open_maybe_gz(path) as fh:
            for event, elem in iterparse(fh, events=("start", "end")):
                tag = elem.tag.rsplit("}", 1)[-1]
                if event == "start":
                    stack.append(tag)
                    if tag == "trace":
                        trace = {}
                    continue
                stack.pop()
                if tag == "event":
                    row = dict(trace)
                    for child in elem:
                        key = child.get("key")
                        if key is not None:
                            row[key] = child.get("value")
                    elem.clear()
                    yield row
                elif tag == "trace":
                    elem.clear()
                elif stack and stack[-1] == "trace" and elem.get("key") is not None:
                    trace["case:" + elem.get("key")] = elem.get("value")
    except (ParseError, OSError, EOFError) as exc:
        raise LoadError(
            f"{path}: not a readable XES log ({exc}); check that the file is complete XML "
            "(a .xes.gz must be gzip-compressed)"
        ) from None


def _xlsx_rows(
    path: Path, sheet: str | None, bad: list[tuple[int, str, str]] | None = None
) -> Iterator[dict[str, str | None]]:
    """Rows of the first (or named) sheet; the first row is the header.

    The sheet is read by its real extent (the cells it holds), not the dimension it declares
    (a 5 KB file may declare 17 billion cells), within :data:`CELL_BUDGET` cells. A row with
    a formula whose value was never computed (no cached value: the file was written by a
    program, not saved by a spreadsheet) goes to ``bad`` as (sheet row, record, reason)
    instead of loading as empty.
    """
    import json
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, InvalidFileException) as exc:
        raise LoadError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise LoadError(f"{path}: no sheet {sheet!r}; sheets are: {', '.join(book.sheetnames)}")
        sheets = []
        for b in (book, formulas):
            ws = b[sheet] if sheet else b.worksheets[0]
            ws.reset_dimensions()  # the cells it holds, not the size it declares
            sheets.append(ws.iter_rows(values_only=True))
        rows, raw_rows = sheets
        header = next(rows, None)
        next(raw_rows, None)
        if header is None:
            raise LoadError(f"{path}: the sheet is empty; it needs a header row")
        names = [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
        cells = len(names)
        for number, values in enumerate(rows, start=2):
            raw = next(raw_rows, ())
            cells += len(values)
            if cells > CELL_BUDGET:
                raise LoadError(
                    f"{path}: the sheet holds more than {CELL_BUDGET:,} cells (row {number}); "
                    "nothing was loaded. Save it as CSV, or split it"
                )
            row = {n: _cell_text(v) for n, v in zip(names, values, strict=False)}
            blank = [
                n
                for n, v, f in zip(names, values, raw, strict=False)
                if v is None and isinstance(f, str) and f.startswith("=")
            ]
            if blank and bad is not None:
                bad.append(
                    (
                        number,
                        json.dumps(row, ensure_ascii=False),
                        f"line {number}, column {blank[0]!r}: a formula with no computed "
                        "value (open and save the file in a spreadsheet program, which "
                        "stores the values)",
                    )
                )
                continue
            yield row
    finally:
        book.close()
        formulas.close()


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)
