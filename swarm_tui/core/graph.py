"""Dependency graphs: order a batch so dependencies come first, refuse cycles.

The sorting and the cycle search are the standard library's :mod:`graphlib`; this module
adds the batch's order (input order wherever the dependencies allow it) and a cycle named
in the direction of the dependencies.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from heapq import heapify, heappop, heappush

__all__ = ["CycleError", "topo_order"]


class CycleError(ValueError):
    """A dependency cycle; :attr:`cycle` lists it from its first node in input order."""

    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = list(cycle)


def topo_order(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Nodes ordered so each comes after everything in ``edges[node]`` (its dependencies).

    Stable: the nodes come in input order, each preceded by those of its dependencies not
    placed yet (themselves in input order as far as their own dependencies allow); without
    edges the input order is kept. Dependencies that are not among ``nodes`` are ignored.
    Raises :class:`CycleError` naming one cycle, e.g. ``a -> b -> a`` (a needs b, b needs a).
    """
    index = {node: i for i, node in reversed(list(enumerate(nodes)))}
    deps = {node: [d for d in edges.get(node, ()) if d in index] for node in index}
    sorter = graphlib.TopologicalSorter(deps)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise CycleError(_named_cycle(exc.args[1], index)) from None
    first_needed = _first_needed(deps, index)

    def key(node: str) -> tuple[int, int, str]:
        return first_needed[node], index[node], node

    ready = [key(node) for node in sorter.get_ready()]
    heapify(ready)
    order: list[str] = []
    while ready:
        node = heappop(ready)[2]
        order.append(node)
        sorter.done(node)
        for nxt in sorter.get_ready():
            heappush(ready, key(nxt))
    return order


def _first_needed(deps: Mapping[str, Sequence[str]], index: Mapping[str, int]) -> dict[str, int]:
    """For each node, the input position of the first node that needs it (itself included)."""
    dependents: dict[str, list[str]] = {node: [] for node in deps}
    for node, needs in deps.items():
        for dep in needs:
            dependents[dep].append(node)
    first: dict[str, int] = {}
    for node in graphlib.TopologicalSorter(dependents).static_order():  # dependents first
        first[node] = min([index[node], *(first[d] for d in dependents[node])])
    return first


def _named_cycle(found: Sequence[str], index: Mapping[str, int]) -> list[str]:
    """graphlib's cycle (each node a dependency of the next), turned to read "needs" and
    rotated to start at its first node in input order: ``a -> b -> a``."""
    ring = list(reversed(found[:-1]))
    start = min(range(len(ring)), key=lambda i: index[ring[i]])
    ring = ring[start:] + ring[:start]
    return [*ring, ring[0]]
