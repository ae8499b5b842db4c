"""The wheel carries what a non-editable install needs: notebooks, sample data, model, templates."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cycleanalytics as ca
from cycleanalytics.notebook import plotly_bundle_name

#: The package's own files for report pages (its plotly.js bundle).
ASSETS = Path(ca.__file__).parent / "assets"

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("cycleanalytics-*.whl"))


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "cycleanalytics/py.typed",
        "cycleanalytics/models/default.toml",
        "cycleanalytics/data/complaint_areas_seed.csv",
        "cycleanalytics/surveys/airline_passenger_satisfaction.toml",
        "cycleanalytics/notebooks/drivers.ipynb",
        "cycleanalytics/notebooks/stage_funnel.ipynb",
        "cycleanalytics/data/sample/interactions.csv",
        "cycleanalytics/data/sample/truth.json",
        "cycleanalytics/templates/cycleanalytics/index.html.j2",
        "cycleanalytics/templates/pages/index.html.j2",
        "cycleanalytics/templates/fragments/tiles.html.j2",
        "cycleanalytics/templates/fragments/report.css",
        "cycleanalytics/templates/fragments/narrow.js",
        *(f"cycleanalytics/assets/{p.name}" for p in ASSETS.glob("plotly-*-report.min.js")),
        "cycleanalytics/locale/id/LC_MESSAGES/cycleanalytics.po",
        "cycleanalytics/locale/ms/LC_MESSAGES/cycleanalytics.po",
    ):
        assert needed in names, needed
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "cycleanalytics = cycleanalytics.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )


@pytest.mark.slow
def test_installed_wheel_runs_a_report(wheel, tmp_path, sample_db):
    """Installed (not editable), the package finds its notebooks and template by itself."""
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    script = (
        "import cycleanalytics, sys; from cycleanalytics.reports import run_report; "
        f"assert cycleanalytics.__file__.startswith({str(site)!r}), cycleanalytics.__file__; "
        f"r = run_report('stage_funnel', db={str(sample_db)!r}, out={str(tmp_path / 'out')!r}); "
        "print(r.html, r.charts)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    html, charts = done.stdout.split()
    assert Path(html).exists() and int(charts) >= 2
    # the page loads the package's report bundle, which the installed wheel wrote beside it
    assert (Path(html).parent / "assets" / plotly_bundle_name()).is_file()
    assert ca.__version__ in wheel.name
