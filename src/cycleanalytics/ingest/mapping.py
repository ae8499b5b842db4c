"""Mapping files: how an export's columns and values become a canonical table (docs/mappings.md).

A mapping is TOML::

    kind = "interactions"                 # the table the export feeds
    [read]                                # how to read it (readers.ReadOptions)
    encoding = "cp1252"
    [columns]                             # canonical column = source column
    case_id = "Ticket"
    ts = "Created"
    activity = { concat = ["status", "sub_status"], sep = " - " }
    interaction_id = { generate = true }  # a hash of the mapped record
    [constants]
    channel = "helpdesk"
    [timestamps]
    format = "%d/%m/%Y %H:%M"             # strptime; default ISO 8601
    timezone = "Europe/Rome"              # for times written without an offset
    ambiguous = "later"                   # times said twice when summer time ends: later,
                                          # earlier or reject (quarantine them)
    [values.csat]                         # value maps, source value -> canonical value
    "Very satisfied" = 5
    [rescale.nps]                         # a declared other scale, mapped linearly
    from = [1, 5]
    [[stages]]                            # activity -> stage rules, first match wins
    match = "Insert ticket"               # exact; or `match` + `ignore_case = true`; or `regex`
    stage = "initial_interaction"
    [stage_options]
    aliases = true                        # then the model's en/id/ms aliases (default)
    [areas]                               # complaint category -> area
    "Debt collection" = "complaint_handling"
    [cases]
    gap = "30 minutes"                    # no case id: sessionize each customer's events
    [order]
    column = "seq"                        # whole numbers that order events of the same time
                                          # (default: their position in the file)
    [attributes]                          # source columns kept per row, by name, as text
    company = "Company"                   # (stored in the `attributes` map column)
    [unpivot]                             # one wide row -> one event per listed column
    value = "csat"                        # the canonical column each event's value goes to
    [[unpivot.events]]                    # in journey order: events of a row share its time
    column = "Seat_comfort"               # and line, and are ordered as listed
    activity = "Seat comfort"             # (default: the column's name)
    stage = "service_delivery"            # (default: from the activity, by the [[stages]])
    [load]
    duplicates = "keep"                   # exact duplicate records: keep each (generated ids
                                          # then include the file and row) or "quarantine"
                                          # every repeat (the default)
    max_quarantined = 0.1                 # the largest share of a file's rows that may be
                                          # quarantined before the load fails (default 0.5)
    [pseudonymize]
    columns = ["customer_id"]
    key_env = "CYCLEANALYTICS_PSEUDONYM_KEY"

Everything a mapping supplies reaches SQL as bound parameters; only column names (quoted)
and the canonical types are part of the query text.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cycleanalytics.errors import LoadError, MappingError
from cycleanalytics.ingest.readers import ReadOptions, quote_ident
from cycleanalytics.model import CycleModel, normalize_label
from cycleanalytics.schema import EXPORT_TABLES, Table

AREAS = (
    "communication",
    "customer_psychology",
    "complaint_handling",
    "image",
    "product",
    "other",
)
_SECTIONS = {
    "kind",
    "description",
    "read",
    "columns",
    "constants",
    "timestamps",
    "values",
    "rescale",
    "stages",
    "stage_options",
    "areas",
    "cases",
    "order",
    "load",
    "attributes",
    "unpivot",
    "pseudonymize",
}
ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
"""What an attribute may be called: a name that is safe in any engine and on a command line."""
DUPLICATES = ("quarantine", "keep")
"""What a load does with a record that repeats an earlier one of the same file exactly: set
it aside in the quarantine (the default), or keep it as an event of its own."""


@dataclass(frozen=True)
class StageRule:
    """One activity -> stage rule: ``exact``, ``ignore_case`` or ``regex``."""

    how: str
    pattern: str
    stage: str


@dataclass(frozen=True)
class UnpivotEvent:
    """One event a wide row becomes: its value's source column, activity and stage."""

    column: str
    activity: str
    stage: str | None = None


