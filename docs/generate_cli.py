"""Write docs/cli.md from the command's own help, so the reference cannot go stale.

    .venv/bin/python docs/generate_cli.py        # rewrite docs/cli.md
A test (tests/test_docs.py) fails when docs/cli.md differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

import click

from cycleanalytics.cli import main

OUT = Path(__file__).with_name("cli.md")


def _walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], [*path, name])


def render() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from `cycleanalytics --help` by `docs/generate_cli.py`; do not edit by hand.\n",
    ]
    for path, command in _walk(main, ["cycleanalytics"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100) as ctx:
            text = command.get_help(ctx)
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(OUT)
