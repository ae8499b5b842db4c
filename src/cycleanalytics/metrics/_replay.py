"""Token-based replay of stage sequences on a cycle model's Petri net, as pm4py defines it.

The net of a :class:`~cycleanalytics.model.CycleModel` (built by :func:`model_net`): each stage
``s`` is a visible transition from place ``in:s`` to place ``out:s``; each allowed move
``a -> b`` (repeats included: the model always allows them) is an invisible transition from
``out:a`` to ``in:b``; an invisible start transition leads from the source place ``i`` to
``in:`` of the model's first stage, and invisible end transitions lead from ``out:`` of the last
required stage, and of conditional stages after it, to the sink place ``o``.

Replay (pm4py's token-based replay, Berti & van der Aalst): one token in ``i`` (produced 1).
For each event, if its transition is not enabled, invisible transitions are fired along a
shortest path from a marked place to its input place; if none exists, a *missing* token is
added. Firing consumes and produces one token per arc. At the end, invisible transitions are
fired towards ``o`` when possible, the final token in ``o`` is consumed (missing if absent), and
tokens left are *remaining*. Fitness is ``½(1 − m/c) + ½(1 − r/p)``; the log's fitness uses the
sums over all traces. Traces are replayed once per variant, so the cost grows with variants,
not events.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cycleanalytics.model import CycleModel


@dataclass(frozen=True)
class Net:
    """A small Petri net: transitions by name with their input and output places, labels for
    the visible ones (invisible transitions have label ``None``)."""

    places: tuple[str, ...]
    transitions: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]]
    source: str = "i"
    sink: str = "o"
    _paths: dict[tuple[str, str], list[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Shortest paths of invisible transitions between places (breadth first).
        hidden = {n: (pre, post) for n, (pre, post, label) in self.transitions.items() if not label}
        for start in self.places:
            seen = {start: []}
            queue = deque([start])
            while queue:
                place = queue.popleft()
                for name, (pre, post) in sorted(hidden.items()):
                    if place in pre:
                        for nxt in post:
                            if nxt not in seen:
                                seen[nxt] = [*seen[place], name]
                                queue.append(nxt)
            for target, path in seen.items():
                if path:
                    self._paths[(start, target)] = path


def model_net(model: CycleModel) -> Net:
    """The Petri net of a cycle model (see the module docstring)."""
    order = model.order
    places = ["i", "o", *(f"in:{s}" for s in order), *(f"out:{s}" for s in order)]
    transitions: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {}
    for s in order:
        transitions[s] = ((f"in:{s}",), (f"out:{s}",), s)
    for a in order:
        for b in order:
            if model.allows(a, b):
                transitions[f"tau:{a}>{b}"] = ((f"out:{a}",), (f"in:{b}",), None)
    transitions["tau:start"] = (("i",), (f"in:{order[0]}",), None)
    last = model.funnel_stages[-1]
    for s in end_stages(model):
        transitions[f"tau:end:{s}"] = ((f"out:{s}",), ("o",), None)
    assert last in end_stages(model)
    return Net(tuple(places), transitions)


def end_stages(model: CycleModel) -> tuple[str, ...]:
    """Stages a journey may end with: the last required stage and conditional stages after it."""
    last = model.funnel_stages[-1]
    after = model.order[model.order.index(last) + 1 :]
    return (last, *(s for s in after if model.stage(s).conditional))


@dataclass(frozen=True)
class Replay:
    """Token counts of one replayed trace: produced, consumed, missing, remaining."""

    produced: int
    consumed: int
    missing: int
    remaining: int

    @property
    def fitness(self) -> float:
        return 0.5 * (1 - self.missing / self.consumed) + 0.5 * (1 - self.remaining / self.produced)


def replay(net: Net, trace: Sequence[str]) -> Replay:
    """Replay one trace (a sequence of visible labels) on the net."""
    by_label = {label: name for name, (_, _, label) in net.transitions.items() if label}
    marking: Counter[str] = Counter({net.source: 1})
    produced, consumed, missing = 1, 0, 0

    def fire(name: str) -> None:
        nonlocal produced, consumed
        pre, post, _ = net.transitions[name]
        for p in pre:
            marking[p] -= 1
            if marking[p] == 0:
                del marking[p]
        marking.update(post)
        consumed += len(pre)
        produced += len(post)

    def reach(target: str) -> bool:
        for place in sorted(marking):
            path = net._paths.get((place, target))
            if path:
                for name in path:
                    fire(name)
                return True
        return False

    for label in trace:
        name = by_label.get(label)
        if name is None:
            continue  # not in the model: ignored, as pm4py does by default
        pre = net.transitions[name][0]
        for p in pre:
            if marking[p] < 1 and not reach(p):
                missing += 1
                marking[p] += 1
                produced += 0
        fire(name)
    if marking[net.sink] < 1:
        reach(net.sink)
    if marking[net.sink] < 1:
        missing += 1
    else:
        marking[net.sink] -= 1
    consumed += 1
    remaining = sum(v for v in marking.values() if v > 0)
    return Replay(produced, consumed, missing, remaining)
