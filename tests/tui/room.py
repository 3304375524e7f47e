"""A deterministic control room for snapshot tests.

``snap_compare`` runs the app with ``App.run`` (its own, fresh event loop), so the ledger and
the orchestrator's attempts must live in that loop: :class:`Room` opens the ledger and starts
the orchestrator just before the app runs and stops both after it exits, from a wrapper around
this one app instance's ``run_async``. Everything else is fixed: the clock (tests/conftest.py),
a fresh SQLite file (ids from 1), scripted providers that freeze mid-stream, no animation and no
cursor blink.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from swarm_tui.config import ProjectConfig, Settings, UIConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.providers.base import ProviderError, StreamRequest
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.tui.app import SwarmApp, make_app
from swarm_tui.tui.widgets.stream_panel import WrappedLog
from tests.conftest import Clock, make_settings
from tests.fakes import FakeProvider, Script

__all__ = [
    "FAIL", "Room", "frozen", "prompt_of", "scripted", "settle", "steady", "until", "words",
]  # fmt: skip


def prompt_of(request: StreamRequest) -> str:
    return request.messages[-1].content


def scripted(plans: dict[str, Script]) -> Callable[[StreamRequest], Script]:
    """A provider script keyed by a word of the task prompt (first match wins)."""

    def script(request: StreamRequest) -> Script:
        prompt = prompt_of(request)
        for word, plan in plans.items():
            if word in prompt:
                return plan
        return Script()

    return script


def words(text: str) -> list[str]:
    """Stream ``text`` one word (with its leading space) at a time."""
    out: list[str] = []
    for i, word in enumerate(text.split(" ")):
        out.append(word if i == 0 else " " + word)
    return out


def frozen(text: str) -> Script:
    """Stream ``text`` word by word, then hang (until the orchestrator stops the attempt)."""
    shown = words(text)
    return Script(tokens=[*shown, " (never shown)"], hold_after=len(shown))


FAIL = ProviderError("401 unauthorized: check the API key", retryable=False, status=401)


class Room:
    """Settings, clock, providers, orchestrator and app for one snapshot."""

    def __init__(
        self,
        tmp_path: Path,
        script: Callable[[StreamRequest], Script] | None = None,
        *,
        theme: str = "swarm-dark",
        max_concurrent: int = 8,
        projects: dict[str, str | None] | None = None,
    ) -> None:
        """``projects``: project name -> the agent whose default it is (None: no agent's);
        each project's repository is a folder under ``tmp_path`` (never opened here)."""
        base = make_settings(
            heartbeat_seconds=3600, lease_seconds=7200, max_concurrent=max_concurrent,
            max_attempts=1,
        )  # fmt: skip
        self.settings: Settings = base.model_copy(update={"ui": UIConfig(theme=theme, bell=False)})
        if projects:
            agents = dict(self.settings.agents)
            for name, agent in projects.items():
                if agent is not None:
                    agents[agent] = agents[agent].model_copy(update={"project": name})
            configured = {n: ProjectConfig(repo=str(tmp_path / n)) for n in projects}
            self.settings = self.settings.model_copy(
                update={"projects": configured, "agents": agents}
            )
        self.clock = Clock()
        self.db = tmp_path / "ledger.db"
        self.providers = {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}
        # The ledger is opened in the app's event loop (see ``_run_async``).
        self.orch = Orchestrator(
            self.settings,
            cast(Ledger, None),
            dict(self.providers),
            clock=self.clock,
            rng=random.Random(7),
            owner="test:1:1",
        )
        self.app: SwarmApp = make_app(self.settings, self.orch, run_core=False)
        self.app.animation_level = "none"
        self.setup: Callable[[Orchestrator], Awaitable[None]] | None = None
        run_async = self.app.run_async

        async def wrapped(**kwargs: Any) -> Any:
            self.orch.ledger = await SqliteLedger.open(self.db, commit_interval=0.005)
            try:
                await self.orch.start()
                if self.setup is not None:
                    await self.setup(self.orch)
                return await run_async(**kwargs)
            finally:
                try:
                    await self.orch.stop()
                finally:
                    await self.orch.ledger.close()

        self.app.run_async = wrapped  # type: ignore[method-assign]

    async def submit(self, *specs: TaskSpec) -> list[int]:
        created = await self.orch.submit(list(specs))
        return [task.id for task, _ in created]

    async def dispatch(self) -> None:
        """One scheduling pass, then wait until every started attempt is streaming, held or
        over (the app runs with ``run_core=False``; the test is the scheduler)."""
        await self.orch.tick()
        await settle(self)


async def settle(room: Room, *, limit: float = 5.0) -> None:
    """Until nothing moves: every running attempt is held by its script (or has ended) and
    the ledger writer has committed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    last: object = None
    quiet = 0
    while quiet < 5:
        if loop.time() > deadline:
            raise TimeoutError("the scripted attempts did not settle")
        now = sorted((a, r.run.tokens_seen) for a, r in room.orch.running.items())
        quiet = quiet + 1 if now == last else 0
        last = now
        await asyncio.sleep(0.02)
    await room.orch.ledger.writer.flush()


async def until(
    pilot: Pilot[Any], check: Callable[[], bool], what: str, *, within: float = 10.0
) -> None:
    """Flush the bridge and let the app work until ``check`` holds (bounded: a loaded
    machine only makes it slower, never a different picture)."""
    app = cast(SwarmApp, pilot.app)
    try:
        async with asyncio.timeout(within):
            while True:
                await app.bridge.flush_now()
                await pilot.pause()
                if check():
                    return
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def steady(pilot: Pilot[Any]) -> None:
    """Make the frame reproducible: no cursor blink anywhere, everything the bridge took is
    on the screen (a flush posts nothing more, and every stream panel in view has drawn its
    text), screen idle."""
    app = cast(SwarmApp, pilot.app)
    await app.bridge.flush_now()
    await pilot.pause()
    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False
    flushed: list[bool] = []

    def drawn() -> bool:
        panels = app.screen.query(WrappedLog)
        return not any(p.stale for p in panels if p.in_view) and not any(flushed)

    async def settled() -> None:
        flushed.clear()
        flushed.append(await app.bridge.flush_now())
        await pilot.pause()

    try:
        async with asyncio.timeout(10.0):
            await settled()
            while not drawn():
                await asyncio.sleep(0.01)
                await settled()
    except TimeoutError:
        raise AssertionError("the room did not settle (bridge or stream panels)") from None
    await pilot.wait_for_scheduled_animations()
