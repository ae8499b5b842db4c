"""The one door from a metric's ``source`` argument to the tables it reads.

A source is a :class:`~cycleanalytics.Store`, a :class:`~cycleanalytics.spark.SparkStore`, any
object with ``.table(name)`` returning an Ibis table, or one Ibis table of canonical
interactions or complaints. :func:`segment_source` narrows a store to one customer segment;
every registered metric applies it for its ``segment`` filter (see ``_registry``).
"""

from __future__ import annotations

import contextvars
import difflib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cycleanalytics.errors import MetricError, StoreError
from cycleanalytics.metrics._common import as_list

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "AttributeSource",
    "SegmentSource",
    "attribute_source",
    "check_data",
    "closest_values",
    "segment_source",
]

#: Tables that hold a customer's rows, narrowed to the segment's customers.
CUSTOMER_TABLES = ("interactions", "complaints", "customers")


class SegmentSource:
    """A table source seen through customer segments: the interactions, complaints and
    customers of customers whose ``segment`` (customers table) is one of ``segments`` (bound
    values, never query text). Other tables are the source's own.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     whole = int(ca.metrics.complaints(store)["complaints"].sum())
    ...     parts = sum(int(ca.metrics.complaints(store, segment=s)["complaints"].sum())
    ...                 for s in ("consumer", "enterprise", "small_business"))
    >>> whole == parts
    True
    """

    def __init__(self, source: Any, segments: Sequence[str]) -> None:
        self.source = source
        self.segments = list(segments)

    def _ids(self) -> ir.Column:
        customers = self.source.table("customers")
        values = [ibis.literal(s, type="string") for s in self.segments]
        return customers.filter(customers.segment.isin(values)).customer_id

    def table(self, name: str) -> ir.Table:
        table = self.source.table(name)
        if name not in CUSTOMER_TABLES:
            return table
        return table.filter(table.customer_id.isin(self._ids()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)


def segment_source(source: Any, segment: str | Sequence[str] | None) -> Any:
    """``source`` narrowed to the customers of ``segment`` (one value or several), or the
    source itself when no segment is given."""
    segments = as_list(segment)
    if not segments:
        return source
    if isinstance(source, ibis.expr.types.Table) or not callable(getattr(source, "table", None)):
        raise MetricError(
            "a segment filter needs the customers table: pass a Store or a SparkStore, "
            f"not {type(source).__name__}"
        )
    try:
        source.table("customers")
    except StoreError:
        raise MetricError(
            "a segment filter needs the customers table, and this database has none; load a "
            "customers export (customer_id, segment) first"
        ) from None
    return SegmentSource(source, segments)


# -- loud emptiness: filters that match nothing, periods outside the data, empty stores --------

#: What each time basis and channel basis of a scope reads: (table, column) pairs.
_TIME_COLUMNS = {
    "event_time": (("interactions", "ts"),),
    "case_start": (("interactions", "ts"),),
    "complaint_opened": (("complaints", "opened_at"),),
    "period_end": (("complaints", "opened_at"),),
    "trigger_time": (("interactions", "ts"), ("complaints", "opened_at")),
}
_CHANNEL_TABLES = {
    "entry_channel": ("interactions",),
    "event_channel": ("interactions",),
    "complaint_channel": ("complaints",),
    "trigger_channel": ("interactions", "complaints"),
}
#: Profiles of sources other than a DuckDB store (Spark: slow to ask), per source object.
_PROFILE_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class _Profile:
    """What a table holds, as far as the filter checks need it."""

    rows: int
    first: datetime | None
    last: datetime | None
    channels: tuple[str, ...] | None


def check_data(
    metric: str,
    time_key: str,
    channel_key: str,
    population: str,
    source: Any,
    arguments: dict[str, Any],
) -> tuple[list[str], str | None]:
    """The warnings due (:class:`~cycleanalytics.errors.DataWarning`, for the registry to give
    where the user called the metric) when the data cannot answer: an empty store, a
    ``channel`` or ``segment`` value that matches nothing (naming the closest values), a
    ``period`` outside the data (naming its range); and the empty-store message (for the
    metric's own error to be replaced by it), else None.

    One small query per table read (count, time range and distinct channels together); on a
    DuckDB store the row count (and time range) is asked every call, the distinct values only
    when the row count changed (cached per store, table and column); other sources (Spark)
    are profiled once per source object. A check that cannot run stays silent: it
    never stops a metric.
    """
    found: list[str] = []
    try:
        return found, _check_data(
            metric, time_key, channel_key, population, source, arguments, found
        )
    except Exception:  # the checks are advice; the metric reports real problems itself
        return found, None


def _check_data(
    metric: str,
    time_key: str,
    channel_key: str,
    population: str,
    source: Any,
    arguments: dict[str, Any],
    found: list[str],
) -> str | None:
    from cycleanalytics.metrics._common import Period

    whole = unwrapped(source)
    if not (isinstance(whole, ibis.expr.types.Table) or callable(getattr(whole, "table", None))):
        return None
    if time_key == "case_start" and "complaint" in population:  # cases of both tables
        time_key, channel_key = "trigger_time", "trigger_channel"
    time_columns = _TIME_COLUMNS.get(time_key)
    if not time_columns:  # a table given as it is: the filters do not apply to it
        return None
    channels = as_list(arguments.get("channel"))
    period = arguments.get("period")
    wanted_period = Period.parse(period, as_of=arguments.get("as_of")) if period else None
    channel_tables = _CHANNEL_TABLES.get(channel_key, ()) if channels else ()
    profiles = {
        table: _profile(whole, table, column, table in channel_tables, wanted_period is not None)
        for table, column in time_columns
    }
    profiles = {table: p for table, p in profiles.items() if p is not None}
    if not profiles:
        return None
    if all(p.rows == 0 for p in profiles.values()):
        names = " and no ".join(profiles)
        message = (
            f"{metric}: there is no data: the store holds no {names}; load exports first "
            "(ca.load(store, folder) or `cycleanalytics load`)"
        )
        found.append(message)
        return message
    if channels and channel_tables:
        present = sorted(
            {c for t in channel_tables if (p := profiles.get(t)) for c in p.channels or ()}
        )
        what = " or ".join(channel_tables)
        found += _unmatched(metric, "channel", channels, present, f"no {what}")
    segments = as_list(arguments.get("segment"))
    if segments:
        present = _segments(whole)
        if present is not None:
            found += _unmatched(metric, "segment", segments, present, "no customer")
    where = arguments.get("where")
    if isinstance(where, dict) and where:
        keys = attribute_keys(whole)
        for key, value in where.items():
            name = str(key).removeprefix(ATTRIBUTE_PREFIX)
            if name not in keys:  # the registry stops with the names present
                continue
            present = attribute_values(whole, name)
            found += _unmatched(
                metric, f"{name}", as_list(value), present, "no row", f"values of {name}"
            )
    if wanted_period is not None and not wanted_period.is_open:
        for table, p in profiles.items():
            if p.rows and p.first is not None and p.last is not None:
                after = wanted_period.end is not None and wanted_period.end <= p.first
                before = wanted_period.start is not None and wanted_period.start > p.last
                if after or before:
                    found.append(
                        f"{metric}: no {table} in the period {wanted_period.label()}; the "
                        f"{table} run from {p.first:%Y-%m-%d} to {p.last:%Y-%m-%d}"
                    )
    return None


def closest_values(value: str, present: Sequence[str], n: int = 3) -> list[str]:
    """The values of ``present`` closest to ``value``: the same letters in another case first,
    then the closest spellings (difflib).

    >>> closest_values("Chat", ["chat", "email", "phone"]), closest_values("phnoe", ["phone"])
    (['chat'], ['phone'])
    """
    same_case = [p for p in present if p.lower() == value.lower()]
    if same_case:
        return same_case[:n]
    lowered = {p.lower(): p for p in present}
    return [lowered[m] for m in difflib.get_close_matches(value.lower(), list(lowered), n=n)]


def _unmatched(
    metric: str,
    name: str,
    given: list[str],
    present: Sequence[str],
    nothing: str,
    plural: str | None = None,
) -> list[str]:
    unknown = [v for v in given if v not in present]
    if not unknown:
        return []
    parts = []
    for value in unknown:
        close = closest_values(str(value), present)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"{value!r}{hint}")
    listed = ", ".join(present[:20]) + (", ..." if len(present) > 20 else "")
    return [
        f"{metric}: {name} {', '.join(parts)} matches {nothing}, so it counts nothing; "
        f"the {plural or name + 's'} in the data are: {listed or '(none)'}"
    ]


