"""Type and check the rows of a source in set-based SQL; collect every rejected row's reasons.

:func:`typed_query` builds the scan: the canonical columns with their types, and the rules
(required values, types, ranges and other column checks, stage ids) as conditions with their
messages (``line 3, column 'ts': found 'yesterday', expected a timestamp ...``). All rules
are evaluated in the same scan, so validation costs one pass over the data, whatever their
number. The load inserts the accepted rows straight from that scan, which hands the rejected
ones over as it meets them (:func:`rejected_rows`); repeated ids are then found by one
aggregate (:func:`remove_repeats`).
``build_typed`` materialises the scan in ``_ca_typed`` instead, for ``mapping check`` and for
case ids derived by sessionizing, with ``mark_duplicates`` and ``collect_rejects``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from cycleanalytics.ingest.mapping import Compiled, Mapping, stage_expr
from cycleanalytics.ingest.readers import (
    FIELD_LIMIT,
    GAPS,
    REJECTS,
    Source,
    finish,
    forget_scan,
    line_sql,
    note_blank_lines,
    quote_ident,
    unreadable,
)
from cycleanalytics.model import CycleModel
from cycleanalytics.schema import Column, Table
from cycleanalytics.store import first_row

TYPED = "_ca_typed"
TYPE_WORDS = {
    "TIMESTAMPTZ": "a timestamp such as 2026-01-31T14:05:00Z",
    "DOUBLE": "a number",
    "TINYINT": "a whole number",
    "BIGINT": "a whole number",
    "BOOLEAN": "true or false",
}
_OFFSET = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|UTC|[+-]\d\d(:?\d\d)?)$"
REJECTED = "_ca_rejected"
CANDIDATES = "_ca_rejected_candidates"
SETTLED = "_ca_rejected_settled"
_HAND_OVER = "_ca_reject"


def _lit(text: str) -> str:
    """A fixed message fragment as a SQL string literal (our own text, never user data)."""
    return "'" + text.replace("'", "''") + "'"


def _naive_expr(out: Compiled, column: Column, raw: str, mapping: Mapping) -> str | None:
    """SQL for the local (naive) time of a timestamp written without an offset, when a
    mapping's time zone applies to it; None when none does."""
    if column.type != "TIMESTAMPTZ" or not mapping.timezone:
        return None
    if mapping.ts_format:
        if "%z" in mapping.ts_format.lower():
            return None
        return f"try_strptime({raw}, {out.bind(mapping.ts_format)})"
    return (
        f"CASE WHEN regexp_matches({raw}, {_lit(_OFFSET)}) THEN NULL "
        f"ELSE TRY_CAST({raw} AS TIMESTAMP) END"
    )


def _typed_expr(
    out: Compiled, column: Column, raw: str, mapping: Mapping, naive: str | None = None
) -> str:
    if column.type == "VARCHAR":
        return raw
    if column.type == "TIMESTAMPTZ":
        if naive is not None:  # local time in the mapping's zone (see _naive_expr)
            zone = out.bind(mapping.timezone)
            local = f"timezone({zone}, {naive})"
            hours = fold_hours(mapping.timezone)  # type: ignore[arg-type]
            if mapping.ambiguous == "earlier" and hours:
                # DuckDB reads a repeated time the later way; the earlier instant is one clock
                # change before, when that also reads as the same local time
                by = out.bind(f"{fold_step(mapping.timezone)} seconds")  # type: ignore[arg-type]
                earlier = f"{local} - CAST({by} AS INTERVAL)"
                local = (
                    f"CASE WHEN hour({naive}) IN ({', '.join(map(str, hours))}) AND "
                    f"timezone({zone}, {earlier})::TIMESTAMP = {naive} THEN {earlier} "
                    f"ELSE {local} END"
                )
            if mapping.ts_format:
                return local
            return (
                f"CASE WHEN {naive} IS NOT NULL THEN {local} "
                f"ELSE TRY_CAST({raw} AS TIMESTAMPTZ) END"
            )
        if mapping.ts_format:
            return f"CAST(try_strptime({raw}, {out.bind(mapping.ts_format)}) AS TIMESTAMPTZ)"
        return f"TRY_CAST({raw} AS TIMESTAMPTZ)"
    if column.name in mapping.rescale and column.scale:
        a, b = mapping.rescale[column.name]
        lo, hi = column.scale
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return (
            f"CASE WHEN {number} BETWEEN {out.bind(a)} AND {out.bind(b)} THEN "
            f"CAST(round({lo} + ({number} - {out.bind(a)}) * {hi - lo} / "
            f"{out.bind(b - a)}) AS {column.type}) END"
        )
    if column.type in ("TINYINT", "BIGINT"):
        # a whole number only: 4.0 is 4, but 4.5 is not silently rounded; typed as BIGINT so
        # that 24540 for a score is out of its range, not "not a whole number"
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return f"CASE WHEN {number} = trunc({number}) THEN TRY_CAST({number} AS BIGINT) END"
    return f"TRY_CAST({raw} AS {column.type})"


