"""The catalogue of metrics: what `cycleanalytics metric NAME`, the reports and the engine-parity
tests iterate over. A metric joins it with :func:`register`, declaring its extra options once;
the CLI builds its command (shared options plus these) from the declaration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Option:
    """A metric-specific option, as the CLI offers it (``entry_within`` -> ``--entry-within``).

    ``type`` is ``int``, ``float``, ``str``, ``bool`` (a flag) or a tuple of allowed strings.
    """

    name: str
    type: Any
    help: str
    default: Any = None
    multiple: bool = False


@dataclass(frozen=True)
class MetricSpec:
    name: str
    compute: Callable[..., pd.DataFrame]
    summary: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    portable: bool = True  # runs on every engine (see the parity test); say why when not

    @property
    def plot(self) -> Callable[..., Any] | None:
        """The figure beside the metric: ``plot_<name>`` in the metric's own module."""
        return getattr(sys.modules[self.compute.__module__], f"plot_{self.name}", None)


REGISTRY: dict[str, MetricSpec] = {}


def register(
    name: str,
    *,
    options: tuple[Option, ...] = (),
    portable: bool = True,
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Add a metric function to the catalogue under ``name``.

    Its docstring's first paragraph becomes the CLI help; its figure is ``plot_<name>`` in the
    same module.
    """

    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        doc = (func.__doc__ or "").strip().split("\n\n")[0]
        REGISTRY[name] = MetricSpec(name, func, " ".join(doc.split()), options, portable)
        return func

    return decorate
