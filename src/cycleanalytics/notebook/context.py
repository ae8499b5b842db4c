"""The report context: a report's parameters resolved once (period, comparison, filters,
language).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cycleanalytics.notebook.data import outcome_source
from cycleanalytics.periods import ReportPeriod

if TYPE_CHECKING:
    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store


def period_text(start: str | date | None, end: str | date | None) -> str | None:
    """The metrics' ``period`` from a report's ``period_start`` and ``period_end``, both days
    included (as the metrics read them).

    >>> period_text("2026-01-01", "2026-03-31")
    '2026-01-01..2026-03-31'
    >>> period_text(None, None) is None
    True
    """
    if not start and not end:
        return None
    first = date.fromisoformat(str(start)).isoformat() if start else ""
    last = date.fromisoformat(str(end)).isoformat() if end else ""
    return f"{first}..{last}"


@dataclass(frozen=True)
class ReportContext:
    """A report's resolved parameters: period and comparison period (whole days), filters,
    cycle model and language. Build it with :func:`report_context` from the parameters cell.

    Examples
    --------
    >>> ctx = report_context(period="2026-03", comparison="previous", language="ms")
    >>> ctx.metric_period, ctx.comparison_metric_period
    ('2026-03-01..2026-03-31', '2026-02-01..2026-02-28')
    >>> ctx.period_label
    '2026-03-01 hingga 2026-03-31'
    """

    period: ReportPeriod | None
    comparison: ReportPeriod | None
    segment: str | None
    channel: str | None
    model: str | None
    language: str
    open_period: str | None = None  # a period open at one end (period_start or period_end only)
    where: dict[str, list[str]] | None = None  # the metrics' attribute filter, {name: [values]}

    @cached_property
    def cycle_model(self) -> CycleModel:
        """The cycle model ``model`` names (the five-stage model for ``None``), read once: the
        report's helpers take it to name stages as the model does in the report's language.

        >>> report_context(language="id").cycle_model.stage("follow_up").label_in("id")
        'Tindak lanjut'
        """
        from cycleanalytics.model import resolve_model

        return resolve_model(self.model)

    @property
    def metric_period(self) -> str | None:
        return self.period.metric_period() if self.period else self.open_period

    @property
    def comparison_metric_period(self) -> str | None:
        return self.comparison.metric_period() if self.comparison else None

    @property
    def period_label(self) -> str:
        from cycleanalytics.i18n import t

        if self.period is None:
            if self.open_period:
                from cycleanalytics.metrics import Period

                return Period.parse(self.open_period).label()
            return t("header.all_data", self.language)
        return self.period.label(t("word.to", self.language))

    def source(self, store: Store) -> Any:
        """What metrics read: the store, narrowed to the chosen segment and to the data whose
        attributes match ``where`` (the metrics' own filters, applied once for every metric
        of the report)."""
        return self.attributes(outcome_source(store, self.segment))

    def attributes(self, source: Any) -> Any:
        """``source`` narrowed by ``where`` only, for calls that take the segment as an
        argument of their own (the executive summary's KPIs); ``source`` without ``where``."""
        from cycleanalytics.metrics._sources import where_source

        return where_source(source, self.where)


def report_context(
    *,
    period: str | None = None,
    as_of: str | date | None = None,
    comparison: str = "previous",
    segment: str | None = None,
    channel: str | None = None,
    model: str | None = None,
    language: str = "en",
    period_start: str | None = None,
    period_end: str | None = None,
    where: Any = None,
) -> ReportContext:
    """Resolve a report's parameters (as the driver injects them, or as typed in JupyterLab).

    ``period`` may be rolling (``last_month``...; resolved against ``as_of``, default today)
    or explicit; ``period_start``/``period_end`` are the older explicit form. Without a
    period, the report covers all data and compares with nothing. ``where`` filters by the
    attributes a mapping kept: ``{"company": ["Acme"]}`` or ``"company=Acme; product=Loan"``.
    """
    from cycleanalytics.i18n import check_language
    from cycleanalytics.periods import comparison_period, resolve_period

    check_language(language)
    resolved: ReportPeriod | None = None
    if period:
        resolved = resolve_period(period, as_of=as_of)
    elif period_start and period_end:
        resolved = ReportPeriod(
            date.fromisoformat(str(period_start)), date.fromisoformat(str(period_end))
        )
    before = comparison_period(resolved, comparison) if resolved else None
    open_period = None if resolved else period_text(period_start, period_end)
    if isinstance(where, str):
        from cycleanalytics.metrics._sources import where_from_pairs

        where = where_from_pairs([p for p in where.split(";") if p.strip()])
    return ReportContext(
        resolved, before, segment, channel, model, language, open_period, where or None
    )
