"""One imported stdio server: command, args, env, envFile and cwd as ``[mcp.servers.NAME]``.

A single-string command with no ``args`` (mcporter's ``"npx -y pkg /tmp"``) and a string
``args`` are split like a shell would (``shlex``); non-string values keep their JSON text
(``true``, not ``True``). Literal values that look secret are never copied: they become
variables passed through from the environment, with a note saying what to export.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from swarm_tui.config.errors import looks_like_secret
from swarm_tui.mcp.import_values import Piece, Words, literal, scalar, shell_command

__all__ = ["LeftOut", "stdio_table"]

_SECRET_NAME = re.compile(r"(?i)(key|token|secret|passw|auth|cookie|credential|bearer)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTENV = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


class LeftOut(Exception):
    """The server cannot be written as our config; the message says why."""


def _argv(raw: dict[str, Any], words: Words) -> list[str]:
    command = raw["command"]
    args = raw.get("args")
    if isinstance(args, str):
        try:
            args = shlex.split(args)
        except ValueError as exc:
            raise LeftOut(f"its args string cannot be split ({exc})") from None
        words.notes.append(f"{words.server}: args was one string; split into {args}")
    elif args is None:
        args = []
    elif not isinstance(args, list):
        raise LeftOut(f"args is a {type(args).__name__}, not a list or string")
    if isinstance(command, list):
        return [scalar(c) for c in command] + [scalar(a) for a in args]
    if not args and " " in command.strip() and not Path(command).expanduser().exists():
        try:
            split = shlex.split(command)
        except ValueError as exc:
            raise LeftOut(f"its command cannot be split ({exc})") from None
        words.notes.append(
            f"{words.server}: command {command!r} was split into program {split[0]!r}"
            f" and arguments {split[1:]}"
        )
        return split
    return [command] + [scalar(a) for a in args]


def _env_file(raw: dict[str, Any], words: Words) -> list[str]:
    """The names an ``envFile`` (VS Code) defines: passed through, values never read."""
    spec = raw.get("envFile")
    if not isinstance(spec, str):
        return []
    text = literal(words.pieces(spec))
    path = Path(text).expanduser() if text is not None else None
    if path is not None and not path.is_absolute():
        path = words.workspace / path
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path else None
    except (OSError, UnicodeDecodeError):
        lines = None
    if lines is None:
        words.notes.append(
            f"{words.server}: envFile {spec} could not be read; swarm-tui reads no env"
            " files: export the variables the server needs and list them in env"
        )
        return []
    names = [m.group(1) for line in lines if (m := _DOTENV.match(line))]
    if names:
        words.notes.append(
            f"{words.server}: envFile {path} defines {', '.join(names)}; swarm-tui passes"
            " them from its own environment (it reads no env files): export them"
        )
    return names


def _env(raw: dict[str, Any], words: Words, shell: dict[str, list[Piece]]) -> list[str]:
    env: list[str] = []
    source = raw.get("env")
    if source is not None and not isinstance(source, dict):
        raise LeftOut(f"env is a {type(source).__name__}, not an object")
    for name, value in (source or {}).items():
        if not _ENV_NAME.fullmatch(name):
            words.notes.append(f"{words.server}: env {name!r} is not a variable name; skipped")
            continue
        if value is None:
            words.notes.append(f"{words.server}: env {name} had no value (null); skipped")
            continue
        pieces = words.pieces(scalar(value))
        text = literal(pieces)
        if text is not None:
            if _SECRET_NAME.search(name) or looks_like_secret(text):
                env.append(name)
                words.notes.append(
                    f"{words.server}: {name} held a literal value that looks secret; it was"
                    f" not copied — export {name} in the environment swarm-tui runs in"
                )
            else:
                env.append(f"{name}={text}")
            continue
        if len(pieces) == 1 and pieces[0].name == name and pieces[0].default is None:
            env.append(name)
            continue
        for piece in pieces:
            if piece.default is not None and looks_like_secret(piece.default):
                words.notes.append(
                    f"{words.server}: the default of ${{{piece.name}}} looks secret and was"
                    f" not copied: export {piece.name}"
                )
        shell[name] = [
            Piece(p.text, p.name, None if p.default and looks_like_secret(p.default) else p.default)
            for p in pieces
        ]
    return env


def stdio_table(raw: dict[str, Any], words: Words) -> dict[str, Any]:
    """``command``/``args``/``env``/``cwd`` for a stdio server; raises :class:`LeftOut`."""
    argv = [words.pieces(a) for a in _argv(raw, words)]
    for i, word in enumerate(argv[1:], 1):
        text = literal(word)
        if text is not None and looks_like_secret(text):
            argv[i] = [Piece("REMOVED-SECRET")]
            words.notes.append(
                f"{words.server}: argument {i} looked like a secret and was removed; pass it"
                " through an environment variable instead"
            )
    exports: dict[str, list[Piece]] = {}
    env = _env(raw, words, exports)
    listed = {e.partition("=")[0] for e in env}
    env += [n for n in _env_file(raw, words) if n not in listed and n not in exports]
    table: dict[str, Any] = {}
    plain = [literal(w) for w in argv]
    if exports or any(t is None for t in plain):
        reads = sorted({p.name for w in [*argv, *exports.values()] for p in w if p.name})
        table["command"], *table["args"] = shell_command(argv, exports)
        env += [n for n in reads if n not in {e.partition("=")[0] for e in env}]
        words.notes.append(
            f"{words.server}: it builds values from ${', $'.join(reads)} when it starts,"
            " so it runs through `sh -c` (export those variables)"
        )
    else:
        table["command"], *table["args"] = [t or "" for t in plain]
    if env:
        table["env"] = env
    cwd = raw.get("cwd")
    if isinstance(cwd, str):
        text = literal(words.pieces(cwd))
        if text is None:
            raise LeftOut(f"its cwd {cwd!r} reads a variable; swarm-tui takes cwd as written")
        table["cwd"] = text
    return table
