"""The swarm as an MCP server: shared memory plus task tools, on one ledger.

``swarm-tui mcp-serve`` runs it over stdio (or streamable HTTP on a loopback port). Any MCP
client — an agent CLI the swarm launched, or an outside agent — can read and write the shared
memory and hand work to the swarm: ``submit_task``, ``list_tasks``, ``get_task_result`` and
``wait_for_task``. An orchestrator (in this process or another one on the same ledger) picks
submitted tasks up; this server never runs a model itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcp.server.mcpserver import MCPServer

from swarm_tui.config import Settings
from swarm_tui.core.control import ControlError
from swarm_tui.core.models import Task, TaskSpec, TaskState
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.submit import SubmitError
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.mcp.memory import add_memory_tools
from swarm_tui.store.ledger import Ledger

__all__ = ["build_swarm_server"]

POLL_S = 0.5
MAX_WAIT_S = 600.0


def _summary(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "title": task.title,
        "role": task.role,
        "state": task.state.value,
        "priority": task.priority,
    }


def _result(task: Task) -> dict[str, Any]:
    return {**_summary(task), "result": task.result, "error": task.error}


def build_swarm_server(
    settings: Settings,
    ledger: Ledger,
    *,
    project: str = DEFAULT_PROJECT,
    author: str = "mcp-client",
) -> MCPServer:
    """Memory tools and task tools over ``ledger`` (tasks validated against ``settings``);
    ``author`` is recorded on memory writes (the agent CLI the swarm launched it for)."""
    server = MCPServer(
        "swarm-tui",
        instructions=(
            "The swarm's shared memory (write_memory, read_memory, list_memories, edit_memory,"
            " rename_memory, delete_memory) and its task queue (submit_task, list_tasks,"
            " get_task_result, wait_for_task). Roles: " + ", ".join(settings.agents)
        ),
    )
    add_memory_tools(server, ledger, project, author=author)
    control = Orchestrator(settings, ledger, {})  # submit and read only; never started here

    @server.tool()
    async def submit_task(
        prompt: str,
        title: str = "",
        role: str | None = None,
        priority: int = 0,
        after: list[int] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Hand a task to the swarm. ``role`` names an agent (default: the default agent);
        ``after`` lists task ids that must succeed first; ``key`` makes the submit
        idempotent. Returns the task id; use wait_for_task or get_task_result for the answer."""
        spec = TaskSpec(
            prompt=prompt,
            title=title,
            role=role,
            priority=priority,
            after=tuple(after or ()),
            key=key,
        )
        try:
            [(task, created)] = await control.submit([spec], labels=["mcp"])
        except (SubmitError, ControlError) as exc:
            return {"error": str(exc)}
        return {**_summary(task), "created": created}

    @server.tool()
    async def list_tasks(state: str | None = None, limit: int = 50) -> dict[str, Any]:
        """Tasks in the ledger, newest first; ``state`` filters (queued, running, succeeded,
        failed, paused, cancelled)."""
        states = None
        if state:
            try:
                states = [TaskState(state)]
            except ValueError:
                known = ", ".join(s.value for s in TaskState)
                return {"error": f"unknown state {state!r} (known: {known})"}
        tasks = await ledger.list_tasks(states)
        tasks.sort(key=lambda t: -t.id)
        return {"tasks": [_summary(t) for t in tasks[: max(1, limit)]]}

    @server.tool()
    async def get_task_result(task_id: int) -> dict[str, Any]:
        """A task's state, and its result (or error) once it has ended."""
        task = await ledger.get_task(task_id)
        if task is None:
            return {"error": f"no task #{task_id}"}
        return _result(task)

    @server.tool()
    async def wait_for_task(task_id: int, timeout_s: float = 60.0) -> dict[str, Any]:
        """Wait until a task ends (at most ``timeout_s``, capped at 600), then return it as
        get_task_result does; ``timed_out`` is true if it is still going."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(timeout_s, 0.0), MAX_WAIT_S)
        while True:
            task = await ledger.get_task(task_id)
            if task is None:
                return {"error": f"no task #{task_id}"}
            if task.state.terminal or loop.time() >= deadline:
                return {**_result(task), "timed_out": not task.state.terminal}
            await asyncio.sleep(POLL_S)

    return server