@dataclass(frozen=True)
class Unpivot:
    """``[unpivot]``: the canonical column (``value``) the listed columns' values go to, and
    the events, in the order they happen."""

    value: str
    events: tuple[UnpivotEvent, ...]


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file. ``Mapping()`` is the identity for canonical exports."""

    kind: str | None = None
    source: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    columns: dict[str, Any] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    ts_format: str | None = None
    timezone: str | None = None
    ambiguous: str = "later"
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    rescale: dict[str, tuple[float, float]] = field(default_factory=dict)
    stage_rules: tuple[StageRule, ...] = ()
    use_aliases: bool = True
    areas: dict[str, str] = field(default_factory=dict)
    session_gap: str | None = None
    order_column: str | None = None
    """Source column of whole numbers that orders events with the same time (stored as
    ``source_row``); by default the record's position in the file."""
    duplicates: str = "quarantine"
    """``[load] duplicates``: see :data:`DUPLICATES`."""
    max_quarantined: float | None = None
    """``[load] max_quarantined``: the share of a file's rows that may be quarantined before
    its load fails; the ``load`` option and ``CYCLEANALYTICS_MAX_QUARANTINED`` win over it."""
    attributes: dict[str, str] = field(default_factory=dict)
    """``[attributes]``: attribute name -> source column, kept per row in ``attributes``."""
    unpivot: Unpivot | None = None
    """``[unpivot]``: each row becomes one event per listed column."""
    pseudonymize: tuple[str, ...] = ()
    key_env: str = "CYCLEANALYTICS_PSEUDONYM_KEY"

    @property
    def is_identity(self) -> bool:
        return self.source is None

    def used_sources(self) -> set[str]:
        """The source columns this mapping reads."""
        used: set[str] = set()
        for spec in self.columns.values():
            if isinstance(spec, str):
                used.add(spec)
            elif isinstance(spec, dict):
                if "column" in spec:
                    used.add(spec["column"])
                used.update(spec.get("concat", ()))
        if self.order_column:
            used.add(self.order_column)
        used.update(self.attributes.values())
        if self.unpivot:
            used.update(e.column for e in self.unpivot.events)
        return used


