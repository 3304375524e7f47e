"""Agent CLIs left by a killed orchestrator, stopped on recovery (``core/orphans.py``), with real
processes on both ledgers: a recorded CLI whose identity matches is stopped (its whole process
group), a pid now used by another process is never touched, a CLI on another host is left to
that host's next start; and the ledger's records of children on their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from swarm_tui.core.abandoned import settle_recovered
from swarm_tui.core.bus import EventBus
from swarm_tui.core.orphans import identify, stop_left_children, terminate_group
from swarm_tui.core.owner import HOST_ENV, host_name, is_dead, owner_id
from swarm_tui.domain.children import ChildProcess, ChildRecord
from swarm_tui.domain.models import Attempt, AttemptState
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory, make_settings
from tests.store.test_ledger import NOW, add, claim, new

_CLI = """
import os, signal, subprocess, sys, time
if "ignore" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "family" in sys.argv:  # a grandchild in the same process group, as a CLI's tools are
    kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(kid.pid, flush=True)
print("ready", flush=True)
time.sleep(600)
"""


class Cli:
    """A stand-in agent CLI: a real process in its own session, as the CLI providers start."""

    def __init__(self, *flags: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CLI, *flags],
            stdout=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        self.kid = int(line) if line != "ready" else None
        if self.kid is not None:
            assert self.proc.stdout.readline().strip() == "ready"
        self.started = psutil.Process(self.proc.pid).create_time()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def child(self, *, started: float | None = None) -> ChildProcess:
        return ChildProcess(self.pid, self.pid, self.started if started is None else started,
                            "claude")  # fmt: skip

    def ended_by(self) -> int:
        """The signal that ended it (waits for it)."""
        return -self.proc.wait(timeout=60)

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.running():
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()
        if self.kid is not None:
            with_kid = psutil.Process(self.kid) if psutil.pid_exists(self.kid) else None
            if with_kid is not None and with_kid.status() != psutil.STATUS_ZOMBIE:
                with_kid.kill()


@pytest.fixture
def clis() -> Iterator[list[Cli]]:
    made: list[Cli] = []
    yield made
    for c in made:
        c.stop()


def _dead_owner(host: str) -> str:
    """The owner string of an orchestrator on ``host`` that is gone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return f"{host}:{gone.pid}:1.000"


async def _abandoned_with(ledger: Ledger, cli: Cli, **record: object) -> tuple[Attempt, str]:
    """A task running under a killed orchestrator, whose CLI ``cli`` is recorded."""
    fields: dict[str, object] = {"host": host_name(), "child": cli.child()} | record
    owner = _dead_owner(str(fields["host"]))
    (task_id,) = await add(ledger, new("job"))
    attempt = await claim(ledger, task_id, owner=owner)
    assert attempt is not None
    await ledger.record_child(
        ChildRecord(attempt.id, task_id, str(fields["host"]), owner, fields["child"], NOW)  # type: ignore[arg-type]
    )
    return attempt, owner


async def _orphan_events(ledger: Ledger, task_id: int) -> list[dict[str, object]]:
    return [json.loads(d) for k, _a, d in await ledger.events(task_id) if k == "orphan_cli"]


async def test_a_cli_left_by_a_killed_orchestrator_is_stopped_at_start(
    ledger: Ledger, make_orch: OrchFactory, clis: list[Cli]
) -> None:
    cli = Cli()
    clis.append(cli)
    attempt, _owner = await _abandoned_with(ledger, cli)
    assert [r.child for r in await ledger.children([attempt.id])] == [cli.child()]
    await make_orch().start()
    assert cli.ended_by() == signal.SIGTERM
    [after] = await ledger.attempts(attempt.task_id)
    note = f"stopped orphaned claude (pid {cli.pid}) left by a killed orchestrator"
    assert after.state is AttemptState.ABANDONED and after.error is not None
    assert after.error.startswith("abandoned: its orchestrator stopped") and note in after.error
    [event] = await _orphan_events(ledger, attempt.task_id)
    assert (event["outcome"], event["pid"], event["pgid"]) == ("stopped", cli.pid, cli.pid)
    assert await ledger.children([attempt.id]) == []


async def test_a_reused_pid_is_never_touched(
    ledger: Ledger, make_orch: OrchFactory, clis: list[Cli]
) -> None:
    """The recorded CLI is gone and its pid now names an unrelated process (same pid, another
    start time): recovery leaves that process alone and says so."""
    other = Cli()
    clis.append(other)
    reused = other.child(started=other.started - 50.0)  # the CLI that once had this pid
    assert identify(reused) == "not_ours"
    attempt, _owner = await _abandoned_with(ledger, other, child=reused)
    await make_orch().start()
    assert other.running() and psutil.Process(other.pid).status() != psutil.STATUS_ZOMBIE
    [after] = await ledger.attempts(attempt.task_id)
    assert after.error is not None and "stopped orphaned" not in after.error
    assert f"pid {other.pid} (was claude) is now another process: not touched" in after.error
    [event] = await _orphan_events(ledger, attempt.task_id)
    assert event["outcome"] == "not_ours"
    assert await ledger.children([attempt.id]) == []


