"""An agent CLI asked as the arbiter of a task waiting for a decision is recorded in the ledger
while it runs (``ModelCaller``'s watch), under the run's attempt and the orchestrator that
asked, and forgotten once it exits; a start's sweep leaves a live orchestrator's arbiter
alone (not a given-up attempt's CLI). Real processes (the scripted agent behind Claude Code's
dialect), both ledgers."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import psutil

from swarm_tui.config import CLIConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.orphans import stop_left_children
from swarm_tui.core.owner import host_name, is_dead, owner_id
from swarm_tui.domain.children import ChildRecord
from swarm_tui.domain.models import TaskMode, TaskState
from swarm_tui.providers.base import Provider
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory
from tests.core.test_consensus_tasks import settings, submit, tie_providers
from tests.core.test_orphans import Cli, clis
from tests.store.test_ledger import NOW, add, claim, new
from tests.workspace.swarm import make_agent

__all__ = ["clis"]


def _with_cli_arbiter(tmp: Path) -> tuple[Settings, dict[str, Provider]]:
    """The tie of ``test_consensus_tasks`` (p1..p3 each vote for their own answer) and the
    scripted agent CLI as provider ``cli``, which votes for the candidate saying Green."""
    agent = make_agent(tmp)
    env = {**agent.env(), "FAKE_AGENT_VOTE_FOR": "Green"}
    config = ProviderConfig(
        kind="claude-code",
        cli=CLIConfig(binary=str(agent.root / "claude"), env=env, swarm_mcp=False),
        models={"m": ModelConfig()},
    )
    base = settings()
    merged = base.model_copy(update={"providers": {**base.providers, "cli": config}})
    providers: dict[str, Provider] = dict(tie_providers())
    providers["cli"] = CLIProvider("cli", config, ClaudeDialect, log_dir=tmp / "logs")
    return merged, providers


async def test_a_cli_asked_as_the_arbiter_is_recorded_while_it_runs(
    make_orch: OrchFactory, ledger: Ledger, tmp_path: Path
) -> None:
    conf, providers = _with_cli_arbiter(tmp_path)
    orch = make_orch(conf, providers)
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    assert (await orch.task(task_id)).state == TaskState.NEEDS_VOTE
    [attempt] = await orch.attempts(task_id)

    seen: list[tuple[ChildRecord, bool]] = []
    record_child = ledger.record_child

    async def spy(rec: ChildRecord) -> None:
        seen.append((rec, psutil.pid_exists(rec.child.pid)))
        await record_child(rec)
        assert await ledger.children([rec.attempt_id]) == [rec]  # in the ledger while it runs

    ledger.record_child = spy  # type: ignore[method-assign]
    orch.parts.consensus.owner = "asker:2:2.000"  # another orchestrator than the run's asks
    done = await orch.send_to_arbiter(task_id, model="cli/m")
    assert done.state == TaskState.SUCCEEDED and done.result == "Green"
    [(rec, running)] = seen
    assert running and rec.child.command == "claude" and rec.child.pgid == rec.child.pid
    assert (rec.attempt_id, rec.task_id) == (attempt.id, task_id)
    assert attempt.owner == orch.owner != "asker:2:2.000"
    assert (rec.owner, rec.host) == ("asker:2:2.000", host_name())  # the asker's
    assert await ledger.children([attempt.id]) == []  # forgotten once it exited
    record = await orch.consensus_record(task_id)
    assert record is not None and record.decided_by == "arbiter"
    assert record.arbiter is not None and record.arbiter.model == "cli/m"


async def test_a_start_leaves_a_live_orchestrator_s_arbiter_alone(
    make_orch: OrchFactory, ledger: Ledger, tmp_path: Path
) -> None:
    """The arbiter's attempt has ended (its task waits for a decision), so a start's sweep
    sees its CLI as left over; its orchestrator still runs, so it is that one's to stop."""
    conf, providers = _with_cli_arbiter(tmp_path)
    orch = make_orch(conf, providers)
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    [attempt] = await orch.attempts(task_id)

    record_child = ledger.record_child
    swept: list[list[str]] = []

    async def sweep_meanwhile(rec: ChildRecord) -> None:
        await record_child(rec)
        assert [r.child for r in await ledger.children_left(host_name())] == [rec.child]
        swept.append(await stop_left_children(conf, ledger, EventBus(), 0.0))
        assert psutil.Process(rec.child.pid).status() != psutil.STATUS_ZOMBIE

    ledger.record_child = sweep_meanwhile  # type: ignore[method-assign]
    me = psutil.Process()
    orch.parts.consensus.owner = f"{host_name()}:{me.pid}:{me.create_time():.3f}"  # alive
    done = await orch.send_to_arbiter(task_id, model="cli/m")
    assert swept == [[]] and done.state == TaskState.SUCCEEDED
    events = [json.loads(d) for k, _a, d in await ledger.events(task_id) if k == "orphan_cli"]
    assert events == [] and await ledger.children([attempt.id]) == []


async def test_a_live_orchestrator_s_cli_of_a_given_up_attempt_is_still_stopped(
    ledger: Ledger, clis: list[Cli]
) -> None:
    """The contrast: an attempt given up (its lease expired while its orchestrator stalled,
    here this test's process) leaves a CLI to stop, however alive its orchestrator is."""
    cli = Cli()
    clis.append(cli)
    owner = owner_id()
    (task_id,) = await add(ledger, new("stalled"))
    attempt = await claim(ledger, task_id, owner=owner, lease=10)
    assert attempt is not None
    rec = ChildRecord(attempt.id, task_id, host_name(), owner, cli.child(), NOW)
    await ledger.record_child(rec)
    assert [a.id for a in await ledger.recover(is_dead, NOW + 100)] == [attempt.id]
    notes = await stop_left_children(settings(), ledger, EventBus(), NOW + 100)
    assert cli.ended_by() == signal.SIGTERM
    assert notes == [f"task #{task_id}: stopped orphaned claude (pid {cli.pid}) left by an"
                     " orchestrator whose lease expired"]  # fmt: skip
    assert await ledger.children([attempt.id]) == []