def read_mapping(path: str | Path, model: CycleModel | None = None) -> Mapping:
    """Parse and check a mapping file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> text = 'kind = "interactions"' + chr(10) + "[columns]" + chr(10) + 'ts = "x"'
    >>> _ = path.write_text(text)
    >>> read_mapping(path).columns
    {'ts': 'x'}
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} not found") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping file {path} is not valid TOML: {exc}") from None
    return mapping_from_dict(data, source=str(path), model=model)


def mapping_from_dict(
    data: dict[str, Any], *, source: str = "<mapping>", model: CycleModel | None = None
) -> Mapping:
    """Build a :class:`Mapping` from the structure of a mapping file, checking every key.

    Every value is checked here, before any file is read: its type (no list where a word
    goes, booleans that are booleans), and what only the engine can tell (a regex, a time
    zone, a timestamp format, a gap) by asking DuckDB. A problem raises
    :class:`~cycleanalytics.errors.MappingError` naming the key (and the rule's position).
    """
    check_values(data, source)
    unknown = set(data) - _SECTIONS
    if unknown:
        raise LoadError(
            f"{source}: unknown section(s) {sorted(unknown)}; sections are: {sorted(_SECTIONS)}"
        )
    kind = data.get("kind")
    if kind is not None and kind not in EXPORT_TABLES:
        raise LoadError(f"{source}: kind {kind!r} unknown; use one of: {', '.join(EXPORT_TABLES)}")
    table = EXPORT_TABLES.get(kind) if kind else None
    known = (
        {c.name for c in table.data_columns}
        if table
        else {c.name for t in EXPORT_TABLES.values() for c in t.data_columns}
    )

    def check_columns(section: str, names: object) -> None:
        for name in names:  # type: ignore[union-attr]
            if name not in known:
                close = table.closest_column(name) if table else None
                hint = f" Did you mean {close!r}?" if close else ""
                raise LoadError(
                    f"{source}: [{section}] names {name!r}, which is not a canonical column"
                    f"{' of ' + table.name if table else ''}.{hint}"
                )

    read = data.get("read", {})
    try:
        read_options = ReadOptions(**read)
    except TypeError:
        raise LoadError(
            f"{source}: [read] accepts format, delimiter, quote, encoding, null_padding, sheet; "
            f"found {sorted(read)}"
        ) from None
    columns = dict(data.get("columns", {}))
    check_columns("columns", columns)
    for name, spec in columns.items():
        if not isinstance(spec, str | dict) or (
            isinstance(spec, dict) and not ({"column", "concat", "generate"} & set(spec))
        ):
            raise LoadError(
                f"{source}: columns.{name} must be a source column name, or a table with "
                "`column`, `concat` (+ `sep`) or `generate = true`"
            )
    constants = {k: str(v) for k, v in data.get("constants", {}).items()}
    check_columns("constants", constants)
    ts = data.get("timestamps", {})
    values = {
        col: {str(k): "" if v is None else _text(v) for k, v in vmap.items()}
        for col, vmap in data.get("values", {}).items()
    }
    check_columns("values", values)
    rescale: dict[str, tuple[float, float]] = {}
    for col, spec in data.get("rescale", {}).items():
        lo_hi = spec.get("from") if isinstance(spec, dict) else None
        if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and lo_hi[0] < lo_hi[1]):
            raise LoadError(f"{source}: rescale.{col} needs `from = [low, high]` with low < high")
        rescale[col] = (float(lo_hi[0]), float(lo_hi[1]))
    check_columns("rescale", rescale)
    rules = []
    stage_ids = set(model.order) if model else None
    for i, rule in enumerate(data.get("stages", []), start=1):
        stage = rule.get("stage")
        if stage_ids is not None and stage not in stage_ids and stage is not None:
            raise LoadError(
                f"{source}: stages rule {i} maps to {stage!r}, which is not a stage of model "
                f"{model.name!r}; stages are: {', '.join(model.order)}"  # type: ignore[union-attr]
            )
        if "regex" in rule:
            rules.append(StageRule("regex", rule["regex"], stage))
        elif "match" in rule:
            how = "ignore_case" if rule.get("ignore_case") else "exact"
            pattern = normalize_label(rule["match"]) if how == "ignore_case" else rule["match"]
            rules.append(StageRule(how, pattern, stage))
        else:
            raise LoadError(f"{source}: stages rule {i} needs `match` or `regex`, and `stage`")
    unpivot = None
    if "unpivot" in data:
        spec = data["unpivot"]
        for i, event in enumerate(spec["events"], start=1):
            stage = event.get("stage")
            if stage_ids is not None and stage is not None and stage not in stage_ids:
                raise MappingError(
                    f"{source}: [[unpivot.events]] {i} ({event['column']!r}) has stage "
                    f"{stage!r}, which is not a stage of model {model.name!r}; stages are: "  # type: ignore[union-attr]
                    f"{', '.join(model.order)}"  # type: ignore[union-attr]
                )
        unpivot = Unpivot(
            spec["value"],
            tuple(
                UnpivotEvent(e["column"], e.get("activity", e["column"]), e.get("stage"))
                for e in spec["events"]
            ),
        )
    areas = {str(k): str(v) for k, v in data.get("areas", {}).items()}
    for category, area in areas.items():
        if area not in AREAS:
            raise LoadError(
                f"{source}: areas maps {category!r} to {area!r}; areas are: {', '.join(AREAS)}"
            )
    pseudo = data.get("pseudonymize", {})
    return Mapping(
        kind=kind,
        source=source,
        read=read_options,
        columns=columns,
        constants=constants,
        ts_format=ts.get("format"),
        timezone=ts.get("timezone"),
        ambiguous=ts.get("ambiguous", "later"),
        values=values,
        rescale=rescale,
        stage_rules=tuple(rules),
        use_aliases=bool(data.get("stage_options", {}).get("aliases", True)),
        areas=areas,
        session_gap=data.get("cases", {}).get("gap"),
        order_column=data.get("order", {}).get("column"),
        duplicates=data.get("load", {}).get("duplicates", "quarantine"),
        max_quarantined=data.get("load", {}).get("max_quarantined"),
        attributes=dict(data.get("attributes", {})),
        unpivot=unpivot,
        pseudonymize=tuple(pseudo.get("columns", ())),
        key_env=pseudo.get("key_env", "CYCLEANALYTICS_PSEUDONYM_KEY"),
    )


AMBIGUOUS = ("later", "earlier", "reject")
"""How a local time the clocks go through twice (summer time ending) is read: as the later
instant (standard time, DuckDB's reading; the default), the earlier one, or not at all."""
_READ_KEYS = {"format", "delimiter", "quote", "encoding", "null_padding", "sheet"}
_SCALAR = (str, int, float, bool)


def check_values(data: dict[str, Any], source: str) -> None:
    """Check the type and meaning of every value of a mapping (see :func:`mapping_from_dict`)."""

    def fail(where: str, problem: str) -> None:
        raise MappingError(f"{source}: {where}: {problem}")

    def table(name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            fail(name, f"must be a table ([{name}]), found {_kind_word(value)}")
        return value

    def text(where: str, value: object, *, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value):
            fail(where, f"must be a text value, found {_kind_word(value)}")
        return value  # type: ignore[return-value]

    def boolean(where: str, value: object) -> None:
        if not isinstance(value, bool):
            fail(where, f"must be true or false, found {_kind_word(value)}")

    for name in ("kind", "description"):
        if name in data:
            text(name, data[name])
    read = table("read")
    for key, value in read.items():
        where = f"[read] {key}"
        if key not in _READ_KEYS:
            continue  # reported with the accepted keys below
        if key == "null_padding":
            boolean(where, value)
            continue
        text(where, value)
        if key == "format":
            from cycleanalytics.ingest.readers import FORMATS

            if value not in set(FORMATS.values()):
                fail(
                    where,
                    f"unknown format {value!r}; use one of: "
                    f"{', '.join(sorted(set(FORMATS.values())))}",
                )
        elif key in ("delimiter", "quote") and len(value) != 1:
            fail(where, f"must be one character, found {value!r}")
        elif key == "encoding":
            import codecs

            try:
                info = codecs.lookup(value)
            except LookupError:
                info = None
            if info is None or not getattr(info, "_is_text_encoding", True):
                fail(where, f"{value!r} is not a text encoding; use e.g. utf-8, cp1252, latin-1")
    columns = table("columns")
    for name, spec in columns.items():
        where = f"[columns] {name}"
        if isinstance(spec, dict):
            extra = set(spec) - {"column", "concat", "sep", "generate"}
            if extra:
                fail(where, f"unknown key(s) {sorted(extra)}; use column, concat, sep, generate")
            if "column" in spec:
                text(where + ".column", spec["column"])
            if "concat" in spec:
                parts = spec["concat"]
                if not (
                    isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts)
                ):
                    fail(where + ".concat", "must be a list of source column names")
            if "sep" in spec:
                text(where + ".sep", spec["sep"], empty=True)
            if "generate" in spec and spec["generate"] is not True:
                fail(where + ".generate", "must be true (or left out)")
        elif not isinstance(spec, str) or not spec:
            fail(where, f"must be a source column name, found {_kind_word(spec)}")
    for section in ("constants", "areas"):
        for key, value in table(section).items():
            if not isinstance(value, _SCALAR):
                fail(f"[{section}] {key}", f"must be a single value, found {_kind_word(value)}")
    timestamps = table("timestamps")
    extra = set(timestamps) - {"format", "timezone", "ambiguous"}
    if extra:
        fail("[timestamps]", f"unknown key(s) {sorted(extra)}; use format, timezone, ambiguous")
    if timestamps.get("ambiguous", "later") not in AMBIGUOUS:
        fail(
            "[timestamps] ambiguous",
            f"{timestamps['ambiguous']!r}: use one of {', '.join(AMBIGUOUS)}",
        )
    if "format" in timestamps:
        fmt = text("[timestamps] format", timestamps["format"])
        if "%" not in fmt:
            fail("[timestamps] format", f"{fmt!r} has no % code; write it like %d/%m/%Y %H:%M")
        _engine_check(
            "SELECT try_strptime('2026-01-01', $v)",
            fmt,
            source,
            "[timestamps] format",
            "not a valid strptime format",
        )
    if "timezone" in timestamps:
        zone = text("[timestamps] timezone", timestamps["timezone"])
        _engine_check(
            "SELECT timezone($v, TIMESTAMP '2026-01-01')",
            zone,
            source,
            "[timestamps] timezone",
            "not a time zone (use a name such as Europe/Rome)",
        )
    for section in ("values", "rescale"):
        for column, spec in table(section).items():
            if not isinstance(spec, dict):
                fail(f"[{section}.{column}]", f"must be a table, found {_kind_word(spec)}")
            if section == "values":
                for key, value in spec.items():
                    if value is not None and not isinstance(value, _SCALAR):
                        fail(
                            f"[values.{column}] {key!r}",
                            f"must be a single value, found {_kind_word(value)}",
                        )
            else:
                bounds = spec.get("from")
                ok = (
                    isinstance(bounds, list)
                    and len(bounds) == 2
                    and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
                    and bounds[0] < bounds[1]
                )
                if set(spec) != {"from"} or not ok:
                    fail(
                        f"[rescale.{column}]",
                        "needs only `from = [low, high]`, two numbers with low < high",
                    )
    stages = data.get("stages", [])
    if not isinstance(stages, list):
        fail("stages", "must be a list of rules ([[stages]])")
    for i, rule in enumerate(stages, start=1):
        where = f"stages rule {i}"
        if not isinstance(rule, dict):
            fail(where, f"must be a table, found {_kind_word(rule)}")
        extra = set(rule) - {"match", "regex", "ignore_case", "stage"}
        if extra:
            fail(where, f"unknown key(s) {sorted(extra)}; use match or regex, ignore_case, stage")
        if "match" in rule and "regex" in rule:
            fail(where, "has both `match` and `regex`; use one")
        for key in ("match", "regex", "stage"):
            if key in rule:
                text(f"{where} ({key})", rule[key])
        if "ignore_case" in rule:
            boolean(f"{where} (ignore_case)", rule["ignore_case"])
        if "regex" in rule:
            _engine_check(
                "SELECT regexp_matches('', $v)",
                rule["regex"],
                source,
                f"{where} (regex)",
                "not a valid regular expression (RE2 syntax)",
            )
    options = table("stage_options")
    for key, value in options.items():
        if key != "aliases":
            fail(f"[stage_options] {key}", "unknown key; use aliases")
        boolean("[stage_options] aliases", value)
    cases = table("cases")
    for key, value in cases.items():
        if key != "gap":
            fail(f"[cases] {key}", "unknown key; use gap")
        gap = text("[cases] gap", value)
        seconds = _engine_check(
            "SELECT epoch(CAST($v AS INTERVAL))",
            gap,
            source,
            "[cases] gap",
            'not a length of time (write it like "30 minutes")',
        )
        if seconds is None or seconds <= 0:
            fail("[cases] gap", f"{gap!r} must be a positive length of time")
    for key, value in table("order").items():
        if key != "column":
            fail(f"[order] {key}", "unknown key; use column")
        text("[order] column", value)
    if "column" in data.get("order", {}) and data.get("kind", "interactions") != "interactions":
        fail("[order] column", "orders events: it applies to interactions only")
    attributes = table("attributes")
    if attributes and data.get("kind") == "customers":
        fail("[attributes]", "are kept for interactions and complaints; customers have none")
    for name, value in attributes.items():
        if not ATTRIBUTE_NAME.fullmatch(name):
            fail(
                f"[attributes] {name!r}",
                "an attribute's name is letters, digits and _ (starting with a letter), "
                'e.g. company = "Company"',
            )
        text(f"[attributes] {name}", value)
    unpivot = table("unpivot")
    if unpivot:
        where = "[unpivot]"
        extra = set(unpivot) - {"value", "events"}
        if extra:
            fail(where, f"unknown key(s) {sorted(extra)}; use value and [[unpivot.events]]")
        if data.get("kind", "interactions") != "interactions":
            fail(where, "turns a row into events: it applies to interactions only")
        value = text(f"{where} value", unpivot.get("value"))
        scored = [c.name for c in EXPORT_TABLES["interactions"].data_columns if c.type != "VARCHAR"]
        scored = [c for c in scored if c != "ts"]
        if value not in scored:
            fail(f"{where} value", f"{value!r}: use one of {', '.join(scored)}")
        events = unpivot.get("events")
        if not (isinstance(events, list) and events):
            fail(where, "needs its events, one [[unpivot.events]] per column (column = ...)")
        if len(events) > 999:
            fail(where, "turns a row into at most 999 events")
        for i, event in enumerate(events, start=1):
            at = f"[[unpivot.events]] {i}"
            if not isinstance(event, dict):
                fail(at, f"must be a table, found {_kind_word(event)}")
            extra = set(event) - {"column", "activity", "stage"}
            if extra:
                fail(at, f"unknown key(s) {sorted(extra)}; use column, activity, stage")
            text(f"{at} column", event.get("column"))
            for key in ("activity", "stage"):
                if key in event:
                    text(f"{at} {key}", event[key])
        for name in ("activity", "stage", value):
            if name in table("columns") or name in table("constants"):
                fail(where, f"gives each event its {name}; do not map {name} under [columns]")
    for key, value in table("load").items():
        if key == "max_quarantined":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                fail("[load] max_quarantined", f"{value!r}: use a share from 0 to 1, e.g. 0.1")
            continue
        if key != "duplicates":
            fail(f"[load] {key}", "unknown key; use duplicates or max_quarantined")
        if value not in DUPLICATES:
            fail("[load] duplicates", f"{value!r}: use one of {', '.join(DUPLICATES)}")
        kind = data.get("kind")
        keys = [t.primary_key for n, t in EXPORT_TABLES.items() if kind in (None, n)]
        generated = [
            k for k in keys if isinstance(columns.get(k), dict) and columns[k].get("generate")
        ]
        if value == "keep" and not generated:
            key = keys[0] if len(keys) == 1 else "interaction_id"
            fail(
                "[load] duplicates",
                f'"keep" needs ids generated from the record ({key} = {{ generate = true }} '
                "under [columns]): an id read from the file is what tells rows apart, and a "
                "repeated one is quarantined",
            )
    pseudo = table("pseudonymize")
    for key, value in pseudo.items():
        if key == "columns":
            if not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
                fail("[pseudonymize] columns", "must be a list of column names")
        elif key == "key_env":
            text("[pseudonymize] key_env", value)
        else:
            fail(f"[pseudonymize] {key}", "unknown key; use columns, key_env")


def _kind_word(value: object) -> str:
    """How a TOML value is described in a message (never more than 40 characters of it)."""
    kind = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown[:40]}{'...' if len(shown) > 40 else ''})"


