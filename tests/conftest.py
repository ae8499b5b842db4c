from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import cycleanalytics as ca

DATA = Path(__file__).parent / "data"


@pytest.fixture
def store() -> Iterator[ca.Store]:
    """An empty in-memory store."""
    with ca.Store() as s:
        yield s


@pytest.fixture
def funnel_store(store: ca.Store) -> ca.Store:
    """The hand-computed funnel fixture of tests/data (eleven cases, see test_funnel.py)."""
    ca.load(store, [DATA / "funnel_customers.csv", DATA / "funnel_cases.csv"], kind=None)
    return store


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file loaded with the committed sample in data/sample (read it, do not write)."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    with ca.Store(path) as s:
        ca.load(s, ca.sample_dir())
    return path