def gap_hours(zone: str) -> tuple[int, ...]:
    """The local hours in which ``zone``'s clocks skip time (summer time starting),
    1990-2060: only times in those hours can be times that do not exist there."""
    return tuple(sorted({h for change, hours in _local_hours(zone) if change > 0 for h in hours}))


def fold_hours(zone: str) -> tuple[int, ...]:
    """The local hours that ``zone``'s clocks go through twice (summer time ending)."""
    return tuple(sorted({h for change, hours in _local_hours(zone) if change < 0 for h in hours}))


def folds(zone: str) -> list[tuple[datetime, timedelta]]:
    """Each time ``zone``'s clocks go back, 1990-2060: the instant (UTC) and by how much.
    The repeated local times are, read the earlier way, the instants of ``[t - by, t)``;
    read the later way, those of ``[t, t + by)``."""
    return [(t, -d) for t, d in _transitions(zone) if d < timedelta(0)]


def fold_step(zone: str) -> int:
    """Seconds by which ``zone``'s clocks usually go back (3600; 1800 on Lord Howe)."""
    steps = [int(by.total_seconds()) for _, by in folds(zone)]
    return max(set(steps), key=steps.count) if steps else 3600


@functools.cache
def _local_hours(zone: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Per clock change: its sign and the local hours it skips (> 0) or repeats (< 0)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    found = []
    for moment, change in _transitions(zone):
        before = (moment - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None)
        before += timedelta(minutes=1)  # the local time the clocks read at the change
        span = abs(change)
        hours = set()
        forward = change > timedelta(0)
        local = before if forward else before - span
        while local < (before + span if forward else before):
            hours.add(local.hour)
            local += timedelta(minutes=15)
        found.append((1 if forward else -1, tuple(sorted(hours))))
    return tuple(found)


@functools.cache
def _transitions(zone: str) -> tuple[tuple[datetime, timedelta], ...]:
    """``zone``'s changes of UTC offset from 1990 to 2060: (instant in UTC, change)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)

    def offset(moment: datetime) -> timedelta:
        return moment.astimezone(tz).utcoffset() or timedelta(0)

    changes = []
    for year in range(1990, 2060):
        for month in range(1, 13):
            lo = datetime(year, month, 1, tzinfo=UTC)
            hi = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            middle = lo + (hi - lo) / 2
            for a, b in ((lo, middle), (middle, hi)):  # at most one change in half a month
                if offset(a) == offset(b):
                    continue
                first = offset(a)
                while b - a > timedelta(minutes=1):  # the instant of the change, to the minute
                    mid = a + (b - a) / 2
                    a, b = (mid, b) if offset(mid) == first else (a, mid)
                changes.append((b.replace(second=0, microsecond=0), offset(b) - first))
    return tuple(changes)


@dataclass
class TypedQuery:
    """The one scan that types and checks every row of a source, as SQL parts.

    ``relation`` yields ``_line``, ``_src`` (the raw record as a struct), the raw text of
    each mapped column and the canonical ``columns`` with their types; ``rules`` are the row
    checks as (condition, message) pairs: a row is accepted when no condition is true.
    Callers select what they need, and DuckDB prunes the rest: line numbers, records and
    messages cost nothing for rows that are fine.
    """

    relation: str
    columns: list[str]
    rules: list[tuple[str, str]]
    params: dict[str, object]
    out: Compiled | None = None
    grouped: list[str] = field(default_factory=list)
    """Conditions that stand, in :meth:`ok`, for several rules at once (one ``greatest`` of
    the lengths of every text value, instead of one comparison each); those rules are then
    left out of :meth:`ok` and only spell the reason."""
    _spelled_only: int = 0

    def ok(self) -> str:
        """SQL that is true exactly when the row breaks no rule (its reason is empty)."""
        conds = [cond for cond, _ in self.rules[self._spelled_only :]] + self.grouped
        if not conds:
            return "true"
        # One expression, not a conjunction: DuckDB would push each conjunct below the
        # projection that trims the raw values, and trim them again for every rule.
        return "NOT coalesce(" + " OR ".join(f"({cond})" for cond in conds) + ", false)"

    def reason(self) -> str:
        """SQL for the row's problems, ``chr(1)`` where the line number goes; '' when none."""
        if not self.rules:
            return "''"
        cases = ", ".join(f"CASE WHEN {cond} THEN {msg} END" for cond, msg in self.rules)
        return f"concat_ws('; ', {cases})"

    def accepted(self, source: Source, key: str) -> str:
        """SQL that is true for a row that breaks no rule, and hands a row that does over to
        :func:`rejected_rows` before leaving it out: its line when ``source`` numbers its
        rows, the raw text of its source column ``key``, its record and its reason.

        Only rejected rows compute the hand-over and its arguments: DuckDB evaluates the
        ``ELSE`` of a ``CASE`` for the rows that reach it and no others.
        """
        line = "_line" if source.numbered else "NULL::BIGINT"
        return (
            f"CASE WHEN {self.ok()} THEN true ELSE {_HAND_OVER}({line}, "
            f"_src.{quote_ident(key)}, to_json(_src), {self.reason()}) END"
        )


def _filled_columns(table: Table) -> tuple[Column, ...]:
    """The columns a mapping may fill: the export's, and ``source_row`` (``[order]``)."""
    return tuple(c for c in table.columns if c.name != "load_id")


def typed_query(
    source: Source,
    out: Compiled,
    table: Table,
    mapping: Mapping,
    model: CycleModel,
) -> TypedQuery:
    """Build the typed, checked scan of ``source`` (see :class:`TypedQuery`)."""
    raws = {name: f"_r_{i}" for i, name in enumerate(out.raw)}
    derive_stage = table.name == "interactions" and "stage" not in out.raw and "activity" in out.raw
    inner = ", ".join(f"{expr} AS {raws[name]}" for name, expr in out.raw.items())
    typed: list[str] = []
    rules: list[tuple[str, str]] = []

    def rule(cond: str, message: str) -> None:
        rules.append((cond, message))

    naives: list[str] = []
    lengths: list[tuple[str, str]] = []  # one rule per text value, checked as one in ok()
    for column in _filled_columns(table):
        name = column.name
        if name not in raws:
            continue
        raw = raws[name]
        if column.type.startswith("MAP"):  # the attributes: text kept as it is
            typed.append(f"{raw} AS {name}")
            continue
        naive_sql = _naive_expr(out, column, raw, mapping)
        naive = None
        if naive_sql is not None:
            naive = f"_n_{len(naives)}"
            naives.append(f"{naive_sql} AS {naive}")
        typed.append(f"{_typed_expr(out, column, raw, mapping, naive)} AS {name}")
        where = f"'line ' || chr(1) || {_lit(f', column {name!r}: ')}"
        if column.required:
            empty = _lit("the value is empty, but it is required")
            rule(f"{raw} IS NULL", f"{where} || {empty}")
        if column.type == "VARCHAR" and name not in out.generated:
            long = _lit(f"the value is longer than {FIELD_LIMIT:,} bytes")
            lengths.append((f"strlen({raw}) > {FIELD_LIMIT}", f"{where} || {long}"))
        if column.type == "DOUBLE":
            tail = _lit("', expected a finite number (not NaN or infinity)")
            rule(f"NOT isfinite({name})", f"{where} || 'found ''' || {raw} || {tail}")
        if column.type == "TIMESTAMPTZ" and not mapping.ts_format:
            # 'infinity' and 'epoch' are timestamps to DuckDB's cast (not to strptime), and
            # not to an export
            epoch = f"{name} = TIMESTAMPTZ '1970-01-01 00:00:00+00'"
            word = f"({epoch} AND NOT regexp_matches({raw}, '^[0-9]'))"
            tail = _lit("', expected a date and time, not a word")
            rule(f"NOT isfinite({name}) OR {word}", f"{where} || 'found ''' || {raw} || {tail}")
        repeated = fold_hours(mapping.timezone) if naive is not None else ()  # type: ignore[arg-type]
        if repeated and mapping.ambiguous == "reject":
            zone = out.bind(mapping.timezone)
            by = out.bind(f"{fold_step(mapping.timezone)} seconds")  # type: ignore[arg-type]
            tail = _lit(
                f"' happens twice in {mapping.timezone} (the clocks go back), so it is "
                "ambiguous; write it with its UTC offset, or set [timestamps] ambiguous = "
                '"earlier" or "later"'
            )
            rule(
                f"CASE WHEN hour({naive}) IN ({', '.join(map(str, repeated))}) THEN "
                f"timezone({zone}, {name} - CAST({by} AS INTERVAL))::TIMESTAMP = {naive} "
                "ELSE false END",
                f"{where} || 'the local time ''' || {raw} || {tail}",
            )
        if naive is not None and gap_hours(mapping.timezone):  # type: ignore[arg-type]
            hours = ", ".join(map(str, gap_hours(mapping.timezone)))  # type: ignore[arg-type]
            zone = out.bind(mapping.timezone)
            tail = _lit(
                f"' does not exist in {mapping.timezone} (the clocks skip it when summer time "
                "starts); write the time with its UTC offset, or correct it"
            )
            rule(
                f"CASE WHEN hour({naive}) IN ({hours}) THEN "
                f"timezone({zone}, {name})::TIMESTAMP <> {naive} ELSE false END",
                f"{where} || 'the local time ''' || {raw} || {tail}",
            )
        if column.type != "VARCHAR":
            expected = TYPE_WORDS.get(column.type, column.type)
            if name in mapping.rescale:
                a, b = mapping.rescale[name]
                expected = f"a number from {a:g} to {b:g} (rescaled to {name})"
            elif column.type == "TIMESTAMPTZ" and mapping.ts_format:
                expected = f"a timestamp in the format {mapping.ts_format}"
            tail = _lit("', expected " + expected)
            found = f"{where} || 'found ''' || {raw} || {tail}"
            rule(f"{raw} IS NOT NULL AND {name} IS NULL", found)
        if column.check:
            tail = _lit("', expected a value with " + column.check)
            rule(f"NOT ({column.check})", f"{where} || 'found ''' || {raw} || {tail}")
    if derive_stage:
        typed.append(f"{stage_expr(out, mapping, model, raws['activity'])} AS stage")
    elif table.name == "interactions" and "stage" in raws:
        order = out.bind(list(model.order))
        prefix = _lit(", column 'stage': '")
        not_stage = _lit(f"' is not a stage of the model {model.name!r}")
        did_you_mean = _lit("; did you mean '")
        quote = _lit("'")
        stages = _lit(
            ". Stages are: "
            + ", ".join(model.order)
            + "; leave it empty for activities that belong to no stage"
        )
        closest = (
            f"{order}[list_position(list_transform({order}, "
            "lambda x: levenshtein(x, stage) <= 2), true)]"
        )
        rule(
            f"stage IS NOT NULL AND NOT list_contains({order}, stage)",
            f"'line ' || chr(1) || {prefix} || stage || {not_stage} || "
            f"coalesce({did_you_mean} || {closest} || {quote}, '') || {stages}",
        )
    columns = [c.name for c in _filled_columns(table) if c.name in raws]
    if derive_stage:
        columns.insert(columns.index("activity"), "stage")
    if "source_row" in table.column_names and "source_row" not in raws:
        # the record's position in the file: what orders events with the same time
        typed.append("_line AS source_row")
        columns.append("source_row")
    scanned = (
        f"SELECT s._line, {_record_struct(source.header, out)} AS _src, {inner} "
        f"FROM {source.relation} s"
    )
    kept = list(raws.values())
    if naives:  # local times, parsed once for the typed value and the check of DST gaps
        scanned = f"SELECT *, {', '.join(naives)} FROM ({scanned})"
        kept += [f"_n_{i}" for i in range(len(naives))]
    relation = f"(SELECT _line, _src, {', '.join(kept)}, {', '.join(typed)} FROM ({scanned}))"
    grouped = []
    if lengths:
        longest = ", ".join(cond.split(" > ")[0] for cond, _ in lengths)
        grouped.append(f"greatest({longest}) > {FIELD_LIMIT}")
    return TypedQuery(
        relation,
        columns,
        lengths + rules,
        {**source.params, **out.params},
        out,
        grouped,
        len(lengths),
    )


def run_scan(
    con: duckdb.DuckDBPyConnection, source: Source, sql: str, params: dict[str, object]
) -> int:
    """Run one statement that scans ``source`` and return its row count (for an INSERT or
    DELETE); a file DuckDB cannot read becomes a :class:`LoadError` naming it."""
    try:
        row = first_row(con, sql, params)
    except duckdb.Error as exc:
        if source.format in ("csv", "parquet", "json", "ndjson"):
            raise unreadable(source.path, source.format, exc) from None
        raise
    return int(row[0]) if row else 0


HAND_OVER_LIMIT = 64 << 20
"""Bytes of rejected rows kept in memory during a scan; beyond, they are read again instead."""


@dataclass
class HandedOver:
    """The rejected rows a scan handed over: Arrow batches of (line, key, record, reason),
    unless they outgrew :data:`HAND_OVER_LIMIT` (``overflow``), when none are kept."""

    batches: list[pa.Table] = field(default_factory=list)
    size: int = 0
    overflow: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def keep(self, line: pa.Array, key: pa.Array, record: pa.Array, reason: pa.Array) -> pa.Array:
        """The function DuckDB calls, from any of its threads, with a batch of rejected rows."""
        with self._lock:
            if not self.overflow:
                batch = pa.Table.from_arrays(
                    [line, key, record, reason], names=["_line", "key", "record", "reason"]
                )
                self.batches.append(batch)
                self.size += batch.nbytes
                if self.size > HAND_OVER_LIMIT:  # a file of mostly bad rows: read them again
                    self.overflow, self.batches = True, []
        return pa.nulls(len(record), pa.bool_())  # not true: the row is left out


@contextmanager
def rejected_rows(con: duckdb.DuckDBPyConnection) -> Iterator[HandedOver]:
    """Collect the rows a scan rejects (see :meth:`TypedQuery.accepted`) while the block runs.

    The scan that inserts the accepted rows cannot also write the rejected ones to another
    table, and scanning the file again for them would evaluate every rule twice. So the scan
    hands each rejected row to a DuckDB function with a side effect: it keeps the row in
    memory, as Arrow batches, and answers NULL, which a ``WHERE`` treats as false. DuckDB
    calls it from its worker threads, a batch at a time. A file whose
    rejected rows outgrow :data:`HAND_OVER_LIMIT` (a wrong mapping rejects every row) keeps
    none, and :func:`quarantine_rejected` reads them again instead.
    """
    handed = HandedOver()
    with suppress(duckdb.Error):  # left by a load that failed mid-scan
        con.remove_function(_HAND_OVER)
    con.create_function(
        _HAND_OVER,
        handed.keep,
        ["BIGINT", "VARCHAR", "VARCHAR", "VARCHAR"],
        "BOOLEAN",
        type="arrow",
        null_handling="special",  # a NULL line or key is still a row to keep
        side_effects=True,  # never folded, cached or skipped
    )
    try:
        yield handed
    finally:
        with suppress(duckdb.Error):  # never hide the error that stopped the scan
            con.remove_function(_HAND_OVER)


def quarantine_rejected(
    con: duckdb.DuckDBPyConnection, source: Source, handed: HandedOver, q: TypedQuery, key: str
) -> int:
    """Add the rows a scan rejected to ``_ca_rejects`` with their file lines and reasons;
    return how many there were.

    Rows handed over come with their lines when the source numbers its rows; for CSV and
    JSON :func:`_find_lines` finds them. When too many were rejected to be handed over, all
    of them are read again, with their lines, in one ordered scan of the source.
    """
    if not handed.overflow and not handed.batches:
        return 0
    if handed.overflow or first_row(con, f"SELECT count(*) FROM {GAPS} WHERE NOT blank")[0]:
        # Too many to keep, or records DuckDB could not read: a scan that reads only some
        # columns may read (and number) a record with bad bytes in another column that the
        # full scan rejected, so the lines are found by one full, ordered scan.
        return _reread_rejected(con, source, q)
    rows = pa.concat_tables(handed.batches)
    con.register("_ca_rejected_batches", rows)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {REJECTED} AS SELECT _line, "
            "coalesce(key, chr(0)) AS k, record, reason FROM _ca_rejected_batches"
        )
    finally:
        con.unregister("_ca_rejected_batches")
    rejected = rows.num_rows
    before = first_row(con, f"SELECT count(*) FROM {REJECTS}")[0]
    if source.numbered:
        added = _reject_lines(con, source, f"SELECT _line, record, reason FROM {REJECTED}")
    else:
        added = _find_lines(con, source, key, q.out)
    if added != rejected:
        # Every rejected record must be found again, once; when matching by key and text
        # cannot tell them apart, the full ordered scan can.
        con.execute(f"DELETE FROM {REJECTS} WHERE rowid >= $n", {"n": before})
        return _reread_rejected(con, source, q)
    return added


