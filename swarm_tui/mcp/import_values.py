"""Values of an imported server definition: scalars, VS Code variables, and the stdio
command line with environment references (read when the server starts, through ``sh -c``).

Our config passes environment variables to a stdio server by name only and runs its command
without a shell, so a definition that builds a value from a variable (``${NAME:-default}``,
``"--root=${HOME}/x"``, ``KEY`` read from ``$OTHER``) is written as ``sh -c 'export ...;
exec cmd args'`` with the variables it reads passed through: the value is built when the
server starts, exactly as the other client would have built it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from swarm_tui.mcp.envrefs import Ref, parse

__all__ = ["Piece", "Words", "env_name_for_input", "literal", "scalar", "shell_command"]


@dataclass(frozen=True, slots=True)
class Piece:
    """Literal ``text``, or a variable ``name`` (with its ``default``) when ``name`` is set."""

    text: str = ""
    name: str | None = None
    default: str | None = None


def scalar(value: object) -> str:
    """A JSON value as the text the other client would have passed (``true``, not ``True``)."""
    return value if isinstance(value, str) else json.dumps(value)


def env_name_for_input(ident: str) -> str:
    """The variable name that stands for VS Code's ``${input:ident}`` prompt."""
    return re.sub(r"[^A-Za-z0-9_]", "_", ident).upper().lstrip("0123456789") or "INPUT"


@dataclass
class Words:
    """Turns strings into :class:`Piece` lists for one server, collecting notes."""

    server: str
    workspace: Path
    notes: list[str] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)

    def pieces(self, value: str) -> list[Piece]:
        out: list[Piece] = []
        for part in parse(value):
            piece = part if isinstance(part, str) else self._ref(part)
            if isinstance(piece, str):
                if out and out[-1].name is None:
                    out[-1] = Piece(out[-1].text + piece)
                else:
                    out.append(Piece(piece))
            else:
                out.append(piece)
        return out

    def _ref(self, ref: Ref) -> str | Piece:
        if ref.kind == "env":
            return Piece(name=ref.name, default=ref.default)
        if ref.kind == "input":
            name = env_name_for_input(ref.name)
            self._note(f"${{input:{ref.name}}} was a VS Code prompt: export {name} instead")
            return Piece(name=name)
        if ref.kind in ("workspace", "workspace_name"):
            self._note(f"${{{ref.name}}} was taken as {self.workspace}")
            return str(self.workspace) if ref.kind == "workspace" else self.workspace.name
        if ref.kind == "home":
            return str(Path.home())
        if ref.kind == "sep":
            return "/"
        if ref.name not in self.unknown:
            self.unknown.add(ref.name)
            self._note(f"${{{ref.name}}} is not a variable swarm-tui knows; kept as text")
        return f"${{{ref.name}}}"

    def _note(self, text: str) -> None:
        note = f"{self.server}: {text}"
        if note not in self.notes:
            self.notes.append(note)


def literal(pieces: list[Piece]) -> str | None:
    """The text when ``pieces`` read no variable, else None."""
    if any(p.name for p in pieces):
        return None
    return "".join(p.text for p in pieces)


def _double_quoted(text: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", text)


def _sh_word(pieces: list[Piece]) -> str:
    word = ""
    for piece in pieces:
        if piece.name is None:
            word += shlex.quote(piece.text) if piece.text else ""
        elif piece.default is None:
            word += f'"${{{piece.name}}}"'
        else:
            word += f'"${{{piece.name}:-{_double_quoted(piece.default)}}}"'
    return word or "''"


def shell_command(argv: list[list[Piece]], exports: dict[str, list[Piece]]) -> list[str]:
    """``["sh", "-c", SCRIPT]``: export each built variable, then exec the command."""
    script = [f"export {name}={_sh_word(pieces)}" for name, pieces in exports.items()]
    script.append("exec " + " ".join(_sh_word(word) for word in argv))
    return ["sh", "-c", "; ".join(script)]