def _duckdb_connection(source: Any) -> Any:
    import duckdb

    con = getattr(source, "con", None)
    return con if isinstance(con, duckdb.DuckDBPyConnection) else None


def _profile(source: Any, table: str, column: str, channels: bool, span: bool) -> _Profile | None:
    con = _duckdb_connection(source)
    if con is not None:  # table and column names are ours, never the user's
        # microseconds, not TIMESTAMPTZ: no time-zone conversion on the way to Python
        times = f"epoch_us(min({column})), epoch_us(max({column}))" if span else "NULL, NULL"
        row = con.execute(f"SELECT count(*), {times} FROM {table}")
        got = row.fetchall()[0]  # fetch to the end: the connection is free again
        values = _distinct(source, con, table, "channel", got[0]) if channels else None
        first, last = (_from_us(v) for v in got[1:3])
        return _Profile(got[0], first, last, values)
    key = (table, column, str(channels))
    cache = _cache_of(source)
    if cache is not None and key in cache:
        return cache[key]
    from cycleanalytics.metrics._outcomes import tables

    t = getattr(tables(source), table)
    if t is None:
        return None
    got = t.aggregate(n=t.count(), a=t[column].min(), b=t[column].max()).execute().iloc[0]
    values = None
    if channels and "channel" in t.columns:
        values = tuple(v for v in t.select("channel").distinct().execute()["channel"] if v)
    profile = _Profile(int(got["n"]), _instant(got["a"]), _instant(got["b"]), values)
    if cache is not None:
        cache[key] = profile
    return profile


