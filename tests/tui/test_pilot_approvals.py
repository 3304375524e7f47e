"""Tool approvals (t) and shared memory (M): the screens show what the core holds, and each key
answers or writes through the orchestrator. Asserts on the gate and the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

from textual.widgets import OptionList, Static, TextArea

from swarm_tui.core.approvals import Decision
from swarm_tui.core.toolloop import OfferedTool, ToolHost, ToolOutput
from swarm_tui.tui.screens.approvals import ApprovalsScreen
from swarm_tui.tui.screens.choose import ConfirmScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen, MemoryScreen
from tests.tui.conftest import Room

ARGS: dict[str, object] = {"path": "/etc/hosts", "lines": [1, 2], "why": "check ünïcode"}


class NoHost:
    """The gate is under test here, not a tool server: nothing is ever called."""

    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]:
        return []

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        raise AssertionError("no tool runs in these tests")


def held_call(room: Room, arguments: dict[str, object] = ARGS) -> asyncio.Task[Decision]:
    """A call of ``files__read`` by agent a (policy ``ask``: the default) waiting for a human."""
    gate = room.orch.attach_tools(cast(ToolHost, NoHost()), interactive=True)
    return asyncio.create_task(
        gate.decide("a", "files__read", "hash-1", arguments, task_id=7, attempt_id=3)
    )


async def open_approvals(room: Room, count: int = 1) -> ApprovalsScreen:
    await room.wait_for(lambda: len(room.orch.pending_approvals()) == count, "a held call")
    await room.press("t")
    screen = room.app.screen
    assert isinstance(screen, ApprovalsScreen)
    return screen


def detail(screen: ApprovalsScreen | MemoryScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_held_call_is_announced_and_shown_with_its_exact_arguments(room: Room) -> None:
    job = held_call(room)
    screen = await open_approvals(room)
    assert any("1 tool call(s) wait for approval (t)" in n for n in room.notices("warning"))
    text = detail(screen, "#approval")
    assert "a wants to run files__read" in text
    assert "task #7" in text and "policy is ask for files__read" in text
    assert '"path": "/etc/hosts"' in text and '"why": "check ünïcode"' in text
    assert '"lines": [\n    1,\n    2\n  ]' in text  # pretty JSON, not a repr
    assert screen.query_one(OptionList).option_count == 1

    await room.press("o")
    decision = await asyncio.wait_for(job, 5)
    assert decision == Decision(True, "human:once")
    assert room.orch.pending_approvals() == []
    assert screen.query_one(OptionList).option_count == 0
    assert "Nothing waits" in detail(screen, "#approval")
    stored = await room.ledger.approval("a", "files__read")
    assert stored is not None and stored.decision == "auto"  # once: asks again next time

    again = held_call(room)
    await room.wait_for(lambda: len(room.orch.pending_approvals()) == 1, "the next call held")
    await room.press("escape")
    assert not isinstance(room.app.screen, ApprovalsScreen)
    room.orch.deny(room.orch.pending_approvals()[0].id)
    assert await asyncio.wait_for(again, 5) == Decision(False, "human:deny")


async def test_deny_refuses_the_call(room: Room) -> None:
    job = held_call(room)
    screen = await open_approvals(room)
    await room.press("d")
    assert await asyncio.wait_for(job, 5) == Decision(False, "human:deny")
    assert screen.query_one(OptionList).option_count == 0
    assert await room.ledger.approval("a", "files__read") is None  # nothing remembered


async def test_approve_always_lets_the_next_identical_call_through(room: Room) -> None:
    job = held_call(room)
    await open_approvals(room)
    await room.press("a")
    assert await asyncio.wait_for(job, 5) == Decision(True, "human:always")
    stored = await room.ledger.approval("a", "files__read")
    assert stored is not None and stored.decision == "always"

    second = held_call(room)
    assert await asyncio.wait_for(second, 5) == Decision(True, "stored:always")
    assert room.orch.pending_approvals() == []


async def test_the_selected_one_of_several_is_answered(room: Room) -> None:
    first = held_call(room, {"path": "one"})
    gate = room.orch.gate
    assert gate is not None
    await room.wait_for(lambda: len(room.orch.pending_approvals()) == 1, "the first call")
    second = asyncio.create_task(
        gate.decide("b", "shell__run", "hash-2", {"cmd": "ls"}, task_id=8, attempt_id=4)
    )
    screen = await open_approvals(room, count=2)
    await room.press("down")
    assert '"cmd": "ls"' in detail(screen, "#approval")
    await room.press("d")
    assert await asyncio.wait_for(second, 5) == Decision(False, "human:deny")
    assert not first.done()
    assert '"path": "one"' in detail(screen, "#approval")
    await room.press("o")
    assert await asyncio.wait_for(first, 5) == Decision(True, "human:once")


# ---------------------------------------------------------------- shared memory (M)


async def open_memory(room: Room) -> MemoryScreen:
    await room.press("M")
    screen = room.app.screen
    assert isinstance(screen, MemoryScreen)
    await room.wait_for(lambda: bool(screen.entries), "the entries")
    return screen


async def test_memory_screen_shows_edits_and_deletes_entries(room: Room) -> None:
    await room.orch.save_memory("design/notes", "use sqlite", author="agent-a")
    await room.orch.save_memory("todo", "nothing", author="agent-b")
    screen = await open_memory(room)
    options = screen.query_one(OptionList)
    assert options.option_count == 2
    labels = [str(options.get_option_at_index(i).prompt) for i in range(2)]
    assert any("design/notes · agent-a ·" in label for label in labels)
    assert "use sqlite" in detail(screen, "#memory") or "nothing" in detail(screen, "#memory")

    # select design/notes, whichever order the ledger lists them in
    names = [e.name for e in screen.entries]
    options.highlighted = names.index("design/notes")
    await room.pilot.pause()
    assert "use sqlite" in detail(screen, "#memory")

    await room.press("e")
    editor = room.app.screen
    assert isinstance(editor, MemoryEditScreen)
    area = editor.query_one(TextArea)
    area.text = "use sqlite, in WAL mode"
    await room.press("ctrl+s")

    async def saved() -> bool:
        entries = {e.name: e for e in await room.orch.memories()}
        entry = entries["design/notes"]
        return entry.content == "use sqlite, in WAL mode" and entry.author == "human"

    await room.wait_for(saved, "the edit in the ledger")
    assert room.app.screen is screen
    await room.wait_for(lambda: "WAL mode" in detail(screen, "#memory"), "the edit shown")

    await room.press("x")
    assert isinstance(room.app.screen, ConfirmScreen)
    await room.press("n")  # no: nothing deleted
    assert len(await room.orch.memories()) == 2
    await room.press("x")
    await room.press("y")

    async def deleted() -> bool:
        return [e.name for e in await room.orch.memories()] == ["todo"]

    await room.wait_for(deleted, "the deletion in the ledger")
    await room.wait_for(lambda: screen.query_one(OptionList).option_count == 1, "list redrawn")
    await room.press("escape")
    assert not isinstance(room.app.screen, MemoryScreen)


async def test_editing_can_be_discarded(room: Room) -> None:
    await room.orch.save_memory("todo", "nothing", author="agent-b")
    await open_memory(room)
    await room.press("e")
    room.app.screen.query_one(TextArea).text = "changed"
    await room.press("escape")
    [entry] = await room.orch.memories()
    assert entry.content == "nothing" and entry.author == "agent-b"