def _reread_rejected(con: duckdb.DuckDBPyConnection, source: Source, q: TypedQuery) -> int:
    """Add every rejected row to the rejects by one ordered scan of the whole record."""
    added = _reject_lines(
        con,
        source,
        f"SELECT _line, to_json(_src) AS record, {q.reason()} AS reason "
        f"FROM {q.relation} WHERE NOT ({q.ok()})",
        q.params,
    )
    forget_scan(con)
    return added


def _find_lines(
    con: duckdb.DuckDBPyConnection, source: Source, key: str, out: Compiled | None = None
) -> int:
    """Find the lines of the rejected rows of an unnumbered source; add them to the rejects.

    Counting lines takes one ordered pass, on one thread, so it reads as little as it can:
    only the raw ``key`` column, keeping the lines whose key is a rejected row's. Validation
    depends on a record's text alone, so where a key has as many lines as rejected rows, all
    with the same record, those lines are the rejected rows. Only the lines of other keys
    (shared with accepted rows, or keys of rejected rows that differ) are read again whole
    and matched by their text.
    """
    k = f"coalesce({_field(key, out)}, chr(0))"
    run_scan(
        con,
        source,
        f"CREATE OR REPLACE TEMP TABLE {CANDIDATES} AS SELECT s._line, {k} AS k "
        f"FROM {source.relation} s WHERE {k} IN (SELECT k FROM {REJECTED})",
        source.params,
    )
    forget_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SETTLED} AS SELECT r.k, r.record, r.reason FROM ("
        "  SELECT k, count(*) AS n, count(DISTINCT record) AS records, "
        f"  any_value(record) AS record, any_value(reason) AS reason FROM {REJECTED} GROUP BY k"
        f") r JOIN (SELECT k, count(*) AS n FROM {CANDIDATES} GROUP BY k) c "
        "ON c.k = r.k AND c.n = r.n WHERE r.records = 1"
    )
    added = _reject_lines(
        con, source, f"SELECT _line, record, reason FROM {CANDIDATES} JOIN {SETTLED} USING (k)"
    )
    unsettled = f"SELECT _line FROM {CANDIDATES} WHERE k NOT IN (SELECT k FROM {SETTLED})"
    if first_row(con, f"SELECT count(*) FROM ({unsettled})")[0]:
        added += _reject_lines(
            con,
            source,
            "SELECT n._line, n.record, r.reason FROM ("
            f"  SELECT s._line, to_json({_record_struct(source.header, out)}) AS record "
            f"  FROM {source.relation} s WHERE s._line IN ({unsettled})"
            f") n JOIN (SELECT DISTINCT record, reason FROM {REJECTED} "
            f"  WHERE k NOT IN (SELECT k FROM {SETTLED})) r USING (record)",
            source.params,
        )
        forget_scan(con)
    return added


