"""Where bundled files live: inside the installed package (wheel), or in the source checkout.

The wheel carries ``notebooks/`` and ``data/sample/`` inside the package (see pyproject's
``force-include``); an editable install reads them from the repository root instead.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def bundled(relative: str) -> Path:
    """Path of a bundled folder or file such as ``"notebooks"`` or ``"data/sample"``."""
    packaged = Path(str(resources.files("cycleanalytics"))) / relative
    if packaged.exists():
        return packaged
    in_checkout = _REPO_ROOT / relative
    if in_checkout.exists():
        return in_checkout
    raise FileNotFoundError(
        f"bundled {relative!r} not found in the package or the source checkout; "
        "reinstall cycleanalytics"
    )
