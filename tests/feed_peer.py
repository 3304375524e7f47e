"""Another swarm-tui process on a ledger, for the change-feed tests: ``python -m tests.feed_peer
DB ACTION [ARGS]``. Each action goes through the orchestrator's public API (what the room and
the CLI call), in a process of its own; it prints one line and exits (``run`` runs until it is
sent SIGTERM).

- ``submit PROMPT [AGENT]``, ``cancel ID``, ``pause ID``, ``prio ID N``, ``reassign ID AGENT``
- ``pause_all [keep]``, ``pause_agent AGENT [keep]`` (``keep``: ``stop_running=False``),
  ``resume_all``, ``resume_agent AGENT``
- ``run``: an orchestrator whose models stream ``w0 w1 w2 …`` one word per 20 ms, forever
  (until stopped), with the change feed on, as ``swarm-tui run`` has it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.providers.base import Done, StreamEvent, StreamRequest, TextDelta
from swarm_tui.runtime import change_feed
from swarm_tui.store.ledger import SqliteLedger
from tests.conftest import make_settings
from tests.fakes import FakeProvider

WORD_SECONDS = 0.02


class Drip(FakeProvider):
    """Streams words forever, one every ``WORD_SECONDS``."""

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        n = 0
        while True:
            yield TextDelta(f"w{n} ")
            n += 1
            await asyncio.sleep(WORD_SECONDS)
        yield Done("stop")  # never reached


async def _run(orch: Orchestrator) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with change_feed(orch, 0.02):
        job = asyncio.create_task(orch.run())
        print("running", flush=True)
        await stop.wait()
        await orch.stop()
        await job


async def main(db: Path, action: str, args: list[str]) -> None:
    settings = make_settings(heartbeat_seconds=1, lease_seconds=30, poll_seconds=0.05)
    providers = {"p1": Drip("p1"), "p2": Drip("p2")}
    ledger = await SqliteLedger.open(db, commit_interval=0.02)
    orch = Orchestrator(settings, ledger, dict(providers), clock=time.time)
    try:
        if action == "run":
            await _run(orch)
        elif action == "submit":
            agent = args[1] if len(args) > 1 else "c"
            [(task, _)] = await orch.submit([TaskSpec(prompt=args[0], role=agent)])
            print(f"submitted #{task.id}")
        elif action == "cancel":
            print((await orch.cancel(int(args[0]))).state.value)
        elif action == "pause":
            print((await orch.pause(int(args[0]))).state.value)
        elif action == "prio":
            print((await orch.set_priority(int(args[0]), int(args[1]))).priority)
        elif action == "reassign":
            print((await orch.reassign(int(args[0]), agent=args[1])).state.value)
        elif action == "pause_all":
            await orch.pause_all(stop_running=args[-1:] != ["keep"])
            print("paused")
        elif action == "pause_agent":
            await orch.pause_agent(args[0], stop_running=args[-1:] != ["keep"])
            print("paused")
        elif action == "resume_all":
            await orch.resume_all()
            print("resumed")
        elif action == "resume_agent":
            await orch.resume_agent(args[0])
            print("resumed")
        else:
            raise SystemExit(f"unknown action {action!r}")
    finally:
        await ledger.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
