"""Carry out one request of the protocol on the orchestrator: decode the arguments by the
public method's own type hints, call it, encode what it returns (or say why it refused)."""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable
from typing import Any

from swarm_tui.core.control import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.submit import SubmitError
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.service.codec import CodecError, decode, encode
from swarm_tui.service.protocol import CONTROL_CALLS

__all__ = ["CallFailed", "call_control", "carry_out"]

log = logging.getLogger("swarm_tui.service")

REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (InvalidTransition, "invalid"),
    (SubmitError, "submit"),
    (ControlError, "control"),
)
"""The API's own refusals (nothing was changed), by the kind a client sees."""


class CallFailed(Exception):
    """A request that was not carried out: ``kind`` and a message a person can act on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@functools.cache
def _hints(name: str) -> dict[str, Any]:
    """The public method's hints, from the class that defines the API (its mixins)."""
    return typing.get_type_hints(getattr(Orchestrator, name))


def _bind(method: Callable[..., Any], hints: dict[str, Any], args: dict[str, Any]) -> Any:
    signature = inspect.signature(method)
    values = {}
    for key, raw in args.items():
        if key not in signature.parameters:
            raise CallFailed("request", f"{method.__name__} takes no argument {key!r}")
        try:
            values[key] = decode(hints.get(key, Any), raw, key)
        except CodecError as exc:
            raise CallFailed("request", f"{method.__name__}: {exc}") from None
    try:
        return signature.bind(**values)
    except TypeError as exc:
        raise CallFailed("request", f"{method.__name__}: {exc}") from None


async def call_control(orch: Orchestrator, name: str, args: dict[str, Any]) -> Any:
    """``orch.name(**args)`` with decoded arguments; the result encoded for JSON."""
    if name not in CONTROL_CALLS:
        raise CallFailed("request", f"no call {name!r}")
    return await carry_out(name, getattr(orch, name), _hints(name), args, orch.redactor)


async def carry_out(
    name: str,
    method: Callable[..., Any],
    hints: dict[str, Any],
    args: dict[str, Any],
    redactor: Callable[[str], str],
) -> Any:
    """``method(**args)`` with arguments decoded by ``hints``; the result encoded for JSON
    (an API refusal as :class:`CallFailed` of its kind)."""
    bound = _bind(method, hints, args)
    try:
        result = method(*bound.args, **bound.kwargs)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        for cls, kind in REFUSALS:
            if isinstance(exc, cls):
                raise CallFailed(kind, str(exc)) from None
        log.exception("service call %s failed", name)
        raise CallFailed("internal", redactor(f"{name} failed: {exc}")) from None
    return encode(result)
