"""``report`` counts attempts by how they ended: an operator's pause, cancel or shutdown is a
stop, not a failure, and the success rate is over the attempts that ran to a verdict."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json

from swarm_tui.core.report import build_report, render
from swarm_tui.domain.models import AttemptState, TaskSpec
from swarm_tui.providers.base import ProviderError, StreamRequest
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory, make_settings
from tests.fakes import FakeProvider, Script


def _script(request: StreamRequest) -> Script:
    prompt = request.messages[-1].content
    if "fail" in prompt:
        return Script(error=ProviderError("p1: bad request", retryable=False, kind="client"))
    if "hold" in prompt:
        return Script(tokens=["partial", " more"], hold_after=1)
    return Script()


async def test_operator_stops_are_reported_apart_from_failures(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    provider = FakeProvider("p1", _script)
    settings = make_settings(heartbeat_seconds=3600, lease_seconds=7200, poll_seconds=0.01)
    orch = make_orch(settings, {"p1": provider, "p2": provider})
    specs = ["ok", "fail", "hold to pause", "hold to cancel", "hold at shutdown"]
    made = await orch.submit([TaskSpec(prompt=p, role="a") for p in specs])
    ok, failed, paused, cancelled, shut = (task.id for task, _ in made)
    job = asyncio.create_task(orch.run())
    running: set[int] = set()
    done: set[int] = set()
    async with asyncio.timeout(30):  # until the three hold and the other two have ended
        while running != {paused, cancelled, shut} or done != {ok, failed}:
            running = {a.task_id for a in await ledger.running_attempts()}
            done = {t.id for t in await orch.tasks() if t.state.terminal}
            await asyncio.sleep(0.01)
    await orch.pause(paused)
    await orch.cancel(cancelled)
    await orch.stop()
    job.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await job

    states = {
        t: [a.state for a in await ledger.attempts(t)] for t in (ok, failed, paused, cancelled)
    }
    assert states[ok] == [AttemptState.SUCCEEDED]
    assert set(states[failed]) == {AttemptState.FAILED}  # one try per model of the mix
    assert states[paused] == states[cancelled] == [AttemptState.STOPPED]
    fails = len(states[failed])

    report = await build_report(ledger, settings, None)
    total = report["total"]
    assert (total["attempts"], total["succeeded"], total["failed"]) == (4 + fails, 1, fails)
    assert (total["stopped"], total["abandoned"]) == (3, 0)
    # 1 of the attempts that ran to a verdict; the three stops say nothing about the model
    assert total["success_rate"] == round(1 / (1 + fails), 4)

    parsed = json.loads(render(report, "json"))
    assert parsed["by_agent"]["a"]["stopped"] == 3
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    first = rows[0]
    assert (first["group"], first["stopped"], first["failed"]) == ("total", "3", str(fails))
    assert first["success_rate"] == str(total["success_rate"])
    markdown = render(report, "md").splitlines()
    header = next(line for line in markdown if line.startswith("| group"))
    cells = [c.strip() for c in header.strip("|").split("|")]
    row = [c.strip() for c in markdown[markdown.index(header) + 2].strip("|").split("|")]
    figures = dict(zip(cells, row, strict=True))
    assert (figures["stopped"], figures["failed"]) == ("3", str(fails))
    assert figures["success_rate"] == str(total["success_rate"])
