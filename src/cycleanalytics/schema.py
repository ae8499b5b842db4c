"""The canonical tables (DESIGN §2): their columns, types, constraints and DDL.

Columns are described once here, as data; the store creates tables from them and the loader
uses them to know which columns an export must have and what type each value must parse to.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

#: Columns the loader fills itself (the attributes from a mapping's [attributes]), never read
#: from an export as they are.
BOOKKEEPING = ("load_id", "source_row", "attributes")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    check: str | None = None
    doc: str = ""
    synonyms: tuple[str, ...] = ()  # names other exports use, for "did you mean" hints
    scale: tuple[int, int] | None = None  # the canonical range of a score, for rescaling

    def ddl(self) -> str:
        parts = [self.name, self.type]
        if self.required:
            parts.append("NOT NULL")
        if self.check:
            parts.append(f"CHECK ({self.check})")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    doc: str = ""
    loadable: bool = True  # filled from exports (False for bookkeeping tables)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns an export provides (bookkeeping columns such as load_id left out)."""
        return tuple(c for c in self.columns if c.name not in BOOKKEEPING)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def closest_column(self, name: str) -> str | None:
        """The canonical column a foreign column name most likely means, if any."""
        key = name.strip().lower()
        for column in self.data_columns:
            if key in column.synonyms:
                return column.name
        close = difflib.get_close_matches(key, [c.name for c in self.data_columns], n=1)
        return close[0] if close else None

    def ddl(self) -> str:
        """The CREATE TABLE statement.

        ``primary_key`` is the table's logical key, kept unique by the loader (duplicates in a
        file are quarantined, ids already stored are skipped or updated). It is deliberately
        not declared as a DuckDB PRIMARY KEY: that index must fit in memory, which would put
        a floor of several hundred MB under every load of a large table (10M interactions)
        and slow bulk loads down.
        """
        body = [c.ddl() for c in self.columns]
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n    " + ",\n    ".join(body) + "\n)"


INTERACTIONS = Table(
    "interactions",
    (
        Column(
            "interaction_id",
            "VARCHAR",
            required=True,
            doc="unique id of the event",
            synonyms=("event_id", "id", "row_id"),
        ),
        Column(
            "case_id",
            "VARCHAR",
            required=True,
            doc="one journey through the cycle",
            synonyms=("case", "ticket_id", "ticket", "session_id", "journey_id"),
        ),
        Column(
            "customer_id",
            "VARCHAR",
            required=True,
            synonyms=("customer", "client_id", "user_id", "account_id"),
        ),
        Column(
            "ts",
            "TIMESTAMPTZ",
            required=True,
            doc="when it happened, stored in UTC",
            synonyms=("timestamp", "time", "datetime", "date", "event_time", "created_at"),
        ),
        Column("stage", "VARCHAR", doc="stage id, NULL when the activity maps to no stage"),
        Column(
            "activity",
            "VARCHAR",
            doc="the raw activity label",
            synonyms=("event", "action", "activity_name", "concept:name"),
        ),
        Column("channel", "VARCHAR"),
        Column("agent_id", "VARCHAR"),
        Column("duration_s", "DOUBLE", check="duration_s >= 0"),
        Column("cost", "DOUBLE", check="cost >= 0"),
        Column(
            "csat",
            "TINYINT",
            check="csat BETWEEN 1 AND 5",
            doc="1-5",
            scale=(1, 5),
        ),
        Column(
            "nps",
            "TINYINT",
            check="nps BETWEEN 0 AND 10",
            doc="0-10",
            scale=(0, 10),
        ),
        Column(
            "ces",
            "TINYINT",
            check="ces BETWEEN 1 AND 7",
            doc="1-7",
            scale=(1, 7),
        ),
        Column("load_id", "BIGINT"),
        Column(
            "source_row",
            "BIGINT",
            doc="the record's position in its file (with load_id, the file): the order the "
            "source wrote events in, which breaks ties in time; or the mapping's [order] column. "
            "NULL for events loaded before it was kept",
        ),
        Column(
            "attributes",
            "MAP(VARCHAR, VARCHAR)",
            doc="source columns a mapping keeps under [attributes], by name (text values)",
        ),
    ),
    primary_key="interaction_id",
    doc="one row per recorded customer interaction (an event of a case)",
)

