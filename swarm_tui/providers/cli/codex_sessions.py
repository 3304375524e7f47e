"""The sessions Codex keeps (``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl``), read only.

Each rollout file starts with a ``session_meta`` line: the session's ``id``, when it started,
its ``cwd`` and its ``source`` (``mcp`` for sessions started through ``codex mcp-server``,
``exec`` for ``codex exec``, ``cli`` for the TUI...). Users who keep their coding context in
Codex's MCP sessions find them here by id, to continue them with ``codex-reply`` (``threadId``)
or ``codex exec resume ID``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CodexSession", "codex_home", "codex_sessions", "session_lines"]

_PROMPT_LINES = 40
"""How many lines of a rollout are read for its first prompt."""


@dataclass(frozen=True, slots=True)
class CodexSession:
    id: str
    started: str
    """ISO time the session started (as Codex wrote it)."""
    cwd: str
    source: str
    prompt: str
    """The first words of its first prompt ("" when none is found)."""
    path: Path


def codex_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CODEX_HOME``, else ``~/.codex``."""
    env = os.environ if env is None else env
    home = env.get("CODEX_HOME") or os.path.join(env.get("HOME") or "~", ".codex")
    return Path(home).expanduser()


def codex_sessions(home: Path, source: str | None = None) -> list[CodexSession]:
    """The sessions under ``home/sessions``, newest first; only ``source`` ones if given.
    Files that cannot be read or do not start with ``session_meta`` are skipped."""
    found = []
    for path in (home / "sessions").rglob("rollout-*.jsonl"):
        session = _read(path)
        if session is not None and (source is None or session.source == source):
            found.append(session)
    return sorted(found, key=lambda s: s.started, reverse=True)


def session_lines(sessions: list[CodexSession]) -> list[str]:
    """One line per session: id, start, source, directory and the first prompt."""
    return [
        f"{s.id}  {s.started[:19].replace('T', ' ')}  {s.source:<5} {s.cwd}  {s.prompt!r}"
        for s in sessions
    ]


def _read(path: Path) -> CodexSession | None:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            lines = [line for _, line in zip(range(_PROMPT_LINES), f, strict=False)]
    except OSError:
        return None
    meta = _payload(lines[0]) if lines else None
    if meta is None or not isinstance(meta.get("id"), str):
        return None
    return CodexSession(
        str(meta["id"]),
        str(meta.get("timestamp", "")),
        str(meta.get("cwd", "")),
        str(meta.get("source", "")),
        _first_prompt(lines[1:]),
        path,
    )


def _payload(line: str, kind: str = "session_meta") -> dict[str, object] | None:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict) or obj.get("type") != kind:
        return None
    payload = obj.get("payload")
    return payload if isinstance(payload, dict) else None


def _first_prompt(lines: list[str]) -> str:
    """The first user prompt: a ``user_message`` event (Codex 0.153) or a user
    ``response_item`` (0.171) that is not context Codex added (``<environment_context>``)."""
    for line in lines:
        text = ""
        event = _payload(line, "event_msg")
        item = _payload(line, "response_item")
        if event is not None and event.get("type") == "user_message":
            text = str(event.get("message", ""))
        elif item is not None and item.get("role") == "user":
            parts = item.get("content")
            text = " ".join(
                str(p.get("text", "")) for p in parts if isinstance(p, dict)
            ) if isinstance(parts, list) else ""  # fmt: skip
        if text.strip() and not text.lstrip().startswith("<"):
            return " ".join(text.split()[:12])
    return ""
