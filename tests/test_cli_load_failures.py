"""A failed `cycleanalytics load` leaves the disk as it was: exit code 4, the reason, no file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main

EVENTS = "id,case,time,act\n1,a,2026-01-01T00:00:00Z,call\n"
MAPPING = """kind = "interactions"
[columns]
interaction_id = "id"
case_id = "case"
customer_id = "case"
ts = "time"
activity = "act"
[[stages]]
regex = "([unclosed"
stage = "initial_interaction"
"""


def _load(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["load", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stderr


@pytest.fixture
def files(tmp_path):
    (tmp_path / "events.csv").write_text(EVENTS)
    (tmp_path / "bad.toml").write_text(MAPPING)
    (tmp_path / "complaints.csv").write_text(
        "complaint_id,customer_id,opened_at,csat_after\nk1,c1,2026-01-01T00:00:00Z,24540\n"
    )
    return tmp_path


def test_a_bad_regex_is_refused_before_a_database_exists(files):
    db = files / "new.duckdb"
    code, err = _load(files / "events.csv", "--mapping", files / "bad.toml", "--db", db)
    assert code == 4
    assert "stages rule 1 (regex)" in " ".join(err.split())
    assert not db.exists() and not (files / "new.duckdb.wal").exists()


def test_a_load_that_loads_nothing_removes_the_database_it_created(files):
    db = files / "new.duckdb"
    code, err = _load(files / "complaints.csv", "--kind", "complaints", "--db", db)
    text = " ".join(err.split())
    assert code == 4
    assert "every row would be quarantined" in text
    assert "(1 row, first at line 2)" in text  # one row, not "1 rows"
    assert "csat_after" in text
    assert not db.exists()


def test_a_failed_load_keeps_an_existing_database_as_it_was(files):
    db = files / "kept.duckdb"
    good = files / "good.csv"
    good.write_text(
        "interaction_id,case_id,customer_id,ts,stage\ni1,k1,c1,2026-01-01T00:00:00Z,follow_up\n"
    )
    assert _load(good, "--db", db)[0] == 0
    code, _ = _load(files / "complaints.csv", "--kind", "complaints", "--db", db)
    assert code == 4
    with ca.Store(db, read_only=True) as store:
        assert store.counts()["interactions"] == 1
        assert store.counts()["complaints"] == 0