@functools.cache
def _checker() -> Any:
    """One in-memory DuckDB connection for checking mapping values (made on first use)."""
    import duckdb

    return duckdb.connect()


def _engine_check(sql: str, value: str, source: str, where: str, problem: str) -> object:
    """Ask DuckDB (in memory) whether ``value`` works in ``sql``; the first column's value."""
    import duckdb

    try:
        rows = _checker().execute(sql, {"v": value}).fetchall()
    except duckdb.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise MappingError(f"{source}: {where} = {value!r}: {problem} ({detail})") from None
    return rows[0][0] if rows else None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- compiling a mapping to SQL -----------------------------------------------------------------
@dataclass
class Compiled:
    """SQL text expressions per canonical column, over staging alias ``s``, with parameters."""

    raw: dict[str, str] = field(default_factory=dict)  # canonical -> VARCHAR expression
    masked: dict[str, str] = field(default_factory=dict)  # source column -> its pseudonym
    params: dict[str, object] = field(default_factory=dict)
    generated: set[str] = field(default_factory=set)

    def bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"


def compile_raw(
    mapping: Mapping, table: Table, header: list[str], path: Path
) -> tuple[Compiled, list[str]]:
    """Text expressions for each canonical column the mapping (or the header) supplies.

    Returns the compiled expressions and the source columns left unused. Raises LoadError
    for a missing required column or a source column the file does not have.
    """
    out = Compiled()
    names = {c.name for c in table.data_columns}
    supplied = set(header) | set(mapping.columns) | set(mapping.constants)
    _require(table, supplied if not mapping.is_identity else set(header), header, path, mapping)
    if mapping.is_identity:
        for name in header:
            if name not in names:
                close = table.closest_column(name)
                hint = f" Did you mean {close!r}?" if close else ""
                raise LoadError(
                    f"{path}: column {name!r} is not a column of {table.name}.{hint} Expected "
                    f"columns: {', '.join(c.name for c in table.data_columns)}. Rename it in "
                    f"the file, or write a mapping (`cycleanalytics mapping init {path}`)"
                )
        specs: dict[str, Any] = {n: n for n in header}
    else:
        specs = {n: s for n, s in mapping.columns.items() if n in names}
        for name in header:  # canonical names map to themselves unless mapped otherwise
            if name in names and name not in specs and name not in mapping.constants:
                specs[name] = name
    for name, spec in specs.items():
        out.raw[name] = _source_expr(out, spec, header, path, name, table, mapping.duplicates)
    if mapping.unpivot and table.name == "interactions":
        _unpivoted(out, mapping, header, path, table)
    if mapping.order_column and "source_row" in table.column_names:
        out.raw["source_row"] = _source_expr(
            out, mapping.order_column, header, path, "[order] column", table
        )
    for name, value in mapping.constants.items():
        if name in names:
            out.raw[name] = out.bind(value)
    for name, vmap in mapping.values.items():
        if name in out.raw:
            src = out.bind(list(vmap))
            dst = out.bind(list(vmap.values()))
            expr = out.raw[name]
            out.raw[name] = (
                f"CASE WHEN list_contains({src}, {expr}) "
                f"THEN {dst}[list_position({src}, {expr})] ELSE {expr} END"
            )
    if mapping.areas and "category" in out.raw:
        src = out.bind([normalize_label(k) for k in mapping.areas])
        dst = out.bind(list(mapping.areas.values()))
        expr = f"lower(trim({out.raw['category']}))"
        out.raw["category"] = (
            f"coalesce({dst}[list_position({src}, {expr})], {out.raw['category']})"
        )
    for name in list(out.raw):
        if name not in out.generated:
            out.raw[name] = _trimmed(out.raw[name])
    if mapping.pseudonymize:
        _pseudonymize(out, mapping)
    if mapping.attributes and "attributes" in table.column_names:
        values = []
        for name, column in mapping.attributes.items():
            expr = _source_expr(out, column, header, path, f"[attributes] {name}", table)
            values.append(out.masked.get(column, _trimmed(expr)))
        names = out.bind(list(mapping.attributes))
        out.raw["attributes"] = f"map({names}, [{', '.join(values)}])"
        out.generated.add("attributes")
    unused = [h for h in header if h not in mapping.used_sources() and h not in specs]
    return out, unused


