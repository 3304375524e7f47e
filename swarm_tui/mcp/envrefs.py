"""Variable references in MCP server definitions, and header values built from them.

Other clients' files write a reference to an environment variable in several ways:
``${NAME}`` and ``${NAME:-default}`` (Claude Code, mcporter), ``${env:NAME}`` (VS Code,
Cursor), ``$env:NAME`` (mcporter headers) and a bare ``$NAME`` as a whole value. VS Code adds
its own: ``${workspaceFolder}``, ``${userHome}``, ``${input:ID}`` (a prompt)...
:func:`parse` splits a string into literal text and :class:`Ref` parts.

Our own config takes a header value as ``NAME`` (the whole value from ``$NAME``) or as a
template with ``${NAME}`` references (``"Bearer ${DOCS_TOKEN}"``); :func:`header_values`
builds the headers to send and names any variable that is not set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "MissingVariable",
    "Ref",
    "header_values",
    "parse",
    "template_names",
    "unset_header_variables",
]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REF = re.compile(
    r"\$\{(?P<body>[^${}]+)\}"  # ${...}
    rf"|\$env:(?P<ps>{_NAME})"  # $env:NAME
)
_BARE = re.compile(rf"\$({_NAME})")
_TEMPLATE_REF = re.compile(rf"\$\{{({_NAME})\}}")

VSCODE_VARIABLES = {
    "workspaceFolder": "workspace",
    "workspaceRoot": "workspace",
    "workspaceFolderBasename": "workspace_name",
    "userHome": "home",
    "pathSeparator": "sep",
    "/": "sep",
}


class MissingVariable(Exception):
    """A header needs an environment variable that is not set."""


@dataclass(frozen=True, slots=True)
class Ref:
    """One reference: ``kind`` is ``env`` (``name``, optional ``default``), ``workspace``,
    ``workspace_name``, ``home``, ``sep``, ``input`` (``name`` is the prompt's id) or
    ``unknown`` (``name`` is the text between the braces)."""

    kind: str
    name: str
    default: str | None = None


def _ref(body: str) -> Ref:
    if body in VSCODE_VARIABLES:
        return Ref(VSCODE_VARIABLES[body], body)
    if body.startswith("env:") and re.fullmatch(_NAME, body[4:]):
        return Ref("env", body[4:])
    if body.startswith("input:"):
        return Ref("input", body[6:])
    name, sep, default = body.partition(":-")
    if re.fullmatch(_NAME, name):
        return Ref("env", name, default if sep else None)
    return Ref("unknown", body)


def parse(value: str) -> list[str | Ref]:
    """``value`` as literal strings and references, in order (adjacent literals joined).
    A bare ``$NAME`` counts only as the whole value (``$5`` or ``a$b`` inside text stay text)."""
    bare = _BARE.fullmatch(value)
    if bare:
        return [Ref("env", bare.group(1))]
    parts: list[str | Ref] = []
    last = 0
    for match in _REF.finditer(value):
        if match.start() > last:
            parts.append(value[last : match.start()])
        ps = match.group("ps")
        parts.append(Ref("env", ps) if ps else _ref(match.group("body")))
        last = match.end()
    if last < len(value):
        parts.append(value[last:])
    return parts


def template_names(template: str) -> list[str]:
    """The variables a header template (``"Bearer ${TOKEN}"``) reads; [] for a bare NAME."""
    return _TEMPLATE_REF.findall(template)


def unset_header_variables(headers: Mapping[str, str], source: Mapping[str, str]) -> list[str]:
    """``"Header ($NAME)"`` for each variable a header reads that is unset or empty (an empty
    ``Authorization`` would reach the server as an anonymous request)."""
    return [
        f"{header} (${name})"
        for header, spec in headers.items()
        for name in (template_names(spec) or [spec])
        if not source.get(name)
    ]


def header_values(headers: Mapping[str, str], source: Mapping[str, str]) -> dict[str, str]:
    """Header -> value to send. Each configured value is a variable NAME or a ``${NAME}``
    template; raises :class:`MissingVariable` naming the header and variable when unset."""
    unset = unset_header_variables(headers, source)
    if unset:
        raise MissingVariable(f"header {', '.join(unset)} has no value (set the variable)")
    out: dict[str, str] = {}
    for header, spec in headers.items():
        if template_names(spec):
            out[header] = _TEMPLATE_REF.sub(lambda m: source[m.group(1)], spec)
        else:
            out[header] = source[spec]
    return out
