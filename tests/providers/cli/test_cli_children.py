"""An agent CLI provider tells its request's ``watch`` of each CLI process it starts (pid,
process group, start time, program) and, once the process has exited, that it ended: on a
run that finishes and on a cancelled one (the orchestrator records the first and clears the
record on the second; ``core/orphans.py``)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import psutil
import pytest

from swarm_tui.domain.children import ChildProcess
from swarm_tui.providers.base import ProviderError
from swarm_tui.providers.cli.claude import ClaudeDialect
from tests.providers.cli import fixtures
from tests.providers.cli.test_cli_replay import REQUEST, Stage, _alive, run, stage

__all__ = ["stage"]


class Watch:
    def __init__(self) -> None:
        self.seen: list[tuple[str, ChildProcess, bool]] = []
        self.running = asyncio.Event()

    async def started(self, child: ChildProcess) -> None:
        started = psutil.Process(child.pid).create_time()
        assert abs(started - child.started) < 0.01
        self.seen.append(("started", child, _alive(child.pid)))
        self.running.set()

    async def ended(self, child: ChildProcess) -> None:
        self.seen.append(("ended", child, _alive(child.pid)))


async def test_a_run_tells_its_watch_of_the_cli_it_started_and_its_end(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    watch = Watch()
    plain = await run(provider)
    got = await run(provider, dataclasses.replace(REQUEST, watch=watch))
    assert got == plain  # the stream itself is unchanged
    pid = json.loads(stage.record.read_text())["pid"]
    [(said, child, alive), (said_after, same, alive_after)] = watch.seen
    assert (said, alive, said_after, alive_after) == ("started", True, "ended", False)
    assert child == same and (child.pid, child.pgid, child.command) == (pid, pid, "fake-cli")


async def test_a_cancelled_run_tells_its_watch_once_its_group_is_gone(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_HANG", "1")
    provider = stage.provider(
        "claude-code",
        ClaudeDialect,
        fixtures.lines(fixtures.CLAUDE[:1], noise=False),
        kill_grace_seconds=0.5,
    )
    watch = Watch()

    async def consume() -> None:
        async for _event in provider.stream(dataclasses.replace(REQUEST, watch=watch)):
            pass

    job = asyncio.create_task(consume())
    await asyncio.wait_for(watch.running.wait(), 30)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    [(said, child, alive), (said_after, same, alive_after)] = watch.seen
    assert (said, alive, said_after, alive_after) == ("started", True, "ended", False)
    assert child == same and not _alive(child.pid)


class Blocked(Watch):
    """A watch whose record never completes (the run is cancelled while it writes)."""

    async def started(self, child: ChildProcess) -> None:
        await super().started(child)
        await asyncio.Event().wait()


async def test_a_cli_cancelled_while_it_is_being_recorded_never_runs(stage: Stage) -> None:
    """Held at its gate until its watch is told: a run cancelled meanwhile ends it unrun."""
    provider = stage.provider(
        "claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE), kill_grace_seconds=5
    )
    watch = Blocked()

    async def consume() -> None:
        async for _event in provider.stream(dataclasses.replace(REQUEST, watch=watch)):
            pass

    job = asyncio.create_task(consume())
    await asyncio.wait_for(watch.running.wait(), 30)
    [(_said, child, alive)] = watch.seen
    held = psutil.Process(child.pid)
    assert alive and held.status() != psutil.STATUS_ZOMBIE
    assert "swarm-tui-gate" in held.cmdline()  # still the gate, not the CLI: it waits
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert not _alive(child.pid) and not stage.record.exists()  # the CLI never started
    assert [said for said, _c, _a in watch.seen] == ["started", "ended"]


async def test_a_missing_binary_is_final_for_a_watched_run_too(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    stage.binary.unlink()
    watch = Watch()
    with pytest.raises(ProviderError) as info:
        await run(provider, dataclasses.replace(REQUEST, watch=watch))
    assert not info.value.retryable and info.value.kind == "not_found"
    assert watch.seen == []


class Unwritable(Watch):
    """A watch whose record cannot be written (the ledger refuses)."""

    async def started(self, child: ChildProcess) -> None:
        await super().started(child)
        raise OSError("disk full")


async def test_a_cli_whose_record_cannot_be_written_is_not_run(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    watch = Unwritable()
    with pytest.raises(ProviderError, match="not run: its record could not be written") as info:
        await run(provider, dataclasses.replace(REQUEST, watch=watch))
    assert info.value.retryable
    [(_s, _child, _a), (said, _c, alive)] = watch.seen
    assert (said, alive) == ("ended", False) and not stage.record.exists()
