"""``swarm-tui codex-sessions``: the sessions Codex keeps, to continue one by id."""

from __future__ import annotations

import argparse
from pathlib import Path

from swarm_tui.providers.cli.codex_sessions import codex_home, codex_sessions, session_lines

__all__ = ["cmd_codex_sessions"]


def cmd_codex_sessions(args: argparse.Namespace) -> int:
    """List Codex's sessions (id, start, source, directory, first prompt), newest first;
    exit 1 when its home has none."""
    home = Path(args.codex_home).expanduser() if args.codex_home else codex_home()
    sessions = codex_sessions(home, args.source)
    if not sessions:
        which = f" from {args.source}" if args.source else ""
        print(f"no Codex sessions{which} in {home / 'sessions'}")
        return 1
    for line in session_lines(sessions):
        print(line)
    print(
        f"{len(sessions)} session(s); continue one with codex-reply (threadId = ID) through"
        " [mcp.servers.codex], or `codex exec resume ID PROMPT`"
    )
    return 0