def _distinct(source: Any, con: Any, table: str, column: str, rows: int) -> tuple[str, ...]:
    """The values of ``column`` in a DuckDB store's ``table``, asked again only when the
    table's row count has changed since (a load adds or replaces rows)."""
    cache = _cache_of(source)
    key = ("distinct", table, column)
    if cache is not None and key in cache and cache[key][0] == rows:
        return cache[key][1]
    got = con.execute(f"SELECT list(DISTINCT {column}) FROM {table}").fetchall()[0][0]
    values = tuple(v for v in got if v)
    if cache is not None:
        cache[key] = (rows, values)
    return values


def _segments(source: Any) -> list[str] | None:
    con = _duckdb_connection(source)
    if con is not None:
        rows = con.execute("SELECT count(*) FROM customers").fetchall()[0][0]
        return sorted(_distinct(source, con, "customers", "segment", rows))
    cache = _cache_of(source)
    if cache is not None and ("segments",) in cache:
        return cache[("segments",)]
    customers = source.table("customers")
    values = sorted(v for v in customers.select("segment").distinct().execute()["segment"] if v)
    if cache is not None:
        cache[("segments",)] = values
    return values


def _cache_of(source: Any) -> dict[tuple[str, ...], Any] | None:
    try:
        return _PROFILE_CACHE.setdefault(source, {})
    except TypeError:  # not weakly referenceable or not hashable: ask every time
        return None


def _from_us(value: int | None) -> datetime | None:
    return (
        None if value is None else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)
    )


def _instant(value: Any) -> datetime | None:
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).to_pydatetime()


# -- attributes: a mapping's [attributes] as breakdown columns and as a filter ------------------

#: Tables whose rows carry a mapping's ``[attributes]`` (the ``attributes`` map column).
ATTRIBUTE_TABLES = ("interactions", "complaints")
#: The explicit form of an attribute in ``by``: ``attr.company`` is always the attribute, even
#: where a real column has its name.
ATTRIBUTE_PREFIX = "attr."


