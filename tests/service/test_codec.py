"""Every event the bus carries survives the wire, and the client offers the orchestrator's
public API call for call (same names, same parameters)."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import types
import typing
from typing import Any

import pytest

from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import Attempt, Task, TaskSpec
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.client_socket import return_type
from swarm_tui.service.codec import CodecError, decode, encode
from swarm_tui.service.protocol import CONTROL_CALLS, EVENT_TYPES, event_line, parse, parse_event
from swarm_tui.store.task_rows import QueueStart


def sample(hint: Any, depth: int = 0) -> Any:
    """A value of ``hint`` with every optional part filled in (so every field is exercised)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in args if a is not type(None)), depth)
    if origin is typing.Literal:
        return args[-1]
    if origin is tuple:
        items = [args[0]] if len(args) == 2 and args[1] is Ellipsis else list(args)
        return tuple(sample(a, depth + 1) for a in items)
    if origin in (list, dict) or hint in (list, dict):
        if origin is dict or hint is dict:
            return {"k": sample(args[1] if args else str, depth + 1)}
        return [sample(args[0] if args else str, depth + 1)]
    if hint is object or hint is Any:
        return {"free": ["json", 1]}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return list(hint)[-1]
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: sample(hints[f.name], depth + 1) for f in dataclasses.fields(hint)})
    return {bool: True, int: 7, float: 2.5, str: "tëxt"}[hint]


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_event_type_round_trips(name: str) -> None:
    event = sample(EVENT_TYPES[name])
    assert parse_event(parse(event_line(event))) == event


@pytest.mark.parametrize("cls", [Task, Attempt, TaskSpec, QueueStart, ConsensusRecord])
def test_api_types_round_trip(cls: type) -> None:
    value = sample(cls)
    assert decode(cls, json.loads(json.dumps(encode(value)))) == value


def test_values_that_do_not_fit_are_refused_with_where() -> None:
    with pytest.raises(CodecError, match=r"spec\.priority: expected int, got str"):
        decode(TaskSpec, {"prompt": "p", "priority": "high"}, "spec")
    with pytest.raises(CodecError, match="TaskSpec needs 'prompt'"):
        decode(TaskSpec, {"title": "t"}, "spec")
    with pytest.raises(CodecError, match="TaskSpec has no colour"):
        decode(TaskSpec, {"prompt": "p", "colour": "red"}, "spec")
    with pytest.raises(CodecError, match="'loud' is no TaskMode"):
        decode(TaskSpec, {"prompt": "p", "mode": "loud"}, "spec")
    with pytest.raises(CodecError, match="expected int, got a boolean"):
        decode(int, True)
    assert parse_event({"event": "FromTheFuture", "data": {}}) is None  # newer service: skipped


KEPT_LOCALLY = {"pending_approvals": "fetch_approvals"}
"""Read by the room without waiting, as in-process: the client keeps it current and reads
it from the service with the other name."""


@pytest.mark.parametrize("name", CONTROL_CALLS)
def test_the_client_offers_each_call_as_the_orchestrator_does(name: str) -> None:
    remote = KEPT_LOCALLY.get(name, name)
    ours = inspect.signature(getattr(ServiceClient, remote))
    theirs = inspect.signature(getattr(Orchestrator, name))
    assert inspect.iscoroutinefunction(getattr(ServiceClient, remote))
    shape = [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == shape
    ret = typing.get_type_hints(getattr(Orchestrator, name))["return"]
    assert return_type(ServiceClient, remote) == ret  # what its answer is decoded to
    if remote != name:
        assert not inspect.iscoroutinefunction(getattr(ServiceClient, name))
        assert return_type(ServiceClient, name) == ret


def test_a_greeting_is_refused_for_an_error_or_another_protocol() -> None:
    from swarm_tui.service.protocol import PROTOCOL, refusal

    assert refusal({"protocol": PROTOCOL, "pid": 7}) is None
    assert refusal({"error": {"message": "not yours"}}) == "not yours"
    other = refusal({"protocol": PROTOCOL + 1})
    assert other is not None and f"protocol {PROTOCOL + 1}" in other
    assert "run the same version on both sides" in other