def _unpivoted(
    out: Compiled, mapping: Mapping, header: list[str], path: Path, table: Table
) -> None:
    """The columns each event of an unpivoted row takes: its value (``s._val``, the listed
    column's), activity and stage (by the event's position ``s._ev``, see
    :func:`unpivot_relation`); ids get the event's position, three digits, so that events of
    one row sort as listed."""
    spec = mapping.unpivot
    for event in spec.events:  # type: ignore[union-attr]
        _source_expr(out, event.column, header, path, f"[[unpivot.events]] {event.column}", table)
    out.raw[spec.value] = "s._val"  # type: ignore[union-attr]
    labels = out.bind([e.activity for e in spec.events])  # type: ignore[union-attr]
    out.raw["activity"] = f"{labels}[s._ev + 1]"
    if any(e.stage for e in spec.events):  # type: ignore[union-attr]
        stages = out.bind([e.stage for e in spec.events])  # type: ignore[union-attr]
        out.raw["stage"] = f"{stages}[s._ev + 1]"
    if "interaction_id" in out.raw:
        event = "lpad(CAST(s._ev + 1 AS VARCHAR), 3, '0')"
        out.raw["interaction_id"] = f"({out.raw['interaction_id']}) || ':' || {event}"


def unpivot_relation(relation: str, mapping: Mapping) -> str:
    """SQL for ``relation`` (a source, alias-free) with each row repeated once per event of
    ``mapping``'s ``[unpivot]``: ``_ev`` (the event's position from 0) and ``_val`` (its
    column's value) added; ``_line`` stays the file's line."""
    spec = mapping.unpivot
    cols = ", ".join(f"s.{quote_ident(e.column)}" for e in spec.events)  # type: ignore[union-attr]
    n = len(spec.events)  # type: ignore[union-attr]
    return f"(SELECT s.*, unnest(range({n})) AS _ev, unnest([{cols}]) AS _val FROM {relation} s)"


