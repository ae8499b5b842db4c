"""What every measure means, said once: thresholds, scopes and the result contract.

A number a user sees comes from one registered metric. Each metric declares its **scope**: what
its ``period`` filter is applied to (``time``), what its ``channel`` filter is applied to
(``channel``) and which rows or cases it counts (``population``). Where two scopes are both
useful (answers given in June, or answers within journeys that started in June) the metric
offers both by name through its ``basis`` option and never mixes them.

Every metric's DataFrame carries the same ``attrs`` (the **result contract**, checked by a test
that iterates the registry):

- ``definition``: name, summary, unit, the scope as applied (``basis``, ``time_basis``,
  ``channel_basis``, ``population``);
- ``filters``: the arguments as applied, after defaults (periods as their label, durations in
  hours);
- ``rows_used``: how many rows or cases the numbers are computed on;
- ``rows_excluded``: ``{reason: count}`` for rows or cases of the filtered population left out
  (no rating, not yet judged, ...);
- ``as_of``: the data's as-of time the metric used (ISO text), or None when it uses none;
- ``confidence``: the level of its intervals, or None;
- ``missing``: ``{measure: reason}`` for measures that could not be computed from the data
  (no cost column, no complaints table, nothing resolved): those values are missing, never 0.

Examples
--------
>>> THRESHOLDS.csat_top_box, THRESHOLDS.nps_promoter, THRESHOLDS.nps_detractor
(4, 9, 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "CONTRACT_KEYS",
    "THRESHOLDS",
    "Scope",
    "Thresholds",
    "plain_value",
]


@dataclass(frozen=True)
class Thresholds:
    """The score thresholds every measure shares (DESIGN §3)."""

    csat_top_box: int = 4
    """Lowest CSAT (1-5) counted as satisfied (the top box: 4-5)."""
    nps_promoter: int = 9
    """Lowest likelihood-to-recommend (0-10) of a promoter (9-10)."""
    nps_detractor: int = 6
    """Highest likelihood-to-recommend of a detractor (0-6)."""
    csat_dissatisfied: int = 2
    """Highest CSAT of a dissatisfied answer (1-2): such a case needs recovery."""


THRESHOLDS = Thresholds()

#: Time bases: what a metric's ``period`` is applied to.
CASE_START = "case start (the time of the case's first event)"
EVENT_TIME = "event time (the time of each interaction)"
COMPLAINT_OPENED = "complaint opened (the time each complaint was opened)"
#: Channel bases: what a metric's ``channel`` is applied to.
ENTRY_CHANNEL = "entry channel (the channel of the case's first event)"
EVENT_CHANNEL = "event channel (the channel of each interaction)"
FUNNEL_ENTRY_CHANNEL = "entry channel (the channel of the event the case entered the funnel with)"
COMPLAINT_CHANNEL = "complaint channel (the channel each complaint came through)"


PERIOD_END = "period end (each end of a grain period inside the period, and the as-of time)"
TRIGGER_TIME = "trigger time (when the answer or complaint that calls for a follow-up came)"
TRIGGER_CHANNEL = "trigger channel (the channel of that answer or complaint)"
#: For a table given as it is (a survey export): the filters do not apply to it.
NOT_FILTERED = "none (a table given as it is: filter the table itself)"

#: Short keys of the bases, for wording in every language (the reports' catalogue has
#: ``counted.time.<key>``, ``counted.channel.<key>`` and ``counted.population.<counts>``).
BASIS_KEYS = {
    CASE_START: "case_start",
    EVENT_TIME: "event_time",
    COMPLAINT_OPENED: "complaint_opened",
    PERIOD_END: "period_end",
    TRIGGER_TIME: "trigger_time",
    TRIGGER_CHANNEL: "trigger_channel",
    NOT_FILTERED: "none",
    ENTRY_CHANNEL: "entry_channel",
    FUNNEL_ENTRY_CHANNEL: "entry_channel",
    EVENT_CHANNEL: "event_channel",
    COMPLAINT_CHANNEL: "complaint_channel",
}
#: What a metric counts, in one word.
COUNTS = ("cases", "answers", "complaints", "events", "respondents")


@dataclass(frozen=True)
class Scope:
    """What a metric's filters mean: ``time`` is what ``period`` selects on, ``channel`` what
    ``channel`` selects on, ``population`` which rows or cases are counted, and ``counts`` the
    unit of count in one word (one of :data:`COUNTS`)."""

    time: str
    channel: str
    population: str
    counts: str = "cases"

    def __post_init__(self) -> None:
        for basis in (self.time, self.channel):
            if basis not in BASIS_KEYS:
                raise ValueError(f"declare bases with this module's constants, not {basis!r}")
        if self.counts not in COUNTS:
            raise ValueError(f"counts must be one of {COUNTS}, not {self.counts!r}")

    def as_dict(self) -> dict[str, str]:
        return {
            "time_basis": self.time,
            "channel_basis": self.channel,
            "population": self.population,
            "time_key": BASIS_KEYS[self.time],
            "channel_key": BASIS_KEYS[self.channel],
            "counts": self.counts,
        }


CONTRACT_KEYS = (
    "definition",
    "filters",
    "rows_used",
    "rows_excluded",
    "as_of",
    "confidence",
    "missing",
)


def plain_value(value: Any) -> Any:
    """An argument as the result contract records it: text, numbers, lists and dicts only
    (durations in hours, times in ISO text, periods and models by their label)."""
    from cycleanalytics.metrics._common import Period

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, timedelta):
        return {"value": value.total_seconds() / 3600, "unit": "hours"}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Period):
        return value.label()
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_value(v) for v in value]
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value)


def definitions_markdown() -> str:
    """``docs/definitions.md``: every registered metric's unit, scope, refused filters and
    options, from the declarations in the registry (``docs/generate_definitions.py`` writes it;
    a test keeps it current)."""
    from cycleanalytics.metrics import REGISTRY

    lines = [
        "# Metric definitions",
        "",
        "Generated from the metric registry by `docs/generate_definitions.py`; do not edit by "
        "hand. Every number in a report, a KPI tile, a sentence or `cycleanalytics metric` "
        "comes from one of these metrics, and carries its definition in `df.attrs` "
        "(`definition`, `filters`, `rows_used`, `rows_excluded`, `as_of`, `confidence`, "
        "`missing`).",
        "",
        "Shared thresholds: CSAT top box "
        f"{THRESHOLDS.csat_top_box}-5 of 5; NPS promoters {THRESHOLDS.nps_promoter}-10 and "
        f"detractors 0-{THRESHOLDS.nps_detractor}; a dissatisfied CSAT answer is "
        f"1-{THRESHOLDS.csat_dissatisfied}.",
        "",
        "Shared filters, in every metric unless it refuses them by name: `period` (days as "
        "people write them, both ends included: `2026-06-01..2026-06-30`, `2026-06`, `2026-Q2`, "
        "`2026`, `last_month`), `channel`, `segment` (customers of that segment, from the "
        "customers table), `where` (the cases and complaints carrying attribute values, below) "
        "and `by`. What `period` and `channel` select on is the metric's "
        "*time basis* and *channel basis* below. A measure whose inputs are absent is missing "
        "(with the reason in `attrs['missing']`), never 0.",
        "",
        "Attributes (a mapping's `[attributes]`, docs/mappings.md): `by` takes an attribute's "
        'name where no column has it (`by="company"`), or `attr.NAME` always; rows without '
        "it are a missing group. An event's attribute breaks a case down by its value at the "
        'case\'s first event. `where={"company": "Bank of America"}` (a list is any of '
        "its values; several names must all hold on the same row) keeps a complaint carrying "
        "it, or whose case carries it, and every event of a case one of whose events or "
        "complaints carries it: cases stay whole. Names are checked against the attributes "
        "present; values are bound, never query text.",
        "",
    ]
    for name in sorted(REGISTRY):
        spec = REGISTRY[name]
        lines += [f"## `{name}`", "", spec.summary, "", f"- **Unit**: {spec.unit}"]
        for basis, scope in spec.scopes.items():
            label = "" if len(spec.scopes) == 1 else f" (`basis={basis!r}`)"
            lines += [
                f"- **Time basis{label}**: {scope.time}",
                f"- **Channel basis{label}**: {scope.channel}",
                f"- **Population{label}**: {scope.population}",
            ]
        for key, why in spec.refuses.items():
            lines.append(f"- **Refuses `{key}`**: {why}")
        for option in spec.options:
            default = "" if option.default is None else f" (default `{option.default}`)"
            lines.append(f"- Option `{option.name}`{default}: {option.help}")
        lines.append("")
    return "\n".join(lines)