def real_columns() -> list[str]:
    """The names ``by`` reaches without attributes: the columns of interactions and complaints
    (not the bookkeeping), the customers' columns and the time grains. A plain name among them
    is the real column; any other plain name may be an attribute."""
    from cycleanalytics.metrics._common import CUSTOMER_COLUMNS, TIME_GRAINS
    from cycleanalytics.schema import BOOKKEEPING, COMPLAINTS, INTERACTIONS

    names: list[str] = []
    for table in (INTERACTIONS, COMPLAINTS):
        names += [c for c in table.column_names if c not in (*BOOKKEEPING, "text")]
    names += [*CUSTOMER_COLUMNS, *TIME_GRAINS]
    return list(dict.fromkeys(names))


def attribute_keys(source: Any) -> list[str]:
    """The attribute names present in the interactions and complaints of ``source`` (sorted);
    empty for a source without them. One query per table; on a DuckDB store asked again only
    when a table's row count changed, on other sources (Spark) once per source object."""
    whole = unwrapped(source)
    con = _duckdb_connection(whole)
    cache = _cache_of(whole)
    if con is not None:
        counts = tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ATTRIBUTE_TABLES
        )
        key: tuple[Any, ...] = ("attribute_keys", *map(str, counts))
    else:
        key = ("attribute_keys",)
    if cache is not None and key in cache:
        return cache[key]
    found: set[str] = set()
    for name in ATTRIBUTE_TABLES:
        table = _attribute_table(whole, name)
        if table is None:
            continue
        keys = table.select(k=table.attributes.keys().unnest()).distinct().execute()["k"]
        found.update(k for k in keys if isinstance(k, str))
    values = sorted(found)
    if cache is not None:
        cache[key] = values
    return values


def attribute_values(source: Any, key: str) -> list[str]:
    """The values attribute ``key`` takes in the interactions and complaints of ``source``."""
    whole = unwrapped(source)
    found: set[str] = set()
    for name in ATTRIBUTE_TABLES:
        table = _attribute_table(whole, name)
        if table is None:
            continue
        got = table.select(v=table.attributes[ibis.literal(key)]).distinct().execute()["v"]
        found.update(v for v in got if isinstance(v, str))
    return sorted(found)


def _attribute_table(source: Any, name: str) -> ir.Table | None:
    """``name`` of ``source`` when it has an ``attributes`` column, else None."""
    from cycleanalytics.metrics._outcomes import tables

    table = getattr(tables(source), name)
    return table if table is not None and "attributes" in table.columns else None


def unwrapped(source: Any) -> Any:
    """The store under a source narrowed by ``segment`` or attributes."""
    while isinstance(source, SegmentSource | AttributeSource):
        source = source.source
    return source


def attribute_breakdown(by: Sequence[str], source: Any) -> dict[str, str]:
    """The names of ``by`` that are attributes: ``{column: attribute}``.

    ``attr.NAME`` is always attribute ``NAME`` (the column keeps the name as written); a plain
    name is an attribute when it is no real column (:func:`real_columns`) and some row carries
    it. Other names are left to the metric, whose own check names the valid columns (the
    registry adds the attribute names present).
    """
    if isinstance(source, AttributeSource):  # a metric called by another: columns there
        by = [b for b in by if b not in source.columns]
    if isinstance(source, ibis.expr.types.Table) or not callable(getattr(source, "table", None)):
        return {}  # no store: the metric's own check names what it can break down by
    real = set(real_columns())
    wanted = {}
    keys: list[str] | None = None
    for name in by:
        if name.startswith(ATTRIBUTE_PREFIX):
            key = name[len(ATTRIBUTE_PREFIX) :]
            keys = attribute_keys(source) if keys is None else keys
            if key not in keys:
                raise MetricError(_unknown_attribute("by", key, keys))
            wanted[name] = key
        elif name not in real:
            keys = attribute_keys(source) if keys is None else keys
            if name in keys:
                wanted[name] = name
    return wanted