def _reject_lines(
    con: duckdb.DuckDBPyConnection, source: Source, found: str, params: object = None
) -> int:
    """Add rows ``found`` (``_line``, ``record``, ``reason``) to the rejects, with the line
    number written into the reason; return how many."""
    line = line_sql("n._line")
    return run_scan(
        con,
        source,
        f"INSERT INTO {REJECTS} SELECT {line}, n.record, "
        f"replace(n.reason, chr(1), {line}::VARCHAR) FROM ({found}) n",
        params or {},
    )


def build_typed(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    out: Compiled,
    table: Table,
    mapping: Mapping,
    model: CycleModel,
) -> list[str]:
    """Create ``_ca_typed`` in one scan of ``source``; return the canonical columns it holds.

    Besides the typed columns it holds ``_line`` (the scanned row), ``_reason`` (empty, or
    the row's problems with ``chr(1)`` where the line number goes) and ``_record`` (the raw
    record as JSON, only for rows with a reason). ``mapping check`` uses it, and so do loads
    that derive case ids by sessionizing (a case id needs every event of the customer);
    other loads insert straight from the scan (:func:`cycleanalytics.ingest.load.load`).
    """
    q = typed_query(source, out, table, mapping, model)
    columns = list(q.columns)
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {TYPED} AS "
        f"SELECT _line, {', '.join(columns)}, _reason, "
        "CASE WHEN _reason <> '' THEN to_json(_src) END AS _record FROM ("
        f"SELECT _line, {', '.join(columns)}, _src, {q.reason()} AS _reason FROM {q.relation})"
    )
    run_scan(con, source, sql, q.params)
    finish(con, source)
    if mapping.session_gap and "case_id" not in q.columns:
        _sessionize(con, mapping.session_gap)
        columns.insert(1, "case_id")
    return columns


