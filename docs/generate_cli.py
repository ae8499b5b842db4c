"""Write docs/cli.md from the command's own help, so the reference cannot go stale.

    .venv/bin/python docs/generate_cli.py        # rewrite docs/cli.md
A test (tests/test_docs.py) fails when docs/cli.md differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cycleanalytics.cli import main

OUT = Path(__file__).with_name("cli.md")


def _walk(command: click.Command, path: list[str], parent: click.Context | None = None):
    """Each command with a context made the way the command line makes it (so settings such
    as the ``-h`` help option are inherited from the group, whatever ran before)."""
    ctx = command.make_context(
        path[-1], [], parent=parent, resilient_parsing=True, terminal_width=100
    )
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], [*path, name], ctx)


def render() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from `cycleanalytics --help` by `docs/generate_cli.py`; do not edit by hand.\n",
    ]
    for path, command, ctx in _walk(main, ["cycleanalytics"]):
        text = command.get_help(ctx)
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(f"usage: {sys.argv[0]} (no arguments; it rewrites {OUT})")
    OUT.write_text(render(), encoding="utf-8")
    print(OUT)
