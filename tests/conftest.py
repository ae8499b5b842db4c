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


def pm4py_net(spec):
    """A cycle model's Petri net (:func:`cycleanalytics.metrics._replay.model_net`) as pm4py's,
    with its initial and final markings: the oracle's input for token replay and alignments."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet("model")
    places = {p: PetriNet.Place(p) for p in spec.places}
    for p in places.values():
        net.places.add(p)
    for name, (pre, post, label) in spec.transitions.items():
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        for p in pre:
            petri_utils.add_arc_from_to(places[p], t, net)
        for p in post:
            petri_utils.add_arc_from_to(t, places[p], net)
    return net, Marking({places[spec.source]: 1}), Marking({places[spec.sink]: 1})


# -- the browser of the browser tests: Debian's chromium, offline, driven by Playwright ---------
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def playwright_or_skip():
    """Playwright's ``sync_playwright``, or a skip saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright's Python package: pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module, no network."""
    with playwright_or_skip()() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _no_shared_results() -> Iterator[None]:
    """Each test computes its metrics: no result shared from an earlier test's read-only
    store (metrics._shared keeps them per process)."""
    from cycleanalytics.metrics import _shared

    _shared.forget()
    yield