async def test_another_group_under_the_same_pid_is_never_touched(clis: list[Cli]) -> None:
    cli = Cli()
    clis.append(cli)
    assert identify(cli.child()) == "alive"
    moved = ChildProcess(cli.pid, cli.pid + 1, cli.started, "claude")
    assert identify(moved) == "not_ours"


async def test_a_cli_of_another_host_is_left_to_that_host_s_next_start(
    ledger: Ledger, make_orch: OrchFactory, clis: list[Cli], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli()
    clis.append(cli)
    attempt, _owner = await _abandoned_with(ledger, cli, host="elsewhere")
    await make_orch().start()
    assert cli.running()
    [after] = await ledger.attempts(attempt.task_id)
    left = f"claude (pid {cli.pid}) was started on host elsewhere: left to that host's next start"
    assert after.error is not None and left in after.error
    [event] = await _orphan_events(ledger, attempt.task_id)
    assert event["outcome"] == "other_host"
    assert [r.host for r in await ledger.children([attempt.id])] == ["elsewhere"]  # kept

    monkeypatch.setenv(HOST_ENV, "elsewhere")  # that host starts
    notes = await stop_left_children(make_settings(), ledger, EventBus(), NOW + 10)
    assert cli.ended_by() == signal.SIGTERM
    assert notes == [f"task #{attempt.task_id}: stopped orphaned claude (pid {cli.pid}) left by"
                     " a killed orchestrator"]  # fmt: skip
    assert await ledger.children([attempt.id]) == []
    assert [e["outcome"] for e in await _orphan_events(ledger, attempt.task_id)] == [
        "other_host", "stopped",
    ]  # fmt: skip


async def test_a_running_attempt_s_cli_is_not_left_over(ledger: Ledger, clis: list[Cli]) -> None:
    """A start's sweep takes only children whose attempt no longer runs (another live
    orchestrator's CLI is its own)."""
    cli = Cli()
    clis.append(cli)
    (task_id,) = await add(ledger, new("live"))
    attempt = await claim(ledger, task_id, owner="live", lease=1e9)
    assert attempt is not None
    rec = ChildRecord(attempt.id, task_id, host_name(), "live", cli.child(), NOW)
    await ledger.record_child(rec)
    assert await ledger.children_left(host_name()) == []
    assert await stop_left_children(make_settings(), ledger, EventBus(), NOW) == []
    assert cli.running()
    await ledger.clear_child(attempt.id, cli.pid)
    assert await ledger.children([attempt.id]) == []


async def test_a_cli_that_ignores_sigterm_is_killed_with_its_group(clis: list[Cli]) -> None:
    cli = Cli("ignore", "family")
    clis.append(cli)
    assert cli.kid is not None
    kid = psutil.Process(cli.kid)
    assert await terminate_group(cli.child(), 0.2) is True  # SIGKILL was needed
    assert cli.ended_by() == signal.SIGKILL
    gone, alive = psutil.wait_procs([kid], timeout=60)
    assert not alive and gone


async def test_a_cli_whose_attempt_s_lease_expired_is_stopped_by_the_recovery(
    ledger: Ledger, clis: list[Cli]
) -> None:
    """Lease-expiry recovery (the heartbeat's: ``recover`` then ``settle_recovered``) of an
    attempt whose orchestrator still runs on this host (this test's process, stalled)."""
    cli = Cli()
    clis.append(cli)
    owner = owner_id()
    (task_id,) = await add(ledger, new("stalled"))
    attempt = await claim(ledger, task_id, owner=owner, lease=10)
    assert attempt is not None
    await ledger.record_child(
        ChildRecord(attempt.id, task_id, host_name(), owner, cli.child(), NOW)
    )
    lost = await ledger.recover(is_dead, NOW + 100)
    assert [a.id for a in lost] == [attempt.id]
    bus = EventBus()
    await settle_recovered(
        make_settings(), ledger, bus, lost, NOW + 100, lambda _a: "lease expired"
    )
    assert cli.ended_by() == signal.SIGTERM
    [after] = await ledger.attempts(task_id)
    note = f"stopped orphaned claude (pid {cli.pid}) left by an orchestrator whose lease expired"
    assert after.error is not None and "lease expired" in after.error and note in after.error
    assert await ledger.children([attempt.id]) == []
