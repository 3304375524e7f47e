"""Turn validation failures into one clear message: file, line, key and what was expected.

Messages never carry a secret: anything that looks like an API key is redacted, and
validators report *that* a value is wrong rather than echoing it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarm_tui.config.toml_lines import find_key_line
from swarm_tui.domain.redact import MARKER

if TYPE_CHECKING:  # pydantic is loaded by the models, not by a command that reads no model
    from pydantic import ValidationError
    from pydantic_core import PydanticCustomError

__all__ = [
    "ConfigError",
    "Loc",
    "config_problem",
    "config_problems",
    "find_key_line",
    "format_validation_error",
    "looks_like_secret",
    "redact_secrets",
]

Loc = tuple[int | str, ...]
"""Where a value sits in the configuration, as pydantic reports it: ``("agents", "qa", "mix")``."""

_PROBLEMS = "config_problems"
"""Error type of :func:`config_problems`; its ``ctx`` carries ``(loc, message)`` pairs."""

_SECRET = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?:sk|pk|rk|xai)-[A-Za-z0-9_-]{6,}"  # OpenAI, Anthropic, OpenRouter, xAI, ...
    r"|(?:gsk|hf|ghp|gho|ghs|ghu|github_pat|sk_live|sk_test|glpat)_[A-Za-z0-9_]{16,}"
    r"|AIza[A-Za-z0-9_-]{20,}"  # Google
    r"|(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{32,}"  # long opaque tokens
    r")"
)
_REDACTED = MARKER


class ConfigError(Exception):
    """A configuration, task file or argument that cannot be used; the message says why."""


def looks_like_secret(value: str) -> bool:
    """True when ``value`` contains something shaped like an API key or token."""
    return _SECRET.search(value) is not None


def redact_secrets(text: str) -> str:
    """``text`` with every key-shaped substring replaced by ``[redacted]`` (the marker of
    :mod:`swarm_tui.domain.redact`)."""
    return _SECRET.sub(_REDACTED, text)


def config_problems(problems: Sequence[tuple[Loc, str]]) -> PydanticCustomError:
    """One validation error carrying several ``(loc, message)`` problems.

    Raise it from a validator when the problem belongs to a key *inside* the validated
    value (a mix entry, an agent name): ``loc`` is relative to the validated field, and
    :func:`format_validation_error` reports each problem at its own key and line.
    """
    from pydantic_core import PydanticCustomError

    summary = "; ".join(f"{_dotted(loc) or '(here)'}: {msg}" for loc, msg in problems)
    return PydanticCustomError(
        _PROBLEMS, "{summary}", {"summary": summary, "problems": tuple(problems)}
    )


def config_problem(loc: Loc, message: str) -> PydanticCustomError:
    """:func:`config_problems` for a single problem."""
    return config_problems([(loc, message)])


def _dotted(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            needs_quotes = not re.fullmatch(r"[A-Za-z0-9_-]+", p)
            parts.append(("." if parts else "") + (f'"{p}"' if needs_quotes else p))
    return "".join(parts)


def _got(value: object) -> str:
    """The TOML type of ``value``, for 'expected X, got Y' (never the value itself)."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    for kind, name in names.items():
        if type(value) is kind:
            return name
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


_TYPE_ERRORS = {
    "int_type",
    "int_parsing",
    "float_type",
    "float_parsing",
    "string_type",
    "bool_type",
    "dict_type",
    "list_type",
    "model_type",
    "model_attributes_type",
    "literal_error",
}


def _describe(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.toml.example)"
    if kind == "missing":
        return "required key is missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind in ("model_type", "model_attributes_type"):
        msg = "expected a table"
    if kind in _TYPE_ERRORS:
        msg += f" (got {_got(err['input'])})"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        value = err["input"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            msg += f" (got {value})"
    return msg


def _entries(err: Any) -> list[tuple[list[int | str], str]]:
    loc = [p for p in err["loc"] if p != "[key]"]
    ctx = err.get("ctx") or {}
    if err["type"] == _PROBLEMS and "problems" in ctx:
        return [(loc + list(sub), msg) for sub, msg in ctx["problems"]]
    return [(loc, _describe(err))]


def format_validation_error(path: Path | str, text: str, exc: ValidationError) -> str:
    """One line per problem: ``line N: dotted.key: what was expected``, secrets redacted."""
    found: list[tuple[int, str]] = []
    for err in exc.errors():
        for loc, msg in _entries(err):
            where = _dotted(loc) or "(top level)"
            number = find_key_line(text, loc)
            at = f"line {number}: " if number else ""
            found.append((number or 0, f"  {at}{where}: {msg}"))
    found.sort(key=lambda item: item[0])  # stable: same line keeps pydantic's order
    lines = [f"{path}: invalid configuration", *(line for _, line in found)]
    return redact_secrets("\n".join(lines))
