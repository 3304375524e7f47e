"""JSON for the service protocol: the swarm's dataclasses, enums and containers, both ways.

Encoding is generic (a dataclass becomes an object of its fields, an enum its value, a tuple
a list). Decoding follows the type hints of the target (``Task``, ``list[tuple[Task, bool]]``,
``QueueStart``...), so a client gets back the very types the in-process API returns. A
field that cannot travel (an ``asyncio.Future``) is left out and comes back as a done future.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["CodecError", "decode", "encode", "hints_of"]


class CodecError(ValueError):
    """A value that does not fit the type it should have; the message says where."""


def encode(value: object) -> Any:
    """A JSON-ready form of ``value``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), asyncio.Future)
        }
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode(v) for v in value]
    raise CodecError(f"cannot send a {type(value).__name__} over the service protocol")


@functools.cache
def hints_of(cls: type) -> dict[str, Any]:
    """The resolved type hints of a dataclass (its module's names; ``__future__`` strings)."""
    return typing.get_type_hints(cls)


def _done_future() -> asyncio.Future[str]:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()
    future.set_result("")
    return future


def decode(hint: Any, data: Any, where: str = "value") -> Any:
    """``data`` (parsed JSON) as an instance of ``hint``; :class:`CodecError` if it does not fit."""
    origin = typing.get_origin(hint)
    if hint is Any or hint is object:
        return data
    if hint is None or hint is type(None):
        if data is not None:
            raise CodecError(f"{where}: expected null")
        return None
    if origin in (typing.Union, types.UnionType):
        return _decode_union(typing.get_args(hint), data, where)
    if origin is typing.Literal:
        if data not in typing.get_args(hint):
            raise CodecError(f"{where}: expected one of {typing.get_args(hint)}, got {data!r}")
        return data
    if origin is not None:
        return _decode_generic(origin, typing.get_args(hint), data, where)
    if isinstance(hint, type):
        return _decode_plain(hint, data, where)
    raise CodecError(f"{where}: cannot decode type {hint!r}")


def _decode_union(options: tuple[Any, ...], data: Any, where: str) -> Any:
    if data is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return decode(option, data, where)
        except CodecError as exc:
            errors.append(str(exc))
    raise CodecError("; ".join(errors) or f"{where}: no type fits {data!r}")


def _decode_generic(origin: Any, args: tuple[Any, ...], data: Any, where: str) -> Any:
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        if not isinstance(data, dict):
            raise CodecError(f"{where}: expected an object")
        value_hint = args[1] if len(args) == 2 else Any
        return {k: decode(value_hint, v, f"{where}.{k}") for k, v in data.items()}
    if not isinstance(data, list):
        raise CodecError(f"{where}: expected a list")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise CodecError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(
            decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, data, strict=True))
        )
    if origin in (list, Sequence, Collection, Iterable) or (
        isinstance(origin, type) and issubclass(origin, Sequence)
    ):
        item = args[0] if args else Any
        return [decode(item, v, f"{where}[{i}]") for i, v in enumerate(data)]
    if origin in (set, frozenset):
        return origin(decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
    raise CodecError(f"{where}: cannot decode {origin!r}")


def _decode_plain(hint: type, data: Any, where: str) -> Any:
    if issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            raise CodecError(f"{where}: {data!r} is no {hint.__name__}") from None
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, data, where)
    if hint is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if hint is int and isinstance(data, bool):
        raise CodecError(f"{where}: expected int, got a boolean")
    if hint in (bool, int, float, str):
        if not isinstance(data, hint):
            raise CodecError(f"{where}: expected {hint.__name__}, got {type(data).__name__}")
        return data
    raise CodecError(f"{where}: cannot decode a {hint.__name__}")


def _decode_dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise CodecError(f"{where}: expected an object for {cls.__name__}")
    hints = hints_of(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if typing.get_origin(hint) is asyncio.Future or hint is asyncio.Future:
            values[f.name] = _done_future()
        elif f.name in data:
            values[f.name] = decode(hint, data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise CodecError(f"{where}: {cls.__name__} needs {f.name!r}")
    unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise CodecError(f"{where}: {cls.__name__} has no {', '.join(sorted(unknown))}")
    return cls(**values)
