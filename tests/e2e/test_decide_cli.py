"""``swarm-tui decide`` as a user runs it over SSH: a real subprocess on a real ledger file
where a consensus task waits for the human."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from swarm_tui.config import load_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskMode, TaskSpec
from swarm_tui.providers.base import ChatMessage, StreamRequest
from swarm_tui.store.ledger import SqliteLedger
from tests.core.consensus.scripted import letter_of, shown
from tests.core.test_consensus_tasks import ballot, provider, tie_providers
from tests.e2e.crash import query
from tests.fakes import FakeProvider
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse
from tests.test_cli import assert_user_error, env, swarm

__all__ = ["env"]

pytestmark = pytest.mark.slow

CONFIG = """
[providers.p1]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p1.models.m1]
[providers.p2]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p2.models.m1]
[providers.p3]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p3.models.m1]

[agents.a]
[agents.a.mix]
"p1/m1" = 3
"p2/m1" = 2
"p3/m1" = 1
"""


async def a_waiting_conflict(config: Path, db: Path) -> int:
    ledger = await SqliteLedger.open(db)
    orch = Orchestrator(load_settings(config), ledger, dict(tie_providers()))
    try:
        [(task, _)] = await orch.submit([TaskSpec("Colour?", role="a", mode=TaskMode.CONSENSUS)])
        await orch.run(until_idle=True)
        return task.id
    finally:
        await orch.stop()
        await ledger.close()


async def test_decide_lists_shows_and_settles_a_conflict(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    config.write_text(CONFIG)
    task_id = await a_waiting_conflict(config, db)
    common = ("--config", str(config), "--db", str(db))

    listed = swarm("decide", *common, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [conflict] = json.loads(listed.stdout)
    assert conflict["task"] == task_id and conflict["state"] == "needs_vote"
    assert sorted(c["text"] for c in conflict["candidates"]) == ["Blue", "Green", "Red"]
    blue = next(c["label"] for c in conflict["candidates"] if c["text"] == "Blue")

    assert_user_error(swarm("decide", str(task_id), "Q", *common, env=env), "no candidate 'Q'")
    assert_user_error(
        swarm("decide", str(task_id), "--arbiter", *common, env=env), "no arbiter is configured"
    )
    shown = swarm("decide", str(task_id), *common, env=env)
    assert f"[{blue}] p3/m1" in shown.stdout and "tie between" in shown.stdout

    done = swarm("decide", str(task_id), blue.lower(), "--note", "sky", *common, env=env)
    assert done.returncode == 0, done.stderr
    assert query(db, "SELECT state, result FROM tasks") == [("succeeded", "Blue")]
    assert query(db, "SELECT decided_by, winner FROM consensus") == [("human", blue)]
    assert "no conflict waits" in swarm("decide", *common, env=env).stdout


def named_providers() -> dict[str, FakeProvider]:
    """A tie, each voter for its own colour, its rationale naming the candidates it saw by its
    own letters ("Candidate B says Blue; B > A")."""

    def reasons(colour: str) -> Callable[[StreamRequest], str]:
        def vote(request: StreamRequest) -> str:
            seen = ballot(request)
            mine = letter_of(seen, colour)
            others = " ".join(f"Candidate {x} says {seen[x].split()[-1]}." for x in sorted(seen))
            why = f"{others} Ranking {mine} > {'/'.join(x for x in sorted(seen) if x != mine)}"
            return json.dumps({"choice": mine, "rationale": why})

        return vote

    return {
        p: provider(p, c, reasons(c)) for p, c in (("p1", "Red"), ("p2", "Green"), ("p3", "Blue"))
    }


async def test_decide_shows_each_rationale_in_the_runs_labels(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    config.write_text(CONFIG)
    ledger = await SqliteLedger.open(db)
    # Seeded: an unseeded shuffle shows all three voters the canonical lettering 1 run in 216
    orch = Orchestrator(
        load_settings(config), ledger, dict(named_providers()), rng=random.Random(3)
    )
    try:
        [(task, _)] = await orch.submit([TaskSpec("Colour?", role="a", mode=TaskMode.CONSENSUS)])
        await orch.run(until_idle=True)
        record = await orch.consensus_record(task.id)
    finally:
        await orch.stop()
        await ledger.close()
    assert record is not None
    labels = {g.text: g.label for g in record.groups}
    canonical = tuple(g.label for g in record.groups)
    assert any(v.order != canonical for v in record.votes)  # some voter saw another lettering

    shown_text = swarm("decide", str(task.id), "--config", str(config), "--db", str(db), env=env)
    assert shown_text.returncode == 0, shown_text.stderr
    vote_lines = [line for line in shown_text.stdout.splitlines() if "vote p" in line]
    assert len(vote_lines) == 3
    for line in vote_lines:
        for colour, label in labels.items():
            assert f"Candidate [{label}] says {colour}." in line, line
    for vote in record.votes:
        line = next(x for x in vote_lines if f"vote {vote.voter}:" in x)
        assert line.split(": ", 1)[1].startswith(f"[{vote.choice}] ")
        assert f"Ranking [{vote.choice}] > " in line

    as_json = swarm(
        "decide", str(task.id), "--json", "--config", str(config), "--db", str(db), env=env
    )
    votes = json.loads(as_json.stdout)["votes"]
    for v in votes:
        for colour, label in labels.items():
            assert f"Candidate [{label}] says {colour}." in v["rationale"]
        assert sorted(v["ballot"].values()) == sorted(canonical)
        assert v["rationale_as_written"].startswith("Candidate A says")


async def test_decide_with_the_arbiter_keeps_library_chatter_off_stderr(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    async with LoopbackServer() as judge:

        def pick(request: Recorded) -> Reply:
            text = request.json()["messages"][-1]["content"]  # type: ignore[index]
            blue = letter_of(shown([ChatMessage("user", str(text))]), "Blue")
            chunk = {"choices": [{"index": 0, "delta": {"content": json.dumps(
                {"choice": blue, "rationale": "blue sky"})}, "finish_reason": "stop"}]}  # fmt: skip
            return Reply(pieces=sse(chunk))

        judge.choose("POST", "/v1/chat/completions", pick)
        config.write_text(
            CONFIG + f'[providers.judge]\nkind = "openai"\nbase_url = "{judge.url}/v1"\n'
            "[providers.judge.models.j]\n"
        )
        task_id = await a_waiting_conflict(config, db)
        common = ("--config", str(config), "--db", str(db))
        done = await asyncio.to_thread(
            swarm, "decide", str(task_id), "--arbiter", "judge/j", *common, env=env
        )
    assert done.returncode == 0, done.stderr
    assert judge.requests  # the arbiter was asked, over HTTP
    assert "HTTP Request" not in done.stderr and "INFO" not in done.stderr, done.stderr
    assert query(db, "SELECT state, result FROM tasks") == [("succeeded", "Blue")]
