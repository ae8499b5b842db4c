"""Commands about the cycle model: `model show`, `model export`, `model check`."""

from __future__ import annotations

from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import CycleGroup, echo, model_option, print_rows
from cycleanalytics.errors import ParameterError


@main.group(cls=CycleGroup)
def model() -> None:
    """Show, check or export a cycle model."""


@model.command("show")
@model_option
def model_show(model_path: Path | None) -> None:
    """List a model's stages, aliases and allowed transitions."""
    from cycleanalytics.model import resolve_model

    m = resolve_model(model_path)
    rows = [
        (
            i,
            s.id,
            "; ".join([s.label, *(f"{lang}: {name}" for lang, name in s.labels.items())]),
            "yes" if s.conditional else "",
            ", ".join(m.transitions.get(s.id, ())),
            ", ".join(a for v in s.aliases.values() for a in v),
        )
        for i, s in enumerate(m.stages, start=1)
    ]
    columns = ["#", "stage", "names", "conditional", "next", "aliases"]
    print_rows(columns, rows, [True] + [False] * 5, title=m.name)


@model.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def model_export(path: Path) -> None:
    """Write the default model to PATH as TOML, to edit into a model of your own."""
    from cycleanalytics.model import default_model

    if path.exists():
        raise ParameterError(
            f"{path} already exists; nothing was overwritten. Choose a new file name, or remove "
            "the old file first"
        )
    default_model().to_toml(path)
    echo(path)


@model.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path, exists=True))
def model_check(path: Path) -> None:
    """Check a model TOML file; exit 3 with the problem when it is invalid."""
    from cycleanalytics.model import CycleModel

    m = CycleModel.from_toml(path)
    echo(f"{path}: valid model {m.name!r} with stages {', '.join(m.order)}")
