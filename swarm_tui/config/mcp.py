"""MCP servers the agents may use, and the rules for their tools (``[mcp]``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from swarm_tui.config.base import ENV_NAME, NAME, Strict, check_env_name
from swarm_tui.config.errors import config_problem, looks_like_secret

__all__ = ["MCPConfig", "MCPServerConfig", "ToolPolicy"]

ToolPolicy = Literal["auto", "ask", "deny"]

_TEMPLATE_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class MCPServerConfig(Strict):
    """One MCP server: a command run over stdio, or a streamable-HTTP URL."""

    command: str | None = None
    """Program to run for a stdio server, e.g. ``"mcp-server-time"`` or ``"npx"``."""
    args: list[str] = Field(default_factory=list)
    """Arguments for ``command``."""
    env: list[str] = Field(default_factory=list)
    """Environment for the child: ``"NAME"`` passes that variable from our environment,
    ``"NAME=value"`` sets a literal, non-secret value. Nothing else is passed (besides
    HOME, PATH, USER, LOGNAME, SHELL and TERM)."""
    cwd: str | None = None
    """Working directory of the stdio child (``~`` expands). Default: ours."""
    url: str | None = None
    """Streamable-HTTP endpoint, e.g. ``"http://127.0.0.1:8000/mcp"`` (instead of command)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """HTTP headers, as header -> NAME of the environment variable holding its value
    (``Authorization = "GITHUB_MCP_AUTH"``), or a template reading variables
    (``Authorization = "Bearer ${DOCS_TOKEN}"``); never the secret itself."""
    timeout_s: Annotated[float, Field(gt=0)] = 30.0
    """Longest one request to this server may take (a tool call, a ping)."""
    start_timeout_s: Annotated[float, Field(gt=0)] = 60.0
    """Longest the server may take to start: spawn, initialize and list its tools (``npx``
    fetching a package, or a loaded machine, can take a while the first time)."""
    start: Literal["boot", "first_use"] = "first_use"
    """Start when the swarm starts, or when an agent first needs its tools."""
    roots: list[str] | None = None
    """Directories declared to the server as its MCP roots (``~`` expands, relative paths
    are from our working directory). Default: ``cwd`` when set, else none. Some servers
    replace their own directories with the roots (server-filesystem does)."""

    @field_validator("env")
    @classmethod
    def _env(cls, v: list[str]) -> list[str]:
        for item in v:
            name, eq, value = item.partition("=")
            if not ENV_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an environment variable name")
            if eq and looks_like_secret(value):
                raise ValueError(
                    f"{name}: the literal value looks like a secret; list just {name!r} and"
                    " set it in the environment (the value given is not shown)"
                )
        return v

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        for value in v.values():
            if not _TEMPLATE_REF.search(value):
                check_env_name(value)
            elif "$" in _TEMPLATE_REF.sub("", value) or looks_like_secret(value):
                raise ValueError(
                    "a header template reads variables as ${NAME} (letters, digits, _) and"
                    " holds no secret itself; the value given is not shown"
                )
        return v

    @model_validator(mode="after")
    def _one_transport(self) -> MCPServerConfig:
        if (self.command is None) == (self.url is None):
            raise config_problem(("command",), "set exactly one of command (stdio) or url (HTTP)")
        return self


class MCPConfig(Strict):
    """The MCP hub: servers, tool policies and the tool loop's limits."""

    servers: dict[str, MCPServerConfig] = Field(default_factory=dict)
    """Servers by name; tools are offered as ``name__tool``. Agents list the servers (or
    ``server__tool*`` patterns) they may use in ``mcp_servers``; anything else is denied."""
    policies: dict[str, ToolPolicy] = Field(default_factory=dict)
    """Per tool pattern (``"git__git_commit"``, ``"filesystem__write_*"``): ``auto`` runs it,
    ``ask`` waits for a human, ``deny`` refuses. The most specific (longest) pattern wins."""
    default_policy: ToolPolicy = "ask"
    """Policy for an allowed tool that no pattern in ``policies`` matches."""
    headless_ask: Literal["deny", "auto"] = "deny"
    """What ``ask`` becomes when nobody can answer (``run --headless``)."""
    max_tool_turns: Annotated[int, Field(gt=0)] = 8
    """Model turns with tool calls in one attempt before it fails."""
    output_cap_chars: Annotated[int, Field(ge=200)] = 20000
    """Longest tool output given back to a model; the rest is cut with a note."""
    memory: bool = True
    """Offer the swarm's shared memory (``swarm__write_memory``...) to every API agent."""
    cli_swarm_server: bool = True
    """Put ``swarm-tui mcp-serve`` (this ledger's memory and task tools) in the MCP config of
    every agent CLI the swarm launches; a provider can opt out with ``cli.swarm_mcp = false``."""
    ping_interval_s: Annotated[float, Field(ge=0)] = 60.0
    """Ping a running server that has been idle this many seconds (then again each interval);
    one that fails or does not answer within its ``timeout_s`` is restarted. 0 turns it off."""

    @field_validator("servers")
    @classmethod
    def _names(cls, v: dict[str, MCPServerConfig]) -> dict[str, MCPServerConfig]:
        for name in v:
            if not NAME.fullmatch(name) or "__" in name or "." in name or name == "swarm":
                raise ValueError(
                    f"server name {name!r}: letters, digits, '_' or '-' only, no '__',"
                    " and 'swarm' is the built-in shared memory"
                )
        return v
