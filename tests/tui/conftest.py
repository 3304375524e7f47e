"""Fixtures for driving the whole control room: a real orchestrator on a real SQLite ledger in
``tmp_path``, fake providers scripted by the task's prompt, a fixed clock, and ``make_app``.

The providers read directives from the prompt, so a test says what an attempt does by what it
submits: ``[hold]`` streams ``"partial"`` and then blocks until ``providers[p].release`` is set
(then streams ``" output"`` and succeeds); ``[fail]`` streams a little and fails for good;
``[fail-once]`` fails for good on the task's first attempt only; ``[flaky]`` fails retryably
(back-off of an hour on the fixed clock) on the first attempt only; anything else streams
``"hello world"`` and succeeds.

Agents b (p2/m1) and c (p1/m1) have one model each, so a failure there is not turned into a
fallback to another model; agent a (p1 and p2) may fall back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from swarm_tui.config import Settings, UIConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import Attempt, Task, TaskSpec, TaskState
from swarm_tui.providers.base import ProviderError, StreamRequest
from swarm_tui.store.ledger import Ledger
from swarm_tui.tui.app import SwarmApp, make_app
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.conftest import Clock, make_settings
from tests.fakes import FakeProvider, Script

__all__ = ["PromptScript", "Room", "RoomFactory", "room_settings"]

HELD_TOKENS = ["part", "ial", " out", "put"]
"""A ``[hold]`` attempt streams ``"partial"``, blocks, then streams ``" output"``."""


class PromptScript:
    """What an attempt does, read from its prompt (see the module docstring). One instance is
    shared by every provider, so "the first call" means the task's first attempt anywhere."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def __call__(self, request: StreamRequest) -> Script:
        prompt = request.messages[-1].content
        self.calls[prompt] = calls = self.calls.get(prompt, 0) + 1
        if "[fail]" in prompt or ("[fail-once]" in prompt and calls == 1):
            error = ProviderError("scripted failure", retryable=False)
            return Script(tokens=["oh", " no"], error=error)
        if "[flaky]" in prompt and calls == 1:
            error = ProviderError("scripted hiccup", retryable=True, retry_after=3600)
            return Script(tokens=["oh"], error=error)
        if "[hold]" in prompt:
            return Script(tokens=list(HELD_TOKENS), hold_after=2)
        return Script()


@dataclass
class Room:
    """A running control room and everything behind it. Unpacks as
    ``app, pilot, orch, providers`` for tests that only want those four."""

    app: SwarmApp
    pilot: Pilot[None]
    orch: Orchestrator
    providers: dict[str, FakeProvider]
    ledger: Ledger
    clock: Clock

    def __iter__(self) -> Any:
        return iter((self.app, self.pilot, self.orch, self.providers))

    # ------------------------------------------------------------------ time
    async def settle(self) -> None:
        """Send what the bridge collected and let the app process it (no timers)."""
        await self.app.bridge.flush_now()
        await self.pilot.pause()

    async def wait_for(
        self, check: Callable[[], Awaitable[bool]] | Callable[[], bool], what: str = "condition",
        within: float = 10.0,
    ) -> None:  # fmt: skip
        """Poll ``check`` (settling the UI between polls) until it holds; fail after
        ``within`` seconds. A bound on waiting, never an assertion on timing."""
        try:
            async with asyncio.timeout(within):
                while True:
                    await self.settle()
                    result = check()
                    if not isinstance(result, bool):
                        result = await result
                    if result:
                        await self.settle()
                        return
                    await asyncio.sleep(0.005)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def wait_state(self, task_id: int, *states: TaskState) -> Task:
        async def reached() -> bool:
            return (await self.orch.task(task_id)).state in states

        names = "/".join(s.value for s in states)
        await self.wait_for(reached, f"task #{task_id} to be {names}")
        return await self.orch.task(task_id)

    async def wait_held(self, task_id: int) -> Attempt:
        """Wait until the task's newest attempt is running and blocked after ``"partial"``."""

        async def held() -> bool:
            attempts = await self.orch.attempts(task_id)
            return (
                bool(attempts)
                and attempts[-1].output == "partial"
                and any(r.run.attempt.task_id == task_id for r in self.orch.running.values())
            )

        await self.wait_for(held, f"task #{task_id} to stream and hold")
        return (await self.orch.attempts(task_id))[-1]

    # ------------------------------------------------------------------ helpers
    async def submit(self, prompt: str, **spec: Any) -> Task:
        [(task, _)] = await self.orch.submit([TaskSpec(prompt=prompt, **spec)])
        await self.settle()
        return task

    def release(self) -> None:
        for provider in self.providers.values():
            provider.release.set()

    @property
    def table(self) -> TaskTable:
        return self.app.query_one(TaskTable)

    async def select(self, task_id: int) -> None:
        """Put the task table's cursor on a task (as the arrow keys would)."""
        await self.wait_for(lambda: str(task_id) in self.table.rows, f"row of task #{task_id}")
        self.table.focus()
        self.table.move_cursor(row=self.table.get_row_index(str(task_id)))
        await self.pilot.pause()
        assert self.table.selected_task is not None
        assert self.table.selected_task.id == task_id

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.settle()

    seen: list[Message]
    """Every message the app processed (``run_test(message_hook=...)``)."""

    def notices(self, severity: str | None = None) -> list[str]:
        """Every notification the app raised so far (expired or not)."""
        return [
            f"{m.notification.title}: {m.notification.message}".lstrip(": ")
            for m in self.seen
            if isinstance(m, Notify) and (severity is None or m.notification.severity == severity)
        ]


RoomFactory = Callable[..., contextlib.AbstractAsyncContextManager[Room]]


def room_settings(ui: dict[str, Any] | None = None, **orchestrator: Any) -> Settings:
    """The core tests' settings (agents a, b, c on providers p1, p2) with a quiet UI: the
    bridge's own timer runs once a second, so tests flush it by hand."""
    base = make_settings(**{"heartbeat_seconds": 3600, "lease_seconds": 7200, **orchestrator})
    ui_config = UIConfig(**{"stream_flush_ms": 1000, **(ui or {})})
    return base.model_copy(update={"ui": ui_config})


@pytest.fixture(autouse=True)
def _private_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own ~/.config/swarm-tui (themes) out of the app under test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
async def make_room(ledger: Ledger, clock: Clock) -> AsyncIterator[RoomFactory]:
    """``async with make_room(ui={...}, size=(80, 24), **orchestrator) as room:``"""
    made: list[Orchestrator] = []

    @contextlib.asynccontextmanager
    async def factory(
        *,
        ui: dict[str, Any] | None = None,
        size: tuple[int, int] = (120, 40),
        settings: Settings | None = None,
        run_core: bool = True,
        **orchestrator: Any,
    ) -> AsyncIterator[Room]:
        settings = settings or room_settings(ui, **orchestrator)
        script = PromptScript()
        providers = {name: FakeProvider(name, script) for name in ("p1", "p2")}
        orch = Orchestrator(settings, ledger, dict(providers), clock=clock, owner="test:1:1")
        made.append(orch)
        app = make_app(settings, orch, run_core=run_core)
        seen: list[Message] = []
        async with app.run_test(size=size, message_hook=seen.append) as pilot:
            room = Room(app, pilot, orch, providers, ledger, clock, seen)
            await room.settle()
            yield room

    yield factory
    for orch in made:
        await orch.stop()


@pytest.fixture
async def room(make_room: RoomFactory) -> AsyncIterator[Room]:
    """The control room at 120x40 with default settings."""
    async with make_room() as made:
        yield made
