"""Getting exports into the store: read, check, load, all in one transaction."""

from cycleanalytics.ingest.load import FileLoad, LoadResult, load

__all__ = ["FileLoad", "LoadResult", "load"]
