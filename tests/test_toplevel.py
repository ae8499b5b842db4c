"""The top level (``import cycleanalytics as ca``): every metric first-class, imported lazily."""

from __future__ import annotations

import subprocess
import sys

import cycleanalytics as ca
from cycleanalytics.metrics import REGISTRY


def test_dir_lists_every_registered_metric_with_its_figure():
    names = dir(ca)
    for metric in REGISTRY:
        assert metric in names, f"{metric} is registered but not in dir(cycleanalytics)"
        assert f"plot_{metric}" in names, f"plot_{metric} is not in dir(cycleanalytics)"


def test_every_metric_figure_and_expression_resolves_to_the_registered_function():
    for metric, spec in REGISTRY.items():
        assert getattr(ca, metric) is spec.compute
        assert getattr(ca, f"plot_{metric}") is spec.plot
        module = sys.modules[spec.compute.__module__]
        expr = getattr(module, f"{metric}_expr", None)
        if expr is not None:
            assert f"{metric}_expr" in dir(ca), f"{metric}_expr: add it to ca._METRICS"
            assert getattr(ca, f"{metric}_expr") is expr
    assert {name for _, name, _ in ca._METRICS} == set(REGISTRY)


def test_dir_is_curated():
    names = dir(ca)
    for machinery in ("TYPE_CHECKING", "annotations", "importlib", "_LAZY", "_METRICS"):
        assert machinery not in names
    assert set(ca.__all__) <= set(names)
    for name in ca.__all__:
        assert getattr(ca, name) is not None


def test_importing_the_package_imports_no_duckdb_ibis_pandas_scipy_or_plotly():
    code = (
        "import sys, cycleanalytics as ca\n"
        "dir(ca)\n"
        "heavy = ('ibis', 'pandas', 'scipy', 'plotly', 'pyarrow', 'duckdb')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""


def test_a_funnel_from_the_command_line_imports_no_scipy(tmp_path):
    """SciPy takes about a second to import: the funnel (Wilson intervals, normal quantile from
    the standard library) must not pay for it; a metric that needs a t quantile or a test still
    gets it on first use."""
    code = (
        "import sys\n"
        "import cycleanalytics as ca\n"
        "from cycleanalytics.stats import scipy_stats, wilson_interval\n"
        "with ca.Store() as store:\n"
        "    ca.load(store, ca.sample_dir())\n"
        "    reached = list(ca.funnel(store)['reached'])\n"
        "print('scipy' in sys.modules, reached[0] > 0)\n"
        "print(round(float(wilson_interval(81, 263)[0]), 4), 'scipy.stats' in sys.modules)\n"
        "print(round(float(scipy_stats.t.ppf(0.975, 24)), 4), 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # Newcombe (1998), method 3: 81/263 -> (0.2553, 0.3662); t(0.975, 24) = 2.0639
    assert out.split("\n")[:3] == ["False True", "0.2553 False", "2.0639 True"]
