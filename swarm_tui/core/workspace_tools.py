"""The workspace tools offered to an API-model attempt of a coding task, beside the hub's.

:class:`WorkspaceHost` is a :class:`~swarm_tui.core.toolloop.ToolHost`: it offers the
worktree's tools (``workspace__read_file`` and so on, see ``workspace/tool_specs.py``) and
the MCP hub's (when one is attached), and routes each call. The calls go through the tool
loop's approval gate like any tool (``[mcp.policies]``: ``"workspace__*" = "auto"`` lets
them run unattended). A path the worktree refuses (``..``, absolute, ``.git``, a symlink
out) is answered to the model as an error and written to the ledger (``path_refused``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from swarm_tui.core.toolloop import OfferedTool, ToolHost, ToolOutput
from swarm_tui.domain.toolnames import definition_hash
from swarm_tui.workspace.commands import CommandResult
from swarm_tui.workspace.tool_specs import SERVER, TOOL_SPECS
from swarm_tui.workspace.tools import WorkspaceTools

__all__ = ["WorkspaceHost"]

Refusal = Callable[[str, str, str], Awaitable[None]]
"""Records a refused path: (tool, path, reason)."""


class WorkspaceHost:
    def __init__(self, inner: ToolHost | None, refused: Refusal) -> None:
        self.inner = inner
        self.refused = refused
        self.tools: WorkspaceTools | None = None
        """Set once the attempt's worktree is ready."""

    def attach(self, root: Path, checks: Callable[[], Awaitable[list[CommandResult]]]) -> None:
        self.tools = WorkspaceTools(root, checks)

    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]:
        offered = [
            OfferedTool(
                f"{SERVER}__{spec.name}",
                SERVER,
                spec.name,
                spec.description,
                spec.schema,
                definition_hash(spec.description, spec.schema),
            )
            for spec in TOOL_SPECS
        ]
        if self.tools is None:
            offered = []
        if self.inner is not None:
            offered += await self.inner.tools_for(agent, allow)
        return offered

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        if tool.server != SERVER:
            if self.inner is None:
                return ToolOutput(f"no tool named {tool.name!r}", True)
            return await self.inner.call(tool, arguments, agent, project=project)
        if self.tools is None:
            return ToolOutput("the worktree is not ready", True)
        result = await self.tools.call(tool.tool, arguments)
        if result.refused is not None:
            await self.refused(tool.name, result.refused.path, result.refused.reason)
        return ToolOutput(result.text, result.is_error)
