"""Tools an agent CLI runs by itself are recorded on the attempt in the ledger, like the
tool loop's calls: arguments (secrets masked), outcome, result size, and ``approved_by``
``cli``; a call whose result never came is recorded as failed."""

from __future__ import annotations

import asyncio

from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.base import ToolCall, ToolResult
from tests.conftest import OrchFactory
from tests.fakes import FakeProvider, Script


async def test_a_cli_agents_own_tool_calls_land_in_the_ledger(make_orch: OrchFactory) -> None:
    events = [
        ToolCall("c1", "mcp__swarm__write_memory", {"memory_name": "n", "content": "x"}),
        ToolResult("c1", "Memory n written."),
        ToolCall("c2", "Bash", {"command": "false"}),
        ToolResult("c2", "exit 1", is_error=True),
        ToolCall("c3", "Read", {"file_path": "/nowhere"}),  # the CLI never said how it went
    ]
    provider = FakeProvider("p1", lambda _r: Script(events=list(events)))
    orch = make_orch(providers={"p1": provider, "p2": provider})
    [(task, _)] = await orch.submit([TaskSpec(prompt="go", role="a")])
    task_id = task.id
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert (await orch.task(task_id)).state is TaskState.SUCCEEDED
    [attempt] = await orch.attempts(task_id)
    calls = await orch.ledger.tool_calls(task_id=task_id)
    assert [(c.attempt_id, c.call_id, c.tool, c.outcome, c.approved_by) for c in calls] == [
        (attempt.id, "c1", "mcp__swarm__write_memory", "ok", "cli"),
        (attempt.id, "c2", "Bash", "tool_error", "cli"),
        (attempt.id, "c3", "Read", "failed", "cli"),
    ]
    assert calls[0].arguments == {"memory_name": "n", "content": "x"}
    assert calls[0].result_chars == len("Memory n written.") and calls[0].error is None
    assert calls[1].error == "exit 1"
    assert calls[2].error == "the CLI reported no result for this call"
