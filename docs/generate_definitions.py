"""Write docs/definitions.md from the metric registry's declarations.

    .venv/bin/python docs/generate_definitions.py        # rewrite docs/definitions.md
A test (tests/test_definitions.py) fails when docs/definitions.md differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from cycleanalytics.metrics.definitions import definitions_markdown

OUT = Path(__file__).with_name("definitions.md")

if __name__ == "__main__":
    OUT.write_text(definitions_markdown(), encoding="utf-8")
    print(f"wrote {OUT}")