def check_where(where: Any, source: Any) -> dict[str, list[str]]:
    """``where`` as ``{attribute: [values]}``, its names checked against the attribute names
    present: ``{"company": "Bank of America"}`` or ``{"company": ["A", "B"]}`` (a value among
    several; several attributes must all hold). Names may be written ``attr.company`` too."""
    if not isinstance(where, dict):
        raise MetricError(
            'where is a mapping of attribute names to values: {"company": "Bank of America"} '
            f'or {{"company": ["A", "B"]}}, not {type(where).__name__}'
        )
    _need_store(source)
    keys = attribute_keys(source)
    wanted: dict[str, list[str]] = {}
    for name, value in where.items():
        key = str(name).removeprefix(ATTRIBUTE_PREFIX)
        if key not in keys:
            raise MetricError(_unknown_attribute("where", key, keys))
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if not values or not all(isinstance(v, str) for v in values):
            raise MetricError(
                f"where {key!r}: give a text value or a list of them (attributes are text), "
                f"not {value!r}"
            )
        wanted[key] = values
    return wanted


def _unknown_attribute(what: str, key: str, keys: Sequence[str]) -> str:
    close = closest_values(key, keys)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    present = ", ".join(keys) if keys else "none (a mapping's [attributes] keeps source columns)"
    return f"{what}: no attribute {key!r} in the data{hint}. Attributes present: {present}"


class AttributeSource:
    """A table source seen with a mapping's attributes: named attributes as ordinary columns of
    interactions and complaints (NULL where a row lacks them), and, with ``where``, only the
    cases and complaints that carry the wanted values (bound literals, never query text).

    ``where`` keeps a complaint whose own attributes match or whose case matches, and every
    event of a case when one of its events, or one of its complaints, matches: cases stay whole
    (durations, funnels and sequences stay true), as the ``segment`` filter keeps customers
    whole. Several attributes must hold on the same row; a list is any of its values. Other
    tables are the source's own.
    """

    def __init__(
        self, source: Any, columns: dict[str, str], where: dict[str, list[str]] | None = None
    ) -> None:
        self.source = source
        self.columns = dict(columns)
        self.where = dict(where or {})

    def _matches(self, table: ir.Table) -> ir.BooleanValue:
        if "attributes" not in table.columns:
            return ibis.literal(False)
        condition = ibis.literal(True)
        for key, values in self.where.items():
            literals = [ibis.literal(v, type="string") for v in values]
            condition &= table.attributes[ibis.literal(key)].isin(literals).fill_null(False)
        return condition

    def _cases(self) -> ir.Table:
        """The case ids of the rows that match, from both tables."""
        parts = []
        for name in ATTRIBUTE_TABLES:
            try:
                table = self.source.table(name)
            except StoreError:
                continue
            keep = self._matches(table) & table.case_id.notnull()
            parts.append(table.filter(keep).select(case_id=table.case_id.cast("string")))
        return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]

    def table(self, name: str) -> ir.Table:
        table = self.source.table(name)
        if name not in ATTRIBUTE_TABLES:
            return table
        if self.where:
            cases = self._cases().case_id
            in_case = table.case_id.cast("string").isin(cases).fill_null(False)
            keep = in_case if name == "interactions" else self._matches(table) | in_case
            table = table.filter(keep)
        if self.columns:
            table = table.mutate(**{c: _attribute(table, k) for c, k in self.columns.items()})
        return table

    def case_attributes(self, columns: Sequence[str]) -> ir.Table:
        """One row per case: ``_attr_case`` and ``columns``, each the value of the case's
        first event, else of its first complaint (in this source's rows)."""
        from cycleanalytics.metrics._sequences import event_order

        parts = []
        try:
            e = self.table("interactions")
        except StoreError:
            e = None
        if e is not None:
            first = ibis.row_number().over(group_by=e.case_id, order_by=event_order(e))
            e = e.mutate(_r=first).filter(ibis._._r == 0)
            case = e.case_id.cast("!string")
            parts.append(e.select(*columns, _attr_case=case, _p=ibis.literal(0)))
        try:
            c = self.table("complaints")
        except StoreError:
            c = None
        if c is not None:
            key = c.case_id.fill_null(ibis.literal("complaint:") + c.complaint_id)
            c = c.mutate(_attr_case=key.cast("!string"))
            first = ibis.row_number().over(
                group_by=c._attr_case, order_by=[c.opened_at, c.complaint_id]
            )
            c = c.mutate(_r=first).filter(ibis._._r == 0)
            parts.append(c.select(*columns, "_attr_case", _p=ibis.literal(1)))
        rows = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        values = {
            col: rows[col].max(where=rows._p == 0).coalesce(rows[col].max(where=rows._p == 1))
            for col in columns
        }
        return rows.group_by("_attr_case").aggregate(**values)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)


