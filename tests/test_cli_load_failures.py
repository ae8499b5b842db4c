"""A failed `cycleanalytics load` leaves the disk as it was: exit code 4, the reason and the
setting that fixes it, shown literally (``[timestamps]`` is a mapping section, not markup),
the database byte for byte as before, and no file when the load would have created it (#13).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.errors import MappingError

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


def _load(*args: object, command: tuple[str, ...] = ("load",)) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*command, *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stderr


def _flat(text: str) -> str:
    """The message on one line (the terminal wraps it)."""
    return " ".join(text.split())


def _existing_db(folder: Path) -> tuple[Path, bytes]:
    """A database holding one interaction, and its bytes."""
    db = folder / "kept.duckdb"
    good = folder / "good.csv"
    good.write_text(
        "interaction_id,case_id,customer_id,ts,stage\ni1,k1,c1,2026-01-01T00:00:00Z,follow_up\n"
    )
    assert _load(good, "--db", db)[0] == 0
    return db, db.read_bytes()


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


# -- a forgotten timestamp format --------------------------------------------------------------
DAY_FIRST = "id,case,time,act\n1,a,05/01/2026 10:00,call\n2,a,06/01/2026 11:00,mail\n"
NO_FORMAT = MAPPING.split("[[stages]]")[0]  # the columns, and no [timestamps] section


@pytest.fixture
def day_first(tmp_path):
    (tmp_path / "day_first.csv").write_text(DAY_FIRST)
    (tmp_path / "no_format.toml").write_text(NO_FORMAT)
    return tmp_path / "day_first.csv", tmp_path / "no_format.toml"


def test_a_forgotten_timestamp_format_names_the_setting_and_leaves_no_file(tmp_path, day_first):
    data, mapping = day_first
    db = tmp_path / "new.duckdb"
    code, err = _load(data, "--mapping", mapping, "--db", db)
    text = _flat(err)
    assert code == 4
    assert "every row would be quarantined (the limit is 50%), so nothing was loaded" in text
    # the commonest reason, with its count and first line, then the setting that fixes it
    assert (
        "Commonest reason (2 rows, first at line 2): line 2, column 'ts': found "
        "'05/01/2026 10:00', expected a timestamp such as 2026-01-31T14:05:00Z" in text
    )
    assert "Fix: set the timestamps' format under [timestamps] in a mapping" in text
    assert '(format = "%d/%m/%Y %H:%M", strptime codes)' in text
    assert not db.exists() and not Path(f"{db}.wal").exists()


def test_a_forgotten_timestamp_format_leaves_an_existing_database_byte_for_byte(
    tmp_path, day_first
):
    db, before = _existing_db(tmp_path)
    code, err = _load(*day_first[:1], "--mapping", day_first[1], "--db", db)
    assert code == 4 and "[timestamps]" in err
    assert db.read_bytes() == before
    with ca.Store(db, read_only=True) as store:
        assert store.counts()["interactions"] == 1
        assert store.con.execute("SELECT count(*) FROM loads").fetchone() == (1,)


# -- markup in messages: shown as written ------------------------------------------------------
def test_bracketed_names_in_messages_are_shown_literally(tmp_path):
    data = tmp_path / "odd.csv"
    data.write_text("id,case,[bold]when[/bold],act\n1,a,2026-01-01T00:00:00Z,call\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.split("[[stages]]")[0].replace('customer_id = "case"\n', ""))
    db = tmp_path / "new.duckdb"
    code, err = _load(data, "--mapping", mapping, "--db", db)
    text = _flat(err)
    assert code == 4
    assert "required column 'customer_id' is missing" in text
    assert 'Map a source column to it under [columns] (customer_id = "...")' in text
    # a column name that looks like rich markup is printed as it is, not styled away
    assert "The file's columns are: id, case, [bold]when[/bold], act" in text
    assert not db.exists()


# -- an invalid regular expression: refused when the mapping is read ---------------------------
def test_a_bad_regex_is_refused_with_its_position_and_changes_nothing(files, tmp_path):
    bad = tmp_path / "second_rule.toml"
    bad.write_text(
        MAPPING.replace(
            "[[stages]]\n", '[[stages]]\nmatch = "call"\nstage = "follow_up"\n[[stages]]\n', 1
        )
    )
    expected = (
        f"{bad}: stages rule 2 (regex) = '([unclosed': not a valid regular expression (RE2 syntax)"
    )
    db, before = _existing_db(tmp_path)
    code, err = _load(files / "events.csv", "--mapping", bad, "--db", db)
    assert code == 4 and expected in _flat(err)
    # named as what it is: not a CSV read error nor an aborted transaction
    assert "CSV" not in err and "transaction" not in err.lower()
    assert db.read_bytes() == before
    # `mapping check` refuses it the same way, and the library when it reads the mapping
    code, err = _load(files / "events.csv", "--mapping", bad, command=("mapping", "check"))
    assert code == 4 and expected in _flat(err)
    with pytest.raises(MappingError, match=r"stages rule 2 \(regex\)"):
        ca.ingest.read_mapping(bad)


# -- a score out of its range ------------------------------------------------------------------
def test_a_score_out_of_range_says_so_not_that_it_is_no_whole_number(files):
    db = files / "new.duckdb"
    code, err = _load(files / "complaints.csv", "--kind", "complaints", "--db", db)
    text = _flat(err)
    assert code == 4
    assert (
        "column 'csat_after': found '24540', expected a value with csat_after BETWEEN 1 AND 5"
        in (text)
    )
    assert "whole number" not in text
    assert "Fix: map its values under [values.<column>] or [rescale.<column>]" in text


# -- more than the allowed share quarantined ---------------------------------------------------
def _interactions(folder: Path, bad: int, good: int) -> Path:
    """An export of ``good`` valid rows and then ``bad`` rows with a CSAT of 9."""
    rows = [f"g{i},k{i},c1,2026-01-01T00:00:00Z,follow_up," for i in range(good)]
    rows += [f"b{i},k{i},c1,2026-01-01T00:00:00Z,follow_up,9" for i in range(bad)]
    path = folder / f"export_{bad}_{good}.csv"
    path.write_text("interaction_id,case_id,customer_id,ts,stage,csat\n" + "\n".join(rows) + "\n")
    return path


def test_more_than_half_quarantined_is_exit_4_and_the_database_as_it_was(tmp_path):
    db, before = _existing_db(tmp_path)
    code, err = _load(_interactions(tmp_path, bad=2, good=1), "--db", db)
    text = _flat(err)
    assert code == 4
    assert "2 of 3 rows would be quarantined (the limit is 50%), so nothing was loaded" in text
    assert "Commonest reason (2 rows, first at line 3)" in text
    assert "CYCLEANALYTICS_MAX_QUARANTINED=1" in text
    assert db.read_bytes() == before


def test_half_quarantined_is_within_the_limit_and_loads(tmp_path):
    db, _ = _existing_db(tmp_path)
    code, _ = _load(_interactions(tmp_path, bad=1, good=1), "--db", db)
    assert code == 0
    with ca.Store(db, read_only=True) as store:
        assert store.counts()["interactions"] == 2
        assert store.con.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)


def test_the_share_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLEANALYTICS_MAX_QUARANTINED", "0.25")
    db, before = _existing_db(tmp_path)
    code, err = _load(_interactions(tmp_path, bad=1, good=2), "--db", db)
    assert code == 4 and "1 of 3 rows would be quarantined (the limit is 25%)" in _flat(err)
    assert db.read_bytes() == before


def test_a_mapping_sets_the_share_and_the_option_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("CYCLEANALYTICS_MAX_QUARANTINED", raising=False)
    mapping = tmp_path / "strict.toml"
    mapping.write_text('kind = "interactions"\n[load]\nmax_quarantined = 0.25\n')
    db, before = _existing_db(tmp_path)
    export = _interactions(tmp_path, bad=1, good=2)
    code, err = _load(export, "--db", db, "--mapping", mapping)
    assert code == 4 and "1 of 3 rows would be quarantined (the limit is 25%)" in _flat(err)
    assert "[load] max_quarantined" in _flat(err)
    assert db.read_bytes() == before
    code, _ = _load(export, "--db", db, "--mapping", mapping, "--max-quarantined", "0.5")
    assert code == 0


@pytest.mark.parametrize("value", ["1.5", "true", '"half"'])
def test_a_mapping_share_that_is_no_share_is_refused_when_read(tmp_path, value):
    mapping = tmp_path / "bad.toml"
    mapping.write_text(f'kind = "interactions"\n[load]\nmax_quarantined = {value}\n')
    code, err = _load(
        _interactions(tmp_path, bad=0, good=1),
        "--db",
        tmp_path / "new.duckdb",
        "--mapping",
        mapping,
    )
    assert code == 4 and "[load] max_quarantined" in _flat(err)
    assert "a share from 0 to 1" in _flat(err)
    assert not (tmp_path / "new.duckdb").exists()