COMPLAINTS = Table(
    "complaints",
    (
        Column("complaint_id", "VARCHAR", required=True),
        Column("customer_id", "VARCHAR", required=True),
        Column("case_id", "VARCHAR"),
        Column("opened_at", "TIMESTAMPTZ", required=True),
        Column("first_response_at", "TIMESTAMPTZ", check="first_response_at >= opened_at"),
        Column("resolved_at", "TIMESTAMPTZ", check="resolved_at >= opened_at", doc="NULL: open"),
        Column("category", "VARCHAR", doc="complaint area"),
        Column("severity", "VARCHAR"),
        Column("channel", "VARCHAR"),
        Column(
            "recovery_action",
            "VARCHAR",
            check="recovery_action IN "
            "('refund', 'discount', 'extra_service', 'apology', 'replacement', 'none')",
        ),
        Column("reopened", "BOOLEAN"),
        Column(
            "closed",
            "BOOLEAN",
            doc="closed by a status (e.g. the company's response) where no resolved_at is "
            "recorded: counts as resolved, with no resolution time",
        ),
        Column("csat_after", "TINYINT", check="csat_after BETWEEN 1 AND 5", scale=(1, 5)),
        Column("text", "VARCHAR", doc="free text: personal data, never shown in reports"),
        Column("load_id", "BIGINT"),
        Column(
            "attributes",
            "MAP(VARCHAR, VARCHAR)",
            doc="source columns a mapping keeps under [attributes], by name (text values)",
        ),
    ),
    primary_key="complaint_id",
    doc="one row per complaint or claim",
)

CUSTOMERS = Table(
    "customers",
    (
        Column("customer_id", "VARCHAR", required=True),
        Column("segment", "VARCHAR"),
        Column("region", "VARCHAR"),
        Column("first_seen", "TIMESTAMPTZ"),
        Column("churned_at", "TIMESTAMPTZ"),
        Column("load_id", "BIGINT"),
    ),
    primary_key="customer_id",
    doc="optional customer attributes",
)

LOADS = Table(
    "loads",
    (
        Column("load_id", "BIGINT", required=True),
        Column("file", "VARCHAR", required=True),
        Column("sha256", "VARCHAR", required=True),
        Column("kind", "VARCHAR", required=True, doc="the table the file was loaded into"),
        Column("mapping", "VARCHAR", doc="mapping file used, NULL for canonical exports"),
        Column("rows_read", "BIGINT", required=True),
        Column("rows_loaded", "BIGINT", required=True),
        Column("rows_quarantined", "BIGINT", required=True),
        Column("rows_skipped", "BIGINT", required=True, doc="already present, kept as they were"),
        Column("rows_updated", "BIGINT", doc="already present, replaced (policy 'update')"),
        Column("policy", "VARCHAR", doc="what was done with ids already present: keep, update"),
        Column("started_at", "TIMESTAMPTZ", required=True),
        Column("finished_at", "TIMESTAMPTZ", required=True),
        Column(
            "identity",
            "VARCHAR",
            doc="SHA-256 of the mapping's content and the model used: with sha256, what "
            "identifies a load (NULL for loads recorded before it was kept)",
        ),
    ),
    primary_key="load_id",
    loadable=False,
    doc="one row per loaded file",
)

QUARANTINE = Table(
    "quarantine",
    (
        Column("load_id", "BIGINT", required=True),
        Column("file", "VARCHAR", required=True),
        Column("line", "BIGINT", doc="line number in the file, header is line 1"),
        Column("record", "VARCHAR", doc="the raw record, as JSON"),
        Column("reason", "VARCHAR", required=True),
    ),
    loadable=False,
    doc="every rejected row and why",
)

#: Predicted complaint areas (cycleanalytics.classify). Not a canonical table: a store gets it
#: on the first `classify` run, and a database without it still opens (reports say "none").
COMPLAINT_PREDICTIONS = Table(
    "complaint_predictions",
    (
        Column("complaint_id", "VARCHAR", required=True),
        Column("predicted_area", "VARCHAR", required=True, doc="an area, or 'unclassified'"),
        Column("probability", "DOUBLE", check="probability BETWEEN 0 AND 1"),
        Column("language", "VARCHAR", doc="detected language: en, id or ms"),
        Column("model_id", "VARCHAR", required=True),
        Column("threshold", "DOUBLE", doc="abstained below this probability"),
        Column("predicted_at", "TIMESTAMPTZ", required=True),
    ),
    primary_key="complaint_id",
    loadable=False,
    doc="one row per complaint without a recorded area, with the model's area for it",
)

#: Columns added to a table after databases were first made: (table, column). Opening a store
#: for writing adds them to an older database (NULL in the rows it holds already).
ADDED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("loads", "identity"),
    ("interactions", "source_row"),
    ("complaints", "closed"),
    ("interactions", "attributes"),
    ("complaints", "attributes"),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (INTERACTIONS, COMPLAINTS, CUSTOMERS, LOADS, QUARANTINE)
}
EXPORT_TABLES: dict[str, Table] = {name: t for name, t in TABLES.items() if t.loadable}
