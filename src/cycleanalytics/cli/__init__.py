"""The ``cycleanalytics`` command: a thin shell over the library.

Each command opens the store and calls one public function; errors from the library become a
one-line message and a documented exit code (in :class:`CycleGroup`), never a traceback.
Commands live in one module per concern and attach themselves to :func:`main` when their
module is imported; :class:`LazyGroup` imports only the module of the command asked for.
"""

from __future__ import annotations

import importlib

import click

from cycleanalytics import __version__
from cycleanalytics.cli._common import EPILOG, CycleGroup

#: The modules that define commands, by the commands each attaches to :func:`main`.
COMMANDS = {
    "classify": ("classify",),
    "data": ("sample", "load", "quarantine", "mapping"),
    "drivers": ("drivers",),
    "followup": ("followup",),
    "metric": ("metric",),
    "model": ("model",),
    "report": ("report", "demo"),
}


class LazyGroup(CycleGroup):
    """Imports a command's module when the command is asked for: `metric funnel` does not load
    the report, data and classifier commands. Listing (``--help``) imports them all; so does a
    name not in :data:`COMMANDS`, so that a command added without an entry still works."""

    def _load(self, modules: list[str]) -> None:
        for module in modules:
            importlib.import_module(f"{__name__}.{module}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(list(COMMANDS))
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            owner = [m for m, names in COMMANDS.items() if cmd_name in names]
            self._load(owner or list(COMMANDS))
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cycleanalytics")
def main() -> None:
    """Customer-satisfaction analytics over the customer service cycle.

    Typical use: `load` exports into a database, then `metric` or `report` on it.
    `demo` does all of it on generated sample data.
    """


def __getattr__(name: str) -> object:
    """The command modules as attributes (``cycleanalytics.cli.report``), imported on use."""
    if name in COMMANDS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "LazyGroup", "main", *COMMANDS]