def _sessionize(con: duckdb.DuckDBPyConnection, gap: str) -> None:
    """Derive ``case_id``: a customer's new case starts after ``gap`` without events."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {TYPED} AS
        SELECT *, customer_id || '#' || sum(new_case) OVER (
                PARTITION BY customer_id ORDER BY ts, _line ROWS UNBOUNDED PRECEDING
            ) AS case_id
        FROM (
            SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY customer_id ORDER BY ts, _line)
                      <= CAST($gap AS INTERVAL) THEN 0 ELSE 1 END AS new_case
            FROM {TYPED}
        )
        """,
        {"gap": gap},
    )
    con.execute(f"ALTER TABLE {TYPED} DROP COLUMN new_case")


def _record_struct(header: list[str], out: Compiled | None = None) -> str:
    """SQL for a source row as a struct of its raw text; source columns that feed a
    pseudonymised column hold their pseudonyms, so the quarantine never keeps them clear."""
    return "struct_pack(" + ", ".join(f"{quote_ident(h)} := {_field(h, out)}" for h in header) + ")"


def _field(name: str, out: Compiled | None) -> str:
    """SQL for source column ``name`` of row ``s`` as a record keeps it."""
    if out is not None and name in out.masked:
        return out.masked[name]
    return f"s.{quote_ident(name)}"


