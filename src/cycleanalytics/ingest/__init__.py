"""Getting exports into the store: read, map, validate, quarantine, load; one transaction.

One module per job: :mod:`.readers` (formats), :mod:`.mapping` (mapping files),
:mod:`.validate` (rules), :mod:`.load` (the transaction), :mod:`.quarantine` (what was
rejected), :mod:`.preview` (``mapping init`` and ``mapping check``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cycleanalytics.ingest.load import FileLoad, LoadResult, load
from cycleanalytics.ingest.mapping import Mapping, read_mapping

if TYPE_CHECKING:
    from cycleanalytics.ingest.preview import MappingCheck, check_mapping, draft_mapping
    from cycleanalytics.ingest.quarantine import quarantined

# pandas-based, imported on first use: a load from the command line does without pandas.
_LAZY = {
    "MappingCheck": "cycleanalytics.ingest.preview",
    "check_mapping": "cycleanalytics.ingest.preview",
    "draft_mapping": "cycleanalytics.ingest.preview",
    "quarantined": "cycleanalytics.ingest.quarantine",
}


def __getattr__(name: str) -> object:
    import importlib

    if name not in _LAZY:
        raise AttributeError(f"module 'cycleanalytics.ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "FileLoad",
    "LoadResult",
    "Mapping",
    "MappingCheck",
    "check_mapping",
    "draft_mapping",
    "load",
    "quarantined",
    "read_mapping",
]
