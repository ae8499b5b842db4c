"""The docs that are generated or promised stay true."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_cli", ROOT / "docs" / "generate_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_up_to_date():
    expected = _generator().render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run .venv/bin/python docs/generate_cli.py"


def test_every_command_is_in_the_reference_with_help():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    generator = _generator()
    for path, command, _ in generator._walk(generator.main, ["cycleanalytics"]):
        assert f"## `{' '.join(path)}`" in text
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"


def test_readme_quick_start_has_exactly_two_commands():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\s*$(.*?)(?=^## )", readme, re.M | re.S).group(1)
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
