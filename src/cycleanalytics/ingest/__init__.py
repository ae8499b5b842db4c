"""Getting exports into the store: read, map, validate, quarantine, load; one transaction.

One module per job: :mod:`.readers` (formats), :mod:`.mapping` (mapping files),
:mod:`.validate` (rules), :mod:`.load` (the transaction), :mod:`.quarantine` (what was
rejected), :mod:`.preview` (``mapping init`` and ``mapping check``).
"""

from cycleanalytics.ingest.load import FileLoad, LoadResult, load
from cycleanalytics.ingest.mapping import Mapping, read_mapping
from cycleanalytics.ingest.preview import MappingCheck, check_mapping, draft_mapping
from cycleanalytics.ingest.quarantine import quarantined

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
