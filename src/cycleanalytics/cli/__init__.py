"""The ``cycleanalytics`` command: a thin shell over the library.

Each command opens the store and calls one public function; errors from the library become a
one-line message and a documented exit code (in :class:`CycleGroup`), never a traceback.
Commands live in one module per concern and attach themselves to :func:`main`.
"""

from __future__ import annotations

import click

from cycleanalytics import __version__
from cycleanalytics.cli._common import EPILOG, CycleGroup


@click.group(
    cls=CycleGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="cycleanalytics")
def main() -> None:
    """Customer-satisfaction analytics over the customer service cycle.

    Typical use: `load` exports into a database, then `metric` or `report` on it.
    `demo` does all of it on generated sample data.
    """


# Importing the command modules attaches their commands to `main`.
from cycleanalytics.cli import classify, data, metric, model, report  # noqa: E402

__all__ = ["classify", "data", "main", "metric", "model", "report"]
