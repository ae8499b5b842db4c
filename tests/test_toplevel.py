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


def test_importing_the_package_imports_no_ibis_pandas_scipy_or_plotly():
    code = (
        "import sys, cycleanalytics as ca\n"
        "dir(ca)\n"
        "heavy = ('ibis', 'pandas', 'scipy', 'plotly', 'pyarrow')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""
