"""Optimal alignments of stage sequences on a cycle model's Petri net, as pm4py defines them.

An alignment pairs a trace with a complete run of the net (from the source place ``i`` to the
final marking, one token in ``o``) through three kinds of moves: a *synchronous* move (the event
and a visible transition with its label fire together, cost 0), a *log* move (the event has no
counterpart in the run, cost 10,000) and a *model* move (a transition fires without an event:
10,000 for a visible one, 1 for an invisible one). An optimal alignment has the least total cost;
it is found here by Dijkstra's algorithm over (events consumed, marking), which is exact.

pm4py's standard costs and fitness are used throughout (Adriansyah's alignments, van der Aalst's
*Process Mining*, §8.3):

- the *best worst cost* of the net is the cost of aligning the empty trace (the cheapest complete
  run, all model moves);
- a trace of ``n`` events has ``bwc = 10,000·n + best worst cost``, and
  ``fitness = 1 − ⌊cost / 10,000⌋ / ⌊bwc / 10,000⌋``;
- a log's fitness is ``1 − Σ cost / Σ bwc`` over its traces (each variant weighted by its cases).

The nets of cycle models are state machines (every transition has one input and one output
place), so a marking is a single token and the search space is at most ``(n + 1) × places``:
aligning costs microseconds per variant, and variants are aligned once each, not per case.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from cycleanalytics.metrics._replay import Net

MOVE_COST = 10_000  # a log move, or a model move on a visible transition
TAU_COST = 1  # a model move on an invisible transition
SYNC_COST = 0

Marking = tuple[tuple[str, int], ...]  # sorted (place, tokens) pairs, tokens > 0


@dataclass(frozen=True)
class Alignment:
    """The optimal alignment of one trace: its cost, its moves and pm4py's fitness.

    ``moves`` lists ``(event label or ">>", transition label or ">>")`` pairs in order, ``>>``
    standing for "no move" on that side; invisible transitions show as ``None`` on the model
    side, as in pm4py.
    """

    cost: int
    bwc: int
    moves: tuple[tuple[str, str | None], ...]

    @property
    def fitness(self) -> float:
        den = self.bwc // MOVE_COST
        return 1 - (self.cost // MOVE_COST) / den if den > 0 else 0.0

    @property
    def deviations(self) -> int:
        """Log moves plus model moves on visible transitions."""
        return self.cost // MOVE_COST


def _marking(tokens: Counter[str]) -> Marking:
    return tuple(sorted((p, n) for p, n in tokens.items() if n > 0))


def _fire(marking: Marking, pre: Sequence[str], post: Sequence[str]) -> Marking | None:
    tokens = Counter(dict(marking))
    for p in pre:
        if tokens[p] < 1:
            return None
        tokens[p] -= 1
    tokens.update(post)
    return _marking(tokens)


def align(
    net: Net, trace: Sequence[str], *, bwc: int | None = None, graph: _Graph | None = None
) -> Alignment:
    """The optimal alignment of ``trace`` (visible labels, in order) on ``net``.

    >>> from cycleanalytics.model import default_model
    >>> from cycleanalytics.metrics._replay import model_net
    >>> net = model_net(default_model())
    >>> fit = align(net, ["pre_interaction", "initial_interaction", "service_delivery",
    ...                   "follow_up"])
    >>> fit.deviations, fit.fitness
    (0, 1.0)
    >>> skipped = align(net, ["initial_interaction", "service_delivery", "follow_up"])
    >>> skipped.deviations, round(skipped.fitness, 4)   # one model move: pre_interaction
    (1, 0.8571)
    """
    graph = graph or _Graph(net)
    if bwc is None:
        bwc = best_worst_cost(net, graph=graph)
    return _search(graph, tuple(trace), bwc + MOVE_COST * len(trace))


def best_worst_cost(net: Net, *, graph: _Graph | None = None) -> int:
    """The cost of aligning the empty trace: the cheapest complete run of the net."""
    return _search(graph or _Graph(net), (), 0).cost


class _Graph:
    """The net's reachability graph, explored lazily and kept between the variants aligned."""

    def __init__(self, net: Net) -> None:
        self.transitions = sorted(net.transitions.items())
        self.start: Marking = ((net.source, 1),)
        self.final: Marking = ((net.sink, 1),)
        self._next: dict[Marking, list[tuple[Marking, str | None]]] = {}

    def successors(self, marking: Marking) -> list[tuple[Marking, str | None]]:
        """(marking after, label) for each transition enabled in ``marking``."""
        found = self._next.get(marking)
        if found is None:
            found = []
            for _name, (pre, post, label) in self.transitions:
                after = _fire(marking, pre, post)
                if after is not None:
                    found.append((after, label))
            self._next[marking] = found
        return found


