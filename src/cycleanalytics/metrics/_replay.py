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
    #: replay's effect of an event per (marking, label), and of the end per (marking, None)
    _steps: dict = field(default_factory=dict, compare=False)

    @property
    def by_label(self) -> dict[str, str]:
        """The visible transition of each label."""
        return {label: name for name, (_, _, label) in self.transitions.items() if label}

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
    """Replay one trace (a sequence of visible labels) on the net.

    Each event's effect (the marking after it and the tokens produced, consumed and missing on
    the way) depends only on the marking before it and the label, so it is computed once per
    (marking, label) and kept on the net: the variants of a log share a handful of markings,
    and replaying one is then a few look-ups."""
    marking: Marking = ((net.source, 1),)
    produced, consumed, missing = 1, 0, 0
    for label in trace:
        step = net._steps.get((marking, label))
        if step is None:
            step = net._steps[(marking, label)] = _event(net, marking, label)
        marking, (p, c, m) = step[0], step[1:]
        produced, consumed, missing = produced + p, consumed + c, missing + m
    end = net._steps.get((marking, None))
    if end is None:
        end = net._steps[(marking, None)] = _end(net, marking)
    p, c, m, remaining = end
    return Replay(produced + p, consumed + c, missing + m, remaining)


Marking = tuple[tuple[str, int], ...]  # sorted (place, tokens) pairs, tokens > 0


class _Tokens:
    """A marking being changed by firing, with the tokens produced, consumed and missing."""

    def __init__(self, net: Net, marking: Marking) -> None:
        self.net = net
        self.marking: Counter[str] = Counter(dict(marking))
        self.produced = self.consumed = self.missing = 0

    def fire(self, name: str) -> None:
        pre, post, _ = self.net.transitions[name]
        for p in pre:
            self.marking[p] -= 1
            if self.marking[p] == 0:
                del self.marking[p]
        self.marking.update(post)
        self.consumed += len(pre)
        self.produced += len(post)

    def reach(self, target: str) -> bool:
        for place in sorted(self.marking):
            path = self.net._paths.get((place, target))
            if path:
                for name in path:
                    self.fire(name)
                return True
        return False

    def frozen(self) -> Marking:
        return tuple(sorted((p, n) for p, n in self.marking.items() if n > 0))


def _event(net: Net, marking: Marking, label: str) -> tuple[Marking, int, int, int]:
    """The marking after one event of ``label`` and the tokens produced, consumed, missing."""
    tokens = _Tokens(net, marking)
    name = net.by_label.get(label)
    if name is not None:  # a label not in the model is ignored, as pm4py does by default
        for p in net.transitions[name][0]:
            if tokens.marking[p] < 1 and not tokens.reach(p):
                tokens.missing += 1
                tokens.marking[p] += 1
        tokens.fire(name)
    return tokens.frozen(), tokens.produced, tokens.consumed, tokens.missing


def _end(net: Net, marking: Marking) -> tuple[int, int, int, int]:
    """At the end of a trace: tokens produced, consumed, missing and remaining."""
    tokens = _Tokens(net, marking)
    if tokens.marking[net.sink] < 1:
        tokens.reach(net.sink)
    if tokens.marking[net.sink] < 1:
        tokens.missing += 1
    else:
        tokens.marking[net.sink] -= 1
    tokens.consumed += 1
    remaining = sum(v for v in tokens.marking.values() if v > 0)
    return tokens.produced, tokens.consumed, tokens.missing, remaining
