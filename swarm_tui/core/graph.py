"""Dependency graphs: order a batch so dependencies come first, refuse cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["CycleError", "topo_order"]


class CycleError(ValueError):
    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = list(cycle)


def topo_order(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Nodes ordered so each comes after everything in ``edges[node]`` (its dependencies).

    Stable: among independent nodes the input order is kept. Raises :class:`CycleError`
    naming one cycle, e.g. ``a -> b -> a``.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in nodes:
        if state.get(root) == 2:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack.pop()
            deps = [d for d in edges.get(node, ()) if d in edges or d in nodes]
            if i == 0:
                if state.get(node) == 2:
                    continue
                state[node] = 1
                path.append(node)
            if i < len(deps):
                stack.append((node, i + 1))
                dep = deps[i]
                if state.get(dep) == 1:
                    raise CycleError([*path[path.index(dep) :], dep])
                if state.get(dep) != 2:
                    stack.append((dep, 0))
            else:
                state[node] = 2
                path.pop()
                order.append(node)
    return order