def mark_duplicates(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Reject every repeat of an id within the file; the first occurrence is kept.

    The reason is written as ``chr(2)`` and the first row; :func:`collect_rejects` spells it.
    """
    con.execute(
        f"""
        UPDATE {TYPED} t SET _reason = chr(2) || d.first_line
        FROM (
            SELECT {key}, min(_line) AS first_line FROM {TYPED}
            WHERE _reason = '' GROUP BY {key} HAVING count(*) > 1
        ) d
        WHERE t.{key} = d.{key} AND t._line > d.first_line AND t._reason = ''
        """
    )


def collect_rejects(
    con: duckdb.DuckDBPyConnection, source: Source, key: str, out: Compiled | None = None
) -> None:
    """Add the rows that failed a rule to ``_ca_rejects``: file line, raw record, reason."""
    dup = "starts_with(t._reason, chr(2))"
    has_dups = first_row(con, f"SELECT count(*) FROM {TYPED} t WHERE {dup}")[0]
    if has_dups:  # their records were fine, so not kept by the scan: read them again
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ca_dup_records AS "
            f"SELECT s._line, to_json({_record_struct(source.header, out)}) AS record "
            f"FROM {source.relation} s WHERE s._line IN "
            f"(SELECT _line FROM {TYPED} t WHERE {dup})",
            source.params,
        )
    line = line_sql("t._line")
    dup_reason = _repeat_reason("t", "TRY_CAST(substr(t._reason, 2) AS BIGINT)", key)
    record = "coalesce(t._record, d.record)" if has_dups else "t._record"
    join = "LEFT JOIN _ca_dup_records d USING (_line)" if has_dups else ""
    con.execute(
        f"INSERT INTO {REJECTS} SELECT {line}, {record}, "
        f"CASE WHEN {dup} THEN {dup_reason} ELSE replace(t._reason, chr(1), {line}::VARCHAR) END "
        f"FROM {TYPED} t {join} WHERE t._reason <> ''"
    )
    con.execute("DROP TABLE IF EXISTS _ca_dup_records")


REPEATS = ("_ca_repeat_hashes", "_ca_repeat_ids", "_ca_repeat_rows")


def remove_repeats(
    con: duckdb.DuckDBPyConnection, source: Source, q: TypedQuery, table: Table, load_id: int
) -> int:
    """Ids inserted more than once by load ``load_id``: keep the first row (in file order),
    quarantine the others in ``_ca_rejects``; return how many rows were removed.

    The search counts the distinct 64-bit hashes of the new ids (fixed width: cheaper than
    the ids themselves); only when some hash repeats are the ids behind it compared, and only
    the rows with those ids are read again from the file, with their lines and records.
    """
    key = table.primary_key
    hashes, ids, rows = REPEATS
    params = {"ca_load": load_id}
    all_distinct = first_row(
        con,
        f"SELECT count(*) = count(DISTINCT hash({key})) FROM {table.name} WHERE load_id = $ca_load",
        params,
    )[0]
    if all_distinct:
        return 0
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {hashes} AS SELECT hash({key}) AS h FROM {table.name} "
        "WHERE load_id = $ca_load GROUP BY h HAVING count(*) > 1",
        params,
    )
    if not first_row(con, f"SELECT count(*) FROM {hashes}")[0]:
        return 0
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ids} AS SELECT {key} FROM {table.name} "
        f"WHERE load_id = $ca_load AND hash({key}) IN (SELECT h FROM {hashes}) "
        f"GROUP BY {key} HAVING count(*) > 1",
        params,
    )
    if not first_row(con, f"SELECT count(*) FROM {ids}")[0]:
        return 0
    note_blank_lines(con, source)  # the repeats' lines are wanted
    forget_scan(con)
    cols = ", ".join(q.columns)
    run_scan(
        con,
        source,
        f"CREATE OR REPLACE TEMP TABLE {rows} AS SELECT _line, {cols}, to_json(_src) AS record "
        f"FROM {q.relation} WHERE {q.ok()} AND {key} IN (SELECT {key} FROM {ids})",
        q.params,
    )
    con.execute(
        f"DELETE FROM {table.name} WHERE load_id = $ca_load AND {key} IN (SELECT {key} FROM {ids})",
        params,
    )
    first = f"(SELECT {key}, min(_line) AS first_line FROM {rows} GROUP BY {key})"
    picked = ", ".join(f"r.{c}" for c in q.columns)
    con.execute(
        f"INSERT INTO {table.name} ({cols}, load_id) SELECT {picked}, $ca_load FROM {rows} r "
        f"JOIN {first} f ON f.{key} = r.{key} AND f.first_line = r._line",
        params,
    )
    line = line_sql("r._line")
    reason = _repeat_reason("r", "f.first_line", key)
    removed = first_row(
        con,
        f"INSERT INTO {REJECTS} SELECT {line}, r.record, {reason} FROM {rows} r "
        f"JOIN {first} f ON f.{key} = r.{key} WHERE r._line > f.first_line",
    )[0]
    return int(removed)


def _repeat_reason(alias: str, first: str, key: str) -> str:
    """SQL for the reason of a repeated id: the row of table ``alias`` (its ``_line`` and
    its id ``key``) and ``first``, the scanned row kept, as file lines."""
    line, first_line = line_sql(f"{alias}._line"), line_sql(first)
    quote = "''''"  # a single quote, as a SQL literal
    return (
        f"'lines ' || {first_line} || ' and ' || {line} || ': {key} ' || {quote} || "
        f"{alias}.{key} || {quote} || ' appears more than once; line ' || {first_line} || "
        "' was kept'"
    )
