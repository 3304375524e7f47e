"""What an agent CLI that has exited left in its process group (its tools, node's helpers),
stopped on recovery when provably its own (``core/cli_group.py``), with real processes on
both ledgers: a leader exits leaving a child in its group, the child is stopped; one that
ignores SIGTERM is killed; a group holding a process that started before the recorded CLI
is never touched; an empty group is simply forgotten."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from swarm_tui.core.bus import EventBus
from swarm_tui.core.cli_group import identify, members, terminate_group
from swarm_tui.core.orphans import stop_left_children
from swarm_tui.core.owner import host_name, is_dead
from swarm_tui.domain.children import ChildProcess, ChildRecord
from swarm_tui.store.ledger import Ledger
from tests.conftest import make_settings
from tests.core.test_orphans import _dead_owner, _orphan_events
from tests.store.test_ledger import NOW, add, claim, new

_LEADER = """
import os, subprocess, sys
kid = subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
print(kid.pid, flush=True)
sys.stdin.readline()  # the test says when to go: the kid is then left in the group
os._exit(0)
"""

_KID = """
import pathlib, signal, sys, time
said = pathlib.Path(sys.argv[1])
def term(_sig, _frame):
    said.write_text("SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if "ignore" in sys.argv else term)
said.with_suffix(".up").write_text("up")
while True:
    time.sleep(3600)
"""


class Family:
    """A stand-in CLI (its own session) that starts a child in its group, then exits."""

    def __init__(self, tmp: Path, *flags: str) -> None:
        self.said = tmp / f"kid-{len(list(tmp.iterdir()))}.txt"
        self.leader = subprocess.Popen(
            [sys.executable, "-c", _LEADER, _KID, str(self.said), *flags],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        assert self.leader.stdout is not None and self.leader.stdin is not None
        self.kid = psutil.Process(int(self.leader.stdout.readline()))
        self.started = psutil.Process(self.leader.pid).create_time()
        self.child = ChildProcess(self.leader.pid, self.leader.pid, self.started, "claude")
        while not self.said.with_suffix(".up").exists():  # its SIGTERM handler is set
            if self.kid.status() == psutil.STATUS_ZOMBIE:
                raise AssertionError("the kid died")
            psutil.wait_procs([self.kid], timeout=0.02)

    def leader_exits(self) -> None:
        assert self.leader.stdin is not None
        self.leader.stdin.write("go\n")
        self.leader.stdin.close()
        self.leader.wait(timeout=60)  # reaped: the pid is free, the group lives on in the kid

    def kid_running(self) -> bool:
        try:
            return self.kid.is_running() and self.kid.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def kid_ends(self) -> None:
        psutil.wait_procs([self.kid], timeout=60)
        assert not self.kid_running()

    def stop(self) -> None:
        if self.leader.poll() is None:
            self.leader.kill()
            self.leader.wait()
        if self.kid_running():
            self.kid.kill()


@pytest.fixture
def families() -> Iterator[list[Family]]:
    made: list[Family] = []
    yield made
    for f in made:
        f.stop()


async def _recorded(ledger: Ledger, child: ChildProcess) -> ChildRecord:
    """A task whose attempt ran under a killed orchestrator, with ``child`` recorded."""
    owner = _dead_owner(host_name())
    (task_id,) = await add(ledger, new("job"))
    attempt = await claim(ledger, task_id, owner=owner)
    assert attempt is not None
    rec = ChildRecord(attempt.id, task_id, host_name(), owner, child, NOW)
    await ledger.record_child(rec)
    assert [a.id for a in await ledger.recover(is_dead, NOW + 1)] == [attempt.id]
    return rec


async def test_a_child_left_in_the_group_of_an_exited_cli_is_stopped(
    ledger: Ledger, families: list[Family], tmp_path: Path
) -> None:
    fam = Family(tmp_path)
    families.append(fam)
    fam.leader_exits()
    assert not psutil.pid_exists(fam.leader.pid) and fam.kid_running()
    assert os.getpgid(fam.kid.pid) == fam.leader.pid
    assert identify(fam.child) == "left"
    rec = await _recorded(ledger, fam.child)

    notes = await stop_left_children(make_settings(), ledger, EventBus(), NOW + 10)
    fam.kid_ends()
    assert fam.said.read_text() == "SIGTERM"
    note = (f"task #{rec.task_id}: stopped what orphaned claude (pid {fam.leader.pid}, exited)"
            " left running in its process group, left by a killed orchestrator")  # fmt: skip
    assert notes == [note]
    [event] = await _orphan_events(ledger, rec.task_id)
    assert (event["outcome"], event["pid"]) == ("stopped", fam.leader.pid)
    [after] = await ledger.attempts(rec.task_id)
    assert after.error is not None and note in after.error
    assert await ledger.children([rec.attempt_id]) == []


async def test_a_left_child_that_ignores_sigterm_is_killed(
    families: list[Family], tmp_path: Path
) -> None:
    fam = Family(tmp_path, "ignore")
    families.append(fam)
    fam.leader_exits()
    assert await terminate_group(fam.child, 0.2) is True  # SIGKILL was needed
    fam.kid_ends()
    assert not fam.said.exists()  # it never saw a SIGTERM it would act on


async def test_a_group_with_a_process_older_than_the_cli_is_never_touched(
    ledger: Ledger, families: list[Family], tmp_path: Path
) -> None:
    """The record says the CLI started after the process now in its group: that process is
    not provably the CLI's, so the group is left alone, and the ledger says so."""
    fam = Family(tmp_path)
    families.append(fam)
    fam.leader_exits()
    later = ChildProcess(fam.leader.pid, fam.leader.pid, fam.started + 50.0, "claude")
    assert members(later) is None and identify(later) == "unproven"
    assert await terminate_group(later, 0.2) is False
    rec = await _recorded(ledger, later)

    notes = await stop_left_children(make_settings(), ledger, EventBus(), NOW + 10)
    assert fam.kid_running() and not fam.said.exists()
    note = (f"task #{rec.task_id}: pid {fam.leader.pid} (was claude) has a process group with"
            " processes not provably its own: not touched")  # fmt: skip
    assert notes == [note]
    [event] = await _orphan_events(ledger, rec.task_id)
    assert event["outcome"] == "not_ours"
    assert await ledger.children([rec.attempt_id]) == []


async def test_a_cli_whose_group_is_empty_is_forgotten(
    ledger: Ledger, families: list[Family], tmp_path: Path
) -> None:
    fam = Family(tmp_path)
    families.append(fam)
    fam.leader_exits()
    fam.kid.send_signal(signal.SIGKILL)
    fam.kid_ends()
    assert identify(fam.child) == "gone"
    rec = await _recorded(ledger, fam.child)
    assert await stop_left_children(make_settings(), ledger, EventBus(), NOW + 10) == []
    assert await _orphan_events(ledger, rec.task_id) == []
    assert await ledger.children([rec.attempt_id]) == []