def _trimmed(expr: str) -> str:
    """SQL for ``expr`` without surrounding spaces, NULL when nothing is left.

    For a plain column, trim only values that start or end with a space: trimming copies
    every value, and checking the ends is several times cheaper on a large file.
    """
    if re.fullmatch(r's\."(?:[^"]|"")*"', expr):
        return (
            f"CASE WHEN {expr} LIKE ' %' OR {expr} LIKE '% ' THEN nullif(trim({expr}), '') "
            f"ELSE nullif({expr}, '') END"
        )
    return f"nullif(trim({expr}), '')"


def _require(
    table: Table, present: set[str], header: list[str], path: Path, mapping: Mapping
) -> None:
    for column in table.data_columns:
        session = column.name == "case_id" and mapping.session_gap
        if column.required and column.name not in present and not session:
            candidates = [h for h in header if table.closest_column(h) == column.name]
            hint = (
                f" The file has {candidates[0]!r}: rename it to {column.name!r}, or map it "
                f"under [columns] ({column.name} = {candidates[0]!r})."
                if candidates
                else f' Map a source column to it under [columns] ({column.name} = "...").'
            )
            raise LoadError(
                f"{path}: required column {column.name!r} is missing.{hint} The file's columns "
                f"are: {', '.join(header)}"
            )


