"""One number, one value (issue 12): every figure that appears on more than one report page,
and in the CLI, is the same, or carries a different basis.

Each report records the headline figures it shows (``notebook.publish_figures``), with the
metric and the scope they come from. The reports are run for one period and filter set on the
sample and on real logs from ``../shared/data/real``; figures of the same name and basis must be
equal across pages and equal to ``cycleanalytics metric``'s."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.notebook import read_figures
from cycleanalytics.reports import run_report

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
MAPPINGS = REPO / "examples" / "mappings"
REPORTS = ("executive_summary", "satisfaction", "complaints", "recovery", "stage_funnel")

pytestmark = pytest.mark.slow

# name: (files and mapping, or None for the bundled sample; the period and filters to run)
DATASETS = {
    "sample": (None, {"period": "2026-05", "channel": "web"}),
    "helpdesk": (("helpdesk/helpdesk_events.csv", "helpdesk.toml"), {"period": "2012-10"}),
    "cfpb": (
        ("cfpb_consumer_complaints/complaints_2014-10_to_2014-11.csv", "cfpb_2014.toml"),
        {"period": "2014-10-01..2014-10-31", "channel": "web"},
    ),
}


def _database(name: str, folder: Path) -> Path:
    source, _ = DATASETS[name]
    db = folder / f"{name}.duckdb"
    with ca.Store(db) as store:
        if source is None:
            ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
        else:
            path, mapping = source
            if not (REAL / path).exists():
                pytest.skip(f"{REAL / path} is absent (../shared/data/real is not here)")
            ca.load(store, [REAL / path], mapping=MAPPINGS / mapping)
    return db


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_a_figure_shown_on_several_pages_has_one_value(dataset, tmp_path):
    db = _database(dataset, tmp_path)
    _, parameters = DATASETS[dataset]
    shown: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for report in REPORTS:
        result = run_report(report, db=db, out=tmp_path / "out", parameters=parameters)
        for name, figure in read_figures(result.notebook).items():
            shown[(name, figure["basis"])].append((report, figure))
    shared = {key: pages for key, pages in shown.items() if len(pages) > 1}
    assert shared, f"{dataset}: no figure appears on two pages; the test would check nothing"
    for (name, basis), pages in shared.items():
        (first_page, first), *others = pages
        for page, figure in others:
            assert _same(figure["value"], first["value"]), (
                f"{dataset}: {name} ({basis}) is {first['value']} on {first_page} "
                f"but {figure['value']} on {page}"
            )
            assert figure["n"] == first["n"], f"{dataset}: {name} base differs on {page}"
    # The same figure with a different basis is a different measure: it must say so (its
    # basis differs, and the page prints how it is counted).
    names = defaultdict(set)
    for name, basis in shown:
        names[name].add(basis)
    for name, bases in names.items():
        assert len(bases) == 1, f"{dataset}: {name} shown with bases {sorted(bases)}"
    # The CLI says the same.
    if ("csat", "event_time/event_channel") in shown:
        args = ["metric", "satisfaction", "--db", str(db), "--format", "json"]
        args += ["--period", parameters["period"]]
        if "channel" in parameters:
            args += ["--channel", parameters["channel"]]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        cli = json.loads(result.stdout)[0]
        page = shown[("csat", "event_time/event_channel")][0][1]
        # JSON output carries ten significant decimals
        assert math.isclose(cli["csat"], page["value"], abs_tol=1e-9)
        assert cli["csat_n"] == page["n"]
