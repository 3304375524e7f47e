"""The swarm's own MCP server in the MCP configuration of every agent CLI the swarm launches.

Each run of an agent CLI gets ``swarm-tui mcp-serve`` over stdio: this interpreter
(``sys.executable -m swarm_tui``), the same ledger file (``--db``) and config file
(``--config``), so CLI agents share the swarm's memory and can hand tasks to it
(``submit_task``, ``wait_for_task``...). How each CLI is told, all per run, never by editing
the user's own settings (``~/.claude``, ``~/.gemini``, ``~/.codex``...):

- Claude Code: ``--mcp-config FILE --allowedTools mcp__swarm`` (its tools run unprompted),
  the server marked ``alwaysLoad`` (in ``-p`` mode Claude Code 2.1 does not otherwise wait
  for a server that takes a second to start: its tools were simply missing);
- Qwen Code: ``--mcp-config FILE`` (``{"mcpServers": ...}`` with the server trusted);
- Copilot CLI: ``--additional-mcp-config @FILE`` (added to ``~/.copilot/mcp-config.json``);
- Gemini CLI: ``GEMINI_CLI_HOME`` set to a per-run home whose ``.gemini/settings.json`` is
  the user's own plus the server, the rest of ``.gemini`` linked to the user's;
- Codex: ``-c mcp_servers.swarm.command=...`` overrides (no file at all), with
  ``required = true`` (Codex waits for the server, and fails the run if it cannot start,
  rather than going on without its tools) and ``default_tools_approval_mode = "approve"``
  (``codex exec`` never asks, so an unapproved call failed with "MCP tool call requires
  approval, but approval policy is never").

FILE lives in the run's scratch directory (private to the user), deleted when the run ends.
The server entries carry no ``env``: nothing from the environment is written to disk, and no
CLI gains a variable but Gemini's ``GEMINI_CLI_HOME``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarm_tui.config import Settings

__all__ = [
    "GEMINI_HOME_ENV",
    "SERVER_NAME",
    "Hookup",
    "SwarmServer",
    "claude_hookup",
    "codex_hookup",
    "copilot_hookup",
    "gemini_hookup",
    "qwen_hookup",
    "swarm_server",
]

SERVER_NAME = "swarm"
CONFIG_FILE = "swarm-mcp.json"
GEMINI_HOME_ENV = "GEMINI_CLI_HOME"
"""The directory Gemini CLI keeps ``.gemini`` in (default: the home directory)."""
GEMINI_KEPT = ("tmp", "history")
"""What Gemini CLI writes in ``.gemini`` during a run (``tmp/<project>/chats`` holds the
sessions ``--resume`` reads): created in the user's own ``.gemini`` when missing, so the
per-run home links to them and a session outlives its run."""


@dataclass(frozen=True, slots=True)
class SwarmServer:
    """The command line of ``swarm-tui mcp-serve`` on one ledger."""

    command: str
    args: tuple[str, ...]

    def for_agent(self, name: str) -> SwarmServer:
        """The same server, recording ``name`` as the author of memory writes."""
        return SwarmServer(self.command, (*self.args, "--author", name))

    def stdio(self, **extra: Any) -> dict[str, Any]:
        """The ``mcpServers`` entry most CLIs read: command and args (never env)."""
        return {**extra, "command": self.command, "args": list(self.args)}


@dataclass(frozen=True, slots=True)
class Hookup:
    """What one CLI run needs to see the server: arguments put before the user's own
    ``cli.args``, variables added to its environment, and a note for the CLI's log."""

    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None


def swarm_server(settings: Settings, ledger: Path) -> SwarmServer | None:
    """``swarm-tui mcp-serve`` on ``ledger`` with the config file in use (None when
    ``[mcp] cli_swarm_server`` is off). Paths are absolute: CLIs run in other directories."""
    if not settings.mcp.cli_swarm_server:
        return None
    args = ["-m", "swarm_tui", "mcp-serve", "--db", str(ledger.expanduser().resolve())]
    source = Path(settings.source)
    if source.is_file():
        args += ["--config", str(source.resolve())]
    return SwarmServer(sys.executable, tuple(args))


