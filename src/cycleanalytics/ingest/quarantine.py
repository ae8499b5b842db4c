"""What was rejected, and why: reading the ``quarantine`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cycleanalytics.errors import LoadError
from cycleanalytics.store import first_row

if TYPE_CHECKING:
    from cycleanalytics.store import Store


def quarantined(
    store: Store, *, load_id: int | None = None, limit: int | None = None
) -> pd.DataFrame:
    """The rejected rows, one per row: ``load_id``, ``file``, ``line``, ``reason``, ``record``.

    Parameters
    ----------
    store
        The store to read.
    load_id
        Only rows rejected by this load (see the ``loads`` table); all loads by default.
    limit
        At most this many rows, in load and line order.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> from cycleanalytics.ingest.quarantine import quarantined
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     len(quarantined(store))
    0
    """
    if load_id is not None:
        known = first_row(store.con, "SELECT count(*) FROM loads WHERE load_id = ?", [load_id])
        if known[0] == 0:
            raise LoadError(
                f"no load {load_id} in this database; `cycleanalytics quarantine --db ...` "
                "without --load lists every load's rejected rows"
            )
    df = store.con.execute(
        "SELECT load_id, file, line, reason, record FROM quarantine "
        "WHERE $load IS NULL OR load_id = $load ORDER BY load_id, line LIMIT $limit",
        {"load": load_id, "limit": limit if limit is not None else 2**62},
    ).df()
    df.attrs["load_id"] = load_id
    return df