def _source_expr(
    out: Compiled,
    spec: Any,
    header: list[str],
    path: Path,
    name: str,
    table: Table,
    duplicates: str = "quarantine",
) -> str:
    def col(source: str) -> str:
        if source not in header:
            import difflib

            close = difflib.get_close_matches(source, header, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise LoadError(
                f"{path}: the mapping reads column {source!r} for {name!r}, but the file has no "
                f"such column.{hint} The file's columns are: {', '.join(header)}"
            )
        return f"s.{quote_ident(source)}"

    if isinstance(spec, str):
        return col(spec)
    if "column" in spec:
        return col(spec["column"])
    if "concat" in spec:
        parts = ", ".join(col(c) for c in spec["concat"])
        return f"concat_ws({out.bind(spec.get('sep', ' '))}, {parts})"
    out.generated.add(name)
    # a generated id: the same record gives the same id, in this file and in later exports
    record = "md5(to_json([" + ", ".join(f"s.{quote_ident(h)}" for h in header) + "]))"
    if duplicates == "keep":
        # each row its own event: the record's hash, then the file's name and the row, so
        # exact duplicates get ids of their own (and the hash still tells them apart)
        return f"{record} || ':' || {out.bind(path.name)} || ':' || s._line"
    return record


def _pseudonymize(out: Compiled, mapping: Mapping) -> None:
    """Replace columns by their HMAC-SHA256 under a key from the environment (never stored)."""
    key = os.environ.get(mapping.key_env)
    if not key:
        raise LoadError(
            f"{mapping.source}: [pseudonymize] needs a key in the environment variable "
            f"{mapping.key_env}; set it (and keep it: the same key gives the same pseudonyms)"
        )
    import hashlib

    raw = key.encode("utf-8")
    if len(raw) > 64:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    ipad = out.bind(bytes(b ^ 0x36 for b in raw))
    opad = out.bind(bytes(b ^ 0x5C for b in raw))

    def hmac(expr: str) -> str:
        return (
            f"CASE WHEN {expr} IS NULL THEN NULL ELSE "
            f"sha256({opad} || from_hex(sha256({ipad} || encode({expr})))) END"
        )

    for name in mapping.pseudonymize:
        if name in out.raw:
            out.raw[name] = hmac(out.raw[name])
        # the source columns it is made from: pseudonymised in quarantined records too
        spec = mapping.columns.get(name, name)
        if isinstance(spec, dict):
            sources = [spec["column"]] if "column" in spec else list(spec.get("concat", ()))
        else:
            sources = [spec]
        for column in sources:
            out.masked[column] = hmac(_trimmed(f"s.{quote_ident(column)}"))


def stage_expr(out: Compiled, mapping: Mapping, model: CycleModel, activity: str) -> str:
    """SQL giving the stage of ``activity`` (text without surrounding spaces): the mapping's
    rules in order, then the model's aliases.

    Case-insensitive rules and aliases compare the label as :func:`normalize_label` writes
    it. Most labels need only lower case: the costly collapsing of white space runs for
    labels that have some to collapse, and aliases are looked up in a map.
    """
    white = ("'  '", "chr(9)", "chr(10)", "chr(12)", "chr(13)")  # the white space \s matches
    messy = " OR ".join(f"contains({activity}, {w})" for w in white)
    norm = (
        f"lower(CASE WHEN {messy} THEN trim(regexp_replace({activity}, '\\s+', ' ', 'g')) "
        f"ELSE {activity} END)"
    )
    whens = []
    for rule in mapping.stage_rules:
        value = "NULL" if rule.stage is None else out.bind(rule.stage)
        if rule.how == "exact":
            whens.append(f"WHEN {activity} = {out.bind(rule.pattern)} THEN {value}")
        elif rule.how == "ignore_case":
            whens.append(f"WHEN {norm} = {out.bind(rule.pattern)} THEN {value}")
        else:
            whens.append(f"WHEN regexp_matches({activity}, {out.bind(rule.pattern)}) THEN {value}")
    fallback = "NULL"
    if mapping.use_aliases:
        aliases = model.alias_map()
        fallback = f"map({out.bind(list(aliases))}, {out.bind(list(aliases.values()))})[{norm}]"
    if not whens:
        return fallback
    return f"CASE {' '.join(whens)} ELSE {fallback} END"