def _attribute(table: ir.Table, key: str) -> ir.StringValue:
    if "attributes" not in table.columns:
        return ibis.null("string")
    return table.attributes[ibis.literal(key)]


def attribute_source(
    source: Any, columns: dict[str, str], where: dict[str, list[str]] | None
) -> Any:
    """``source`` with attribute columns and the ``where`` filter, or the source itself when
    neither is asked for."""
    if not columns and not where:
        return source
    _need_store(source)
    return AttributeSource(source, columns, where)


def _need_store(source: Any) -> None:
    if isinstance(source, ibis.expr.types.Table) or not callable(getattr(source, "table", None)):
        raise MetricError(
            "attributes in by or where need a store: pass a Store or a SparkStore, "
            f"not {type(source).__name__}"
        )


#: The attribute source of the metric being computed, for the breakdowns of metrics whose cases
#: are built from a few columns (recovery, follow-ups, key drivers): set by the registry.
CURRENT_ATTRIBUTES: contextvars.ContextVar[AttributeSource | None] = contextvars.ContextVar(
    "current_attributes", default=None
)


def breakdown_attributes() -> list[str]:
    """The attribute columns ``by`` named in the metric being computed (none outside one)."""
    current = CURRENT_ATTRIBUTES.get()
    return list(current.columns) if current is not None else []


def attach_case_attributes(cases: ir.Table, by: Sequence[str]) -> ir.Table:
    """Add to a per-case table (with ``case_id``) the attribute columns of ``by`` it lacks: the
    value of the case's first event, else of its first complaint (a complaint without a case
    is the case ``complaint:<id>``, as the recovery metrics key it)."""
    current = CURRENT_ATTRIBUTES.get()
    wanted = [b for b in by if current is not None and b in current.columns]
    wanted = [b for b in wanted if b not in cases.columns]
    if not wanted or "case_id" not in cases.columns:
        return cases
    assert current is not None
    per_case = current.case_attributes(wanted)
    joined = cases.left_join(per_case, cases.case_id == per_case._attr_case)
    return joined.drop("_attr_case")


def where_from_pairs(pairs: Sequence[str]) -> dict[str, list[str]]:
    """``where`` from ``NAME=VALUE`` texts (the CLI's ``--where``, a report's ``where``
    parameter): a NAME given again adds a value; names are checked when a metric runs.

    >>> where_from_pairs(["company=Bank of America", "company=Citibank", "product=Mortgage"])
    {'company': ['Bank of America', 'Citibank'], 'product': ['Mortgage']}
    """
    wanted: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MetricError(
                f"where {pair!r}: write NAME=VALUE, e.g. company=Bank of America (NAME is an "
                "attribute of a mapping's [attributes])"
            )
        wanted.setdefault(key.strip(), []).append(value.strip())
    return wanted


def where_source(source: Any, where: Any) -> Any:
    """``source`` narrowed by ``where`` as every metric's ``where`` filter narrows it (names
    checked against the attributes present), for code that hands one source to several
    metrics (the reports); ``source`` itself when ``where`` is empty."""
    if where is None or where == {}:
        return source
    return attribute_source(source, {}, check_where(where, source))
