"""Topological ordering of a batch: dependencies first, stable, cycles named, no recursion."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarm_tui.core.graph import CycleError, topo_order


def _check_order(nodes: list[str], edges: dict[str, list[str]], order: list[str]) -> None:
    assert sorted(order) == sorted(nodes) and len(order) == len(set(order))
    where = {n: i for i, n in enumerate(order)}
    for node, deps in edges.items():
        for dep in deps:
            if dep in where:
                assert where[dep] < where[node], f"{dep} must come before {node}"


def test_no_edges_keeps_input_order() -> None:
    nodes = ["c", "a", "d", "b"]
    assert topo_order(nodes, {n: [] for n in nodes}) == nodes
    assert topo_order(nodes, {}) == nodes


def test_dependencies_come_first_others_keep_their_place() -> None:
    nodes = ["a", "b", "c", "d"]
    edges = {"a": ["c"], "b": [], "c": [], "d": ["b"]}
    assert topo_order(nodes, edges) == ["c", "a", "b", "d"]


def test_diamond() -> None:
    nodes = ["top", "left", "right", "base"]
    edges = {"top": ["left", "right"], "left": ["base"], "right": ["base"], "base": []}
    order = topo_order(nodes, edges)
    assert order == ["base", "left", "right", "top"]


def test_prerequisites_come_in_input_order_not_in_the_order_they_are_listed() -> None:
    nodes = ["release", "build", "docs"]
    edges = {"release": ["docs", "build"], "build": [], "docs": []}
    assert topo_order(nodes, edges) == ["build", "docs", "release"]


def test_a_later_prerequisite_waits_for_its_own_in_input_order() -> None:
    nodes = ["x", "a", "b", "c"]
    edges = {"x": ["a", "b"], "a": ["c"], "b": [], "c": []}
    assert topo_order(nodes, edges) == ["b", "c", "a", "x"]


def test_unknown_dependencies_are_ignored() -> None:
    assert topo_order(["a", "b"], {"a": ["zz"], "b": ["a"]}) == ["a", "b"]


def test_duplicate_edges_are_harmless() -> None:
    assert topo_order(["a", "b"], {"a": ["b", "b"], "b": []}) == ["b", "a"]


def test_self_loop() -> None:
    with pytest.raises(CycleError) as info:
        topo_order(["a"], {"a": ["a"]})
    assert info.value.cycle == ["a", "a"]
    assert str(info.value) == "dependency cycle: a -> a"


def test_two_cycle() -> None:
    with pytest.raises(CycleError) as info:
        topo_order(["a", "b"], {"a": ["b"], "b": ["a"]})
    assert str(info.value) == "dependency cycle: a -> b -> a"


def test_three_cycle_reached_from_outside_names_only_the_cycle() -> None:
    nodes = ["x", "a", "b", "c"]
    edges = {"x": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}
    with pytest.raises(CycleError) as info:
        topo_order(nodes, edges)
    assert info.value.cycle == ["a", "b", "c", "a"]
    assert "x" not in info.value.cycle
    assert str(info.value) == "dependency cycle: a -> b -> c -> a"


def test_cycle_behind_a_finished_part_is_still_found() -> None:
    nodes = ["ok1", "ok2", "p", "q"]
    edges = {"ok1": [], "ok2": ["ok1"], "p": ["ok2", "q"], "q": ["p"]}
    with pytest.raises(CycleError) as info:
        topo_order(nodes, edges)
    assert info.value.cycle == ["p", "q", "p"]


def test_long_chain_depending_forwards() -> None:
    nodes = [f"n{i}" for i in range(10_000)]
    edges = {nodes[i]: [nodes[i + 1]] for i in range(len(nodes) - 1)}
    edges[nodes[-1]] = []
    assert topo_order(nodes, edges) == nodes[::-1]


def test_long_chain_depending_backwards() -> None:
    nodes = [f"n{i}" for i in range(10_000)]
    edges = {nodes[i]: [nodes[i - 1]] if i else [] for i in range(len(nodes))}
    assert topo_order(nodes, edges) == nodes


def test_long_cycle() -> None:
    nodes = [f"n{i}" for i in range(10_000)]
    edges = {nodes[i]: [nodes[(i + 1) % len(nodes)]] for i in range(len(nodes))}
    with pytest.raises(CycleError) as info:
        topo_order(nodes, edges)
    assert info.value.cycle == [*nodes, "n0"]


def test_random_dag_is_ordered() -> None:
    rng = random.Random(3)
    nodes = [f"t{i}" for i in range(500)]
    edges = {n: [nodes[j] for j in rng.sample(range(i), min(i, 3))] for i, n in enumerate(nodes)}
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    _check_order(shuffled, edges, topo_order(shuffled, edges))


@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda n: st.tuples(
            st.permutations(list(range(n))),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
        )
    )
)
def test_property_valid_order_or_a_real_cycle(
    case: tuple[list[int], list[tuple[int, int]]],
) -> None:
    perm, pairs = case
    nodes = [f"v{i}" for i in perm]
    edges: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in pairs:
        edges[f"v{a}"].append(f"v{b}")
    try:
        order = topo_order(nodes, edges)
    except CycleError as exc:
        cycle = exc.cycle
        assert cycle[0] == cycle[-1] and len(cycle) >= 2
        for here, there in itertools.pairwise(cycle):
            assert there in edges[here]  # every step is a real edge
    else:
        _check_order(nodes, edges, order)
        if not pairs:
            assert order == nodes