def _write(scratch: Path, data: dict[str, Any], name: str = CONFIG_FILE) -> Path:
    path = scratch / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


def claude_hookup(server: SwarmServer, scratch: Path) -> Hookup:
    entry = server.stdio(type="stdio", alwaysLoad=True)
    path = _write(scratch, {"mcpServers": {SERVER_NAME: entry}})
    return Hookup(("--mcp-config", str(path), "--allowedTools", f"mcp__{SERVER_NAME}"))


def qwen_hookup(server: SwarmServer, scratch: Path) -> Hookup:
    path = _write(scratch, {"mcpServers": {SERVER_NAME: server.stdio(trust=True)}})
    return Hookup(("--mcp-config", str(path)))


def copilot_hookup(server: SwarmServer, scratch: Path) -> Hookup:
    entry = server.stdio(type="local", tools=["*"])
    path = _write(scratch, {"mcpServers": {SERVER_NAME: entry}})
    return Hookup(("--additional-mcp-config", f"@{path}"))


def codex_hookup(server: SwarmServer) -> Hookup:
    # Each value is TOML; a JSON string or array of strings is valid TOML.
    prefix = f"mcp_servers.{SERVER_NAME}"
    pairs = [("command", json.dumps(server.command)), ("args", json.dumps(list(server.args)))]
    pairs += [
        ("startup_timeout_sec", "30"),
        ("required", "true"),
        ("default_tools_approval_mode", '"approve"'),
    ]
    args: list[str] = []
    for key, value in pairs:
        args += ["-c", f"{prefix}.{key}={value}"]
    return Hookup(tuple(args))


def gemini_hookup(server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
    """A per-run Gemini home: ``GEMINI_CLI_HOME`` points at ``scratch/gemini-home``, whose
    ``.gemini/settings.json`` is the user's own plus the server (trusted), and whose other
    entries are links to the user's ``.gemini`` (logins, trusted folders, history stay
    theirs; its ``tmp`` and ``history`` directories are made first when missing, or a
    first run's sessions would be written in the per-run home and lost with it). Gemini CLI
    accepts a system settings file only when root owns it and its directories, so that route
    is closed to a per-run file."""
    real_home = env.get(GEMINI_HOME_ENV) or env.get("HOME") or str(Path.home())
    real = Path(real_home).expanduser() / ".gemini"
    settings_path = real / "settings.json"
    settings: dict[str, Any] = {}
    if settings_path.is_file():
        try:
            loaded = json.loads(settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not plain JSON"
            note = f"swarm MCP server not added: cannot read {settings_path} ({why})"
            return Hookup(note=note)
        settings = loaded if isinstance(loaded, dict) else {}
    home = scratch / "gemini-home"
    overlay = home / ".gemini"
    overlay.mkdir(parents=True)
    for kept in GEMINI_KEPT:  # made where Gemini CLI itself would make them, so they last
        (real / kept).mkdir(mode=0o700, parents=True, exist_ok=True)
    if real.is_dir():
        for entry in real.iterdir():
            if entry.name != "settings.json":
                (overlay / entry.name).symlink_to(entry)
    servers = settings.get("mcpServers")
    servers = dict(servers) if isinstance(servers, dict) else {}
    servers[SERVER_NAME] = server.stdio(trust=True)
    merged = {**settings, "mcpServers": servers}
    mcp = settings.get("mcp")
    allowed = mcp.get("allowed") if isinstance(mcp, dict) else None
    if isinstance(mcp, dict) and isinstance(allowed, list) and SERVER_NAME not in allowed:
        merged["mcp"] = {**mcp, "allowed": [*allowed, SERVER_NAME]}
    _write(overlay, merged, "settings.json")
    return Hookup(env={GEMINI_HOME_ENV: str(home)})
