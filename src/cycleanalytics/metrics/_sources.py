"""The one door from a metric's ``source`` argument to the tables it reads.

A source is a :class:`~cycleanalytics.Store`, a :class:`~cycleanalytics.spark.SparkStore`, any
object with ``.table(name)`` returning an Ibis table, or one Ibis table of canonical
interactions or complaints. :func:`segment_source` narrows a store to one customer segment;
every registered metric applies it for its ``segment`` filter (see ``_registry``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from cycleanalytics.errors import MetricError, StoreError
from cycleanalytics.metrics._common import as_list

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

__all__ = ["SegmentSource", "segment_source"]

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
