"""Type and check the staged rows in one set-based pass; collect every rejected row's reasons.

``build_typed`` turns the staging table into ``_ca_typed``: ``_line``, the canonical columns
with their types, and ``_reason``, empty when the row is fine and otherwise every problem of
the row (``line 3, column 'ts': found 'yesterday', expected a timestamp ...``). All rules
(required values, types, ranges and other column checks, stage ids) are evaluated in the
same scan, so validation costs one pass over the data, whatever the number of rules.
Duplicate ids within a file are found by one aggregate (``mark_duplicates``).
"""

from __future__ import annotations

import duckdb

from cycleanalytics.ingest.mapping import Compiled, Mapping, stage_expr
from cycleanalytics.ingest.readers import (
    REJECTS,
    Source,
    finish,
    line_sql,
    quote_ident,
    unreadable,
)
from cycleanalytics.model import CycleModel
from cycleanalytics.schema import Column, Table

TYPED = "_ca_typed"
TYPE_WORDS = {
    "TIMESTAMPTZ": "a timestamp such as 2026-01-31T14:05:00Z",
    "DOUBLE": "a number",
    "TINYINT": "a whole number",
    "BIGINT": "a whole number",
    "BOOLEAN": "true or false",
}
_OFFSET = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|UTC|[+-]\d\d(:?\d\d)?)$"


def _lit(text: str) -> str:
    """A fixed message fragment as a SQL string literal (our own text, never user data)."""
    return "'" + text.replace("'", "''") + "'"


def _typed_expr(out: Compiled, column: Column, raw: str, mapping: Mapping) -> str:
    if column.type == "VARCHAR":
        return raw
    if column.type == "TIMESTAMPTZ":
        if mapping.ts_format:
            parsed = f"try_strptime({raw}, {out.bind(mapping.ts_format)})"
            if mapping.timezone and "%z" not in mapping.ts_format.lower():
                return f"timezone({out.bind(mapping.timezone)}, {parsed})"
            return f"CAST({parsed} AS TIMESTAMPTZ)"
        if mapping.timezone:
            return (
                f"CASE WHEN regexp_matches({raw}, {_lit(_OFFSET)}) "
                f"THEN TRY_CAST({raw} AS TIMESTAMPTZ) "
                f"ELSE timezone({out.bind(mapping.timezone)}, TRY_CAST({raw} AS TIMESTAMP)) END"
            )
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
        # a whole number only: 4.0 is 4, but 4.5 is not silently rounded
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return f"CASE WHEN {number} = trunc({number}) THEN TRY_CAST({number} AS {column.type}) END"
    return f"TRY_CAST({raw} AS {column.type})"


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
    record as JSON, only for rows with a reason).
    """
    raws = {name: f"_r_{i}" for i, name in enumerate(out.raw)}
    derive_stage = table.name == "interactions" and "stage" not in out.raw and "activity" in out.raw
    inner = ", ".join(f"{expr} AS {raws[name]}" for name, expr in out.raw.items())
    typed: list[str] = []
    reasons: list[str] = []
    for column in table.data_columns:
        name = column.name
        if name not in raws:
            continue
        raw = raws[name]
        typed.append(f"{_typed_expr(out, column, raw, mapping)} AS {name}")
        where = f"'line ' || chr(1) || {_lit(f', column {name!r}: ')}"
        if column.required:
            reasons.append(
                f"CASE WHEN {raw} IS NULL THEN {where} || "
                f"{_lit('the value is empty, but it is required')} END"
            )
        if column.type != "VARCHAR":
            expected = TYPE_WORDS.get(column.type, column.type)
            if name in mapping.rescale:
                a, b = mapping.rescale[name]
                expected = f"a number from {a:g} to {b:g} (rescaled to {name})"
            elif column.type == "TIMESTAMPTZ" and mapping.ts_format:
                expected = f"a timestamp in the format {mapping.ts_format}"
            tail = _lit("', expected " + expected)
            reasons.append(
                f"CASE WHEN {raw} IS NOT NULL AND {name} IS NULL THEN {where} || 'found ''' || "
                f"{raw} || {tail} END"
            )
        if column.check:
            tail = _lit("', expected a value with " + column.check)
            reasons.append(
                f"CASE WHEN NOT ({column.check}) THEN {where} || 'found ''' || {raw} || {tail} END"
            )
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
        reasons.append(
            f"CASE WHEN stage IS NOT NULL AND NOT list_contains({order}, stage) THEN "
            f"'line ' || chr(1) || {prefix} || stage || {not_stage} || "
            f"coalesce({did_you_mean} || {closest} || {quote}, '') || {stages} END"
        )
    reason = "concat_ws('; ', " + ", ".join(reasons) + ")" if reasons else "''"
    columns = [c.name for c in table.data_columns if c.name in raws]
    if derive_stage:
        columns.insert(columns.index("activity"), "stage")
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {TYPED} AS "
        f"SELECT _line, {', '.join(columns)}, _reason, "
        "CASE WHEN _reason <> '' THEN to_json(_src) END AS _record FROM ("
        f"SELECT _line, {', '.join(columns)}, _src, {reason} AS _reason FROM ("
        f"SELECT _line, _src, {', '.join(raws.values())}, {', '.join(typed)} FROM ("
        f"SELECT s._line, {_record_struct(source.header)} AS _src, {inner} "
        f"FROM {source.relation} s)))"
    )
    try:
        con.execute(sql, {**source.params, **out.params})
    except duckdb.Error as exc:
        if source.format in ("csv", "parquet", "json", "ndjson"):
            raise unreadable(source.path, source.format, exc) from None
        raise
    finish(con, source)
    if mapping.session_gap and "case_id" not in raws:
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


def _record_struct(header: list[str]) -> str:
    return (
        "struct_pack(" + ", ".join(f"{quote_ident(h)} := s.{quote_ident(h)}" for h in header) + ")"
    )


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


def collect_rejects(con: duckdb.DuckDBPyConnection, source: Source, key: str) -> None:
    """Add the rows that failed a rule to ``_ca_rejects``: file line, raw record, reason."""
    dup = "starts_with(t._reason, chr(2))"
    has_dups = con.execute(f"SELECT count(*) FROM {TYPED} t WHERE {dup}").fetchone()[0]
    if has_dups:  # their records were fine, so not kept by the scan: read them again
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ca_dup_records AS "
            f"SELECT s._line, to_json({_record_struct(source.header)}) AS record "
            f"FROM {source.relation} s WHERE s._line IN "
            f"(SELECT _line FROM {TYPED} t WHERE {dup})",
            source.params,
        )
    first = "TRY_CAST(substr(t._reason, 2) AS BIGINT)"
    line, first_line = line_sql("t._line"), line_sql(first)
    q = "''''"  # a single quote, as a SQL literal
    dup_reason = (
        f"'lines ' || {first_line} || ' and ' || {line} || ': {key} ' || {q} || t.{key} || "
        f"{q} || ' appears more than once; line ' || {first_line} || ' was kept'"
    )
    record = "coalesce(t._record, d.record)" if has_dups else "t._record"
    join = "LEFT JOIN _ca_dup_records d USING (_line)" if has_dups else ""
    con.execute(
        f"INSERT INTO {REJECTS} SELECT {line}, {record}, "
        f"CASE WHEN {dup} THEN {dup_reason} ELSE replace(t._reason, chr(1), {line}::VARCHAR) END "
        f"FROM {TYPED} t {join} WHERE t._reason <> ''"
    )
    con.execute("DROP TABLE IF EXISTS _ca_dup_records")