def _search(graph: _Graph, trace: tuple[str, ...], bwc: int) -> Alignment:
    start, final = graph.start, graph.final
    n = len(trace)
    # Dijkstra over (events consumed, marking); ties broken by insertion order, so the result
    # is deterministic. Predecessors rebuild the moves of the optimal alignment.
    best: dict[tuple[int, Marking], int] = {(0, start): 0}
    back: dict[tuple[int, Marking], tuple[tuple[int, Marking], tuple[str, str | None]]] = {}
    queue: list[tuple[int, int, int, Marking]] = [(0, 0, 0, start)]
    counter = 1
    while queue:
        cost, _, i, marking = heapq.heappop(queue)
        state = (i, marking)
        if cost > best.get(state, cost):
            continue
        if i == n and marking == final:
            return Alignment(cost, bwc, _moves(back, state))
        steps: list[tuple[int, Marking, int, tuple[str, str | None]]] = []
        if i < n:
            steps.append((i + 1, marking, MOVE_COST, (trace[i], ">>")))
        for after, label in graph.successors(marking):
            if label is None:
                steps.append((i, after, TAU_COST, (">>", None)))
                continue
            steps.append((i, after, MOVE_COST, (">>", label)))
            if i < n and trace[i] == label:
                steps.append((i + 1, after, SYNC_COST, (label, label)))
        for j, after, step, move in steps:
            nxt = (j, after)
            total = cost + step
            if total < best.get(nxt, total + 1):
                best[nxt] = total
                back[nxt] = (state, move)
                heapq.heappush(queue, (total, counter, j, after))
                counter += 1
    raise ValueError("the net has no complete run: its final marking cannot be reached")


def _moves(back: dict, state: tuple[int, Marking]) -> tuple[tuple[str, str | None], ...]:
    moves = []
    while state in back:
        state, move = back[state]
        moves.append(move)
    return tuple(reversed(moves))


@dataclass(frozen=True)
class LogAlignment:
    """Alignments of a log's variants: per-variant results and the log's fitness."""

    per_variant: tuple[Alignment, ...]
    cases: tuple[int, ...]

    @property
    def fitness(self) -> float:
        """``1 − Σ cost / Σ bwc`` over cases (pm4py's ``log_fitness``)."""
        cost = sum(a.cost * c for a, c in zip(self.per_variant, self.cases, strict=True))
        bwc = sum(a.bwc * c for a, c in zip(self.per_variant, self.cases, strict=True))
        return 1 - cost / bwc if bwc > 0 else 0.0

    @property
    def average_trace_fitness(self) -> float:
        total = sum(self.cases)
        weighted = sum(a.fitness * c for a, c in zip(self.per_variant, self.cases, strict=True))
        return weighted / total if total else float("nan")

    @property
    def fitting_share(self) -> float:
        """Share of cases whose alignment has no deviation."""
        total = sum(self.cases)
        fit = sum(
            c for a, c in zip(self.per_variant, self.cases, strict=True) if a.cost < MOVE_COST
        )
        return fit / total if total else float("nan")


