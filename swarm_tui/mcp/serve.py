"""The swarm as an MCP server: shared memory plus task tools, on one ledger.

``swarm-tui mcp-serve`` runs it over stdio (or streamable HTTP on a loopback port). Any MCP
client — an agent CLI the swarm launched, or an outside agent — can read and write the shared
memory and hand work to the swarm: ``submit_task``, ``list_tasks``, ``get_task_result`` and
``wait_for_task``. An orchestrator (in this process or another one on the same ledger) picks
submitted tasks up; this server never runs a model itself.

A call that cannot be carried out (an unknown role, a missing task, a bad state) is a tool
error (``isError``) whose text says why. ``wait_for_task`` returns well within the request
timeouts of common clients (mcporter, the MCP Inspector, Claude Desktop: 60 s; the swarm's own
hub: 30 s) and, while it waits, sends progress notifications to a caller that asked for them.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import Field

import swarm_tui
from swarm_tui.config import Settings
from swarm_tui.core.control import ControlError
from swarm_tui.core.memory_books import MemoryBooks
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.submit import SubmitError
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.mcp.memory import memory_tools
from swarm_tui.mcp.taskresults import (
    STATES,
    SubmittedTask,
    TaskList,
    TaskResult,
    WaitResult,
    result_of,
    summary_of,
)
from swarm_tui.mcp.tooldef import declare
from swarm_tui.store.ledger import Ledger

__all__ = ["DEFAULT_WAIT_S", "MAX_WAIT_S", "build_swarm_server"]

POLL_S = 0.5
"""How often a waiting ``wait_for_task`` reads the ledger."""
PROGRESS_S = 5.0
"""At most this long between progress notifications while waiting (and one per change)."""
DEFAULT_WAIT_S = 20.0
"""``wait_for_task``'s default: well under the 30 s of the swarm's hub and mcporter's list,
and the 60 s request timeout of the TypeScript SDK clients."""
MAX_WAIT_S = 600.0

STATE_LIST = ", ".join(STATES)

LIST_TASKS_DOC = f"""Tasks in the ledger, newest first; ``state`` keeps only tasks in that
state (one of {STATE_LIST}); ``limit`` caps how many (default 50)."""

WAIT_DOC = f"""Wait until a task ends (succeeded, failed or cancelled), then return it as
get_task_result does. Waits at most ``timeout_s`` seconds (default {DEFAULT_WAIT_S:g}, at most
{MAX_WAIT_S:g}); if the task is still going then, ``timed_out`` is true: call wait_for_task
again to wait longer. Keep ``timeout_s`` below your client's request timeout. Sends progress
notifications while waiting when the request carries a progressToken."""


def task_tools(
    settings: Settings,
    ledger: Ledger,
    *,
    clock: Callable[[], float] | None = None,
) -> list[Tool]:
    """``submit_task``, ``list_tasks``, ``get_task_result`` and ``wait_for_task`` on
    ``ledger`` (tasks validated against ``settings``); ``clock`` (monotonic seconds, default
    the event loop's) times the waits."""
    control = Orchestrator(settings, ledger, {})  # submit and read only; never started here
    roles = ", ".join(settings.agents)

    async def submit_task(
        prompt: Annotated[str, Field(description="What the swarm should do")],
        title: Annotated[str, Field(description="Short title (default: the prompt's start)")] = "",
        role: Annotated[str | None, Field(description="The agent to run it")] = None,
        priority: Annotated[int, Field(description="Higher runs first")] = 0,
        after: Annotated[
            list[int] | None, Field(description="Task ids that must succeed first")
        ] = None,
        key: Annotated[
            str | None, Field(description="Idempotency key: a second submit adds nothing")
        ] = None,
    ) -> SubmittedTask:
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
            raise ToolError(f"{exc}; nothing was submitted") from exc
        return SubmittedTask(**summary_of(task).model_dump(), created=created)

    async def list_tasks(
        state: Annotated[
            str | None,
            Field(description="Only tasks in this state", json_schema_extra={"enum": list(STATES)}),
        ] = None,
        limit: Annotated[int, Field(ge=1, description="At most this many")] = 50,
    ) -> TaskList:
        states = None
        if state:
            try:
                states = [TaskState(state)]
            except ValueError:
                raise ToolError(f"unknown state {state!r} (known: {STATE_LIST})") from None
        tasks = await ledger.list_tasks(states)
        tasks.sort(key=lambda t: -t.id)
        return TaskList(tasks=[summary_of(t) for t in tasks[:limit]])

    async def get_task_result(task_id: int) -> TaskResult:
        """A task's state, and its result (or error) once it has ended."""
        task = await ledger.get_task(task_id)
        if task is None:
            raise ToolError(f"no task #{task_id}")
        return result_of(task)

    async def wait_for_task(
        task_id: int,
        ctx: Context[Any, Any],
        timeout_s: Annotated[
            float, Field(description="Seconds to wait at most; call again to wait longer")
        ] = DEFAULT_WAIT_S,
    ) -> WaitResult:
        now = clock or asyncio.get_running_loop().time
        start = now()
        limit = min(max(timeout_s, 0.0), MAX_WAIT_S)
        reported: tuple[float, TaskState] | None = None
        while True:
            task = await ledger.get_task(task_id)
            if task is None:
                raise ToolError(f"no task #{task_id}")
            waited = now() - start
            if task.state.terminal or waited >= limit:
                return WaitResult(**result_of(task).model_dump(), timed_out=not task.state.terminal)
            if reported is None or reported[1] != task.state or waited - reported[0] >= PROGRESS_S:
                message = f"task #{task_id} is {task.state.value} ({waited:.0f} of {limit:g} s)"
                await ctx.report_progress(waited, limit, message)
                reported = (waited, task.state)
            await asyncio.sleep(min(POLL_S, limit - waited))

    submit_doc = inspect.cleandoc(submit_task.__doc__ or "") + "\n\nRoles: " + roles + "."
    return [
        declare(submit_task, title="Submit a task", description=submit_doc),
        declare(list_tasks, title="List tasks", read_only=True, description=LIST_TASKS_DOC),
        declare(get_task_result, title="Get a task's result", read_only=True),
        declare(wait_for_task, title="Wait for a task", read_only=True, description=WAIT_DOC),
    ]


def build_swarm_server(
    settings: Settings,
    ledger: Ledger,
    *,
    project: str = DEFAULT_PROJECT,
    author: str = "mcp-client",
) -> MCPServer:
    """Memory tools and task tools over ``ledger`` (tasks validated against ``settings``);
    ``author`` is recorded on memory writes (the agent CLI the swarm launched it for)."""
    return MCPServer(
        "swarm-tui",
        title="swarm-tui",
        version=swarm_tui.__version__,
        instructions=(
            "The swarm's shared memory (write_memory, read_memory, list_memories, edit_memory,"
            " rename_memory, delete_memory) and its task queue (submit_task, list_tasks,"
            " get_task_result, wait_for_task). Roles: " + ", ".join(settings.agents)
        ),
        tools=[
            *memory_tools(
                ledger,
                project,
                author=author,
                books=MemoryBooks(ledger, settings, default_project=project),
            ),
            *task_tools(settings, ledger),
        ],
    )
