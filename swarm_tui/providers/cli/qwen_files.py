"""What Qwen Code keeps in its home (``~/.qwen``) that a run needs to know, read only: the
auth type its settings chose, and a session's token totals so far (a resumed session's
``result`` counts the whole session)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.cli.dialect import object_at

__all__ = ["auth_type", "session_totals"]

_COUNTS = ("input_token_count", "output_token_count", "cached_content_token_count")
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~")) / ".qwen"


def auth_type(args: list[str], env: Mapping[str, str]) -> str | None:
    """The auth type Qwen Code will use: from ``--auth-type`` in ``args``, else the one its
    user settings chose (``security.auth.selectedType``); None when nothing chose one."""
    for i, arg in enumerate(args):
        if arg.startswith("--auth-type="):
            return arg.split("=", 1)[1]
        if arg == "--auth-type" and i + 1 < len(args):
            return args[i + 1]
    try:
        settings = json.loads((_home(env) / "settings.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    security = settings.get("security") if isinstance(settings, dict) else None
    auth = security.get("auth") if isinstance(security, dict) else None
    chosen = auth.get("selectedType") if isinstance(auth, dict) else None
    return chosen if isinstance(chosen, str) and chosen else None


def session_totals(env: Mapping[str, str], session_id: str) -> tuple[int, int, int] | None:
    """A session's tokens so far (input, output, cached): the sum of the API responses its
    chat file (``projects/<dir>/chats/<id>.jsonl``) recorded; None when there is none."""
    if not _ID.fullmatch(session_id):
        return None
    totals = [0, 0, 0]
    found = False
    for path in (_home(env) / "projects").glob(f"*/chats/{session_id}.jsonl"):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        for line in lines:
            if '"qwen-code.api_response"' not in line:
                continue
            counts = _counts(line)
            if counts is not None:
                found = True
                totals = [t + c for t, c in zip(totals, counts, strict=True)]
    return (totals[0], totals[1], totals[2]) if found else None


def _counts(line: str) -> tuple[int, int, int] | None:
    event = object_at(line, "systemPayload", "uiEvent")
    if event is None or event.get("event.name") != "qwen-code.api_response":
        return None
    a, b, c = (v if isinstance(v, int) and not isinstance(v, bool) else 0
               for v in (event.get(k) for k in _COUNTS))  # fmt: skip
    return a, b, c