def align_variants(net: Net, variants: Iterable[tuple[Sequence[str], int]]) -> LogAlignment:
    """Align each variant once; ``variants`` yields (trace, number of cases) pairs."""
    results, cases = [], []
    graph = _Graph(net)
    bwc = best_worst_cost(net, graph=graph)
    for trace, count in variants:
        results.append(align(net, trace, bwc=bwc, graph=graph))
        cases.append(int(count))
    return LogAlignment(tuple(results), tuple(cases))


def alignment_costs(net: Net, traces: Iterable[Sequence[str]]) -> list[int]:
    """The optimal alignment cost of each trace, the one :func:`align` finds, without its moves.

    Computed by dynamic programming over the events rather than by a search per trace: after
    each event, the least cost of every marking of the net (events consumed so far, any model
    moves between them); the next event is a log move (same marking, 10,000) or a synchronous
    move (a transition of its label, 0), then model moves close the layer (shortest paths in the
    reachability graph, 10,000 per visible and 1 per invisible transition). The answer is the
    final marking's cost after the last event: the shortest path of the search, layer by layer.

    The costs after an event, less their minimum, are few across a log's variants, so each
    (costs, label) step is computed once: aligning a variant is then a few look-ups. The net's
    reachability graph must be finite, as it is for a cycle model's net (a state machine).
    """
    table = _CostTable(_Graph(net))
    return [table.cost(tuple(trace)) for trace in traces]


class _CostTable:
    """Least costs per marking, and their steps by label, for :func:`alignment_costs`."""

    def __init__(self, graph: _Graph) -> None:
        markings = [graph.start]
        index = {graph.start: 0}
        edges: dict[tuple[int, int], int] = {}
        self.sync: dict[str, list[tuple[int, int]]] = {}
        for marking in markings:  # breadth first over the reachability graph; grows as it goes
            for after, label in graph.successors(marking):
                if after not in index:
                    index[after] = len(markings)
                    markings.append(after)
                a, b = index[marking], index[after]
                step = TAU_COST if label is None else MOVE_COST
                edges[(a, b)] = min(step, edges.get((a, b), step))
                if label is not None:
                    self.sync.setdefault(label, []).append((a, b))
        n = len(markings)
        dist = [[0.0 if a == b else math.inf for b in range(n)] for a in range(n)]
        for (a, b), step in edges.items():
            dist[a][b] = min(dist[a][b], step)
        for k in range(n):  # Floyd-Warshall: model moves only
            for a in range(n):
                for b in range(n):
                    dist[a][b] = min(dist[a][b], dist[a][k] + dist[k][b])
        self.dist = dist
        self.final = index.get(graph.final)
        self.start = self._close([0.0] + [math.inf] * (n - 1))
        self._steps: dict[tuple[tuple[float, ...], str], tuple[tuple[float, ...], float]] = {}

    def _close(self, costs: list[float]) -> tuple[float, ...]:
        """Costs after any model moves from the given ones."""
        dist = self.dist
        return tuple(min(c + dist[a][b] for a, c in enumerate(costs)) for b in range(len(costs)))

    def _step(self, costs: tuple[float, ...], label: str) -> tuple[tuple[float, ...], float]:
        """Costs after one event of ``label`` from ``costs`` (whose minimum is 0), less their
        minimum, and that minimum."""
        after = [c + MOVE_COST for c in costs]  # a log move
        for a, b in self.sync.get(label, ()):
            after[b] = min(after[b], costs[a])  # a synchronous move
        closed = self._close(after)
        low = min(closed)
        return tuple(c - low for c in closed), low

    def cost(self, trace: tuple[str, ...]) -> int:
        if self.final is None:
            raise ValueError("the net has no complete run: its final marking cannot be reached")
        costs, total = self.start, 0.0
        for label in trace:
            key = (costs, label)
            found = self._steps.get(key)
            if found is None:
                found = self._steps[key] = self._step(costs, label)
            costs, low = found
            total += low
        return int(total + costs[self.final])
