"""Consensus and review tasks through the orchestrator: scripted providers answer and vote,
the ledger keeps the record, the task ends with the decision or waits for the human."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from swarm_tui.config import (
    AgentConfig,
    BudgetConfig,
    ConsensusSettings,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.control import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.report import build_report
from swarm_tui.domain.events import ConflictChanged, Notice
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.providers.base import StreamEvent, StreamRequest, Usage
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, OrchFactory
from tests.core.consensus.scripted import letter_of, shown
from tests.fakes import FakeProvider, Script

Reply = Callable[[StreamRequest], str]


def settings(**consensus: object) -> Settings:
    models = {"m1": ModelConfig(input_per_mtok=1.0, output_per_mtok=2.0, max_tokens=64)}
    providers = {
        name: ProviderConfig(
            kind="openai", base_url="http://127.0.0.1:9/v1", models=models, max_concurrent=4
        )
        for name in ("p1", "p2", "p3")
    }
    return Settings(
        providers=providers,
        agents={"a": AgentConfig(mix={"p1/m1": 3, "p2/m1": 2, "p3/m1": 1}, max_concurrent=2)},
        orchestrator=OrchestratorConfig(heartbeat_seconds=3600, lease_seconds=7200),
        consensus=ConsensusSettings.model_validate(consensus),
    )


def ballot(request: StreamRequest) -> dict[str, str]:
    return shown(request.messages)


def is_review(request: StreamRequest) -> bool:
    return "Answer to review:" in request.messages[-1].content


def provider(name: str, answer: str, vote: Reply | None = None) -> FakeProvider:
    """Answers ``answer``; on a ballot, ``vote(request)``; usage 10 in / 5 out per call."""

    def script(request: StreamRequest) -> Script:
        text = answer
        if (ballot(request) or is_review(request)) and vote is not None:
            text = vote(request)
        return Script(tokens=[text], usage=Usage(10, 5))

    return FakeProvider(name, script)


def votes_for(fragment: str) -> Reply:
    return lambda r: f'{{"choice": "{letter_of(ballot(r), fragment)}", "rationale": "sure"}}'


async def submit(orch: Orchestrator, mode: TaskMode, prompt: str = "What colour?") -> int:
    [(task, _)] = await orch.submit([TaskSpec(prompt, role="a", mode=mode)])
    return task.id


async def test_agreement_ends_the_task_with_the_shared_answer(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    orch = make_orch(settings(), {p: provider(p, "Blue.") for p in ("p1", "p2", "p3")})
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    task = await orch.task(task_id)
    assert task.state == TaskState.SUCCEEDED and task.result == "Blue."
    [attempt] = await orch.attempts(task_id)
    assert (attempt.provider, attempt.model) == ("consensus", "consensus-3")
    assert attempt.cost_usd == pytest.approx(3 * (10 * 1.0 + 5 * 2.0) / 1e6)
    assert (attempt.tokens_in, attempt.tokens_out) == (30, 15)
    assert "── p2/m1 ──" in attempt.output and "decided" in attempt.output
    record = await orch.consensus_record(task_id)
    assert record is not None and record.decided_by == "agreement"
    row = await ledger.consensus(task_id)
    assert row is not None and row.status == "decided" and row.cost_usd == attempt.cost_usd


async def test_disagreement_goes_to_a_vote_and_the_record_counts_votes_won(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    red = votes_for("Red")
    providers = {
        "p1": provider("p1", "Red", red),
        "p2": provider("p2", "Crimson", red),
        "p3": provider("p3", "Green", red),
    }
    orch = make_orch(settings(), providers)
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    task = await orch.task(task_id)
    record = await orch.consensus_record(task_id)
    assert record is not None and record.decided_by == "vote", record.reason
    assert task.state == TaskState.SUCCEEDED and task.result == "Red"
    assert len(record.votes) >= 2 and all(v.choice == record.winner for v in record.votes)
    [figures] = (await ledger.consensus_since(0.0))[:1]
    won = {m.model: (m.answers, m.won) for m in figures.models}
    assert won == {"p1/m1": (1, 1), "p2/m1": (1, 0), "p3/m1": (1, 0)}
    assert orch.performance._get("p1/m1").quality[-1] == 1.0
    assert orch.performance._get("p3/m1").quality[-1] == 0.0
    standing = await ledger.model_standing(["p1/m1", "p3/m1", "p9/none"], window=20)
    assert standing == {"p1/m1": 1.0, "p3/m1": 0.0}  # the record weights' input


def tie_providers() -> dict[str, FakeProvider]:
    def own(colour: str) -> Reply:
        return votes_for(colour)

    return {
        "p1": provider("p1", "Red", own("Red")),
        "p2": provider("p2", "Green", own("Green")),
        "p3": provider("p3", "Blue", own("Blue")),
    }


async def test_a_tie_waits_for_the_human_across_a_restart_and_the_human_decides(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock
) -> None:
    orch = make_orch(settings(), tie_providers())
    events = orch.bus.subscribe()
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    assert (await orch.task(task_id)).state == TaskState.NEEDS_VOTE
    seen = [e for e in events.get_nowait() if isinstance(e, ConflictChanged)]
    assert [(e.task_id, e.status) for e in seen] == [(task_id, "needs_human")]
    await orch.stop()

    again = make_orch(settings(), tie_providers())
    [(task, record)] = await again.conflicts()
    assert task.id == task_id and record.needs_human is not None
    assert sorted(record.needs_human.contested) == ["A", "B", "C"]
    green = next(g.label for g in record.groups if g.text == "Green")
    with pytest.raises(ControlError, match="no candidate 'Z'"):
        await again.decide(task_id, "Z")
    done = await again.decide(task_id, green, "green is right")
    assert done.state == TaskState.SUCCEEDED and done.result == "Green"
    decided = await again.consensus_record(task_id)
    assert decided is not None and decided.decided_by == "human" and decided.winner == green
    assert await again.conflicts() == []
    with pytest.raises(ControlError, match="only a task in needs_vote"):
        await again.decide(task_id, green)


async def test_send_to_arbiter_settles_a_waiting_task_and_charges_the_call(
    make_orch: OrchFactory,
) -> None:
    providers = tie_providers()
    orch = make_orch(settings(), providers)
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    [before] = await orch.attempts(task_id)
    with pytest.raises(ControlError, match="no arbiter is configured"):
        await orch.send_to_arbiter(task_id)
    done = await orch.send_to_arbiter(task_id, model="p1/m1")  # p1 votes Red
    assert done.state == TaskState.SUCCEEDED and done.result == "Red"
    record = await orch.consensus_record(task_id)
    assert record is not None and record.decided_by == "arbiter"
    assert record.arbiter is not None and record.arbiter.model == "p1/m1"
    [after] = await orch.attempts(task_id)
    assert after.cost_usd == pytest.approx(before.cost_usd + (10 * 1.0 + 5 * 2.0) / 1e6)


async def test_an_arbiter_in_the_config_settles_the_tie_during_the_run(
    make_orch: OrchFactory,
) -> None:
    orch = make_orch(settings(arbiter="p2/m1"), tie_providers())
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    task = await orch.task(task_id)
    record = await orch.consensus_record(task_id)
    assert record is not None and record.decided_by == "arbiter"
    assert task.state == TaskState.SUCCEEDED and task.result == "Green"


async def test_review_mode_scores_the_authors_answer(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    scores = {"p2": "Score: 8\nReason: clear", "p3": '{"score": 6, "reason": "thin"}'}
    providers = {
        "p1": provider("p1", "The answer is 4."),
        "p2": provider("p2", "unused", lambda _r: scores["p2"]),
        "p3": provider("p3", "unused", lambda _r: scores["p3"]),
    }
    orch = make_orch(settings(), providers)
    task_id = await submit(orch, TaskMode.REVIEW, "2 + 2?")
    await orch.run(until_idle=True)
    task = await orch.task(task_id)
    assert task.state == TaskState.SUCCEEDED and task.result == "The answer is 4."
    record = await orch.consensus_record(task_id)
    assert record is not None and record.quality == {"p1/m1": 7.0}
    assert sorted(r.score for r in record.reviews if r.score) == [6, 8]
    report = await build_report(ledger, orch.settings, None)
    models = report["consensus"]["by_model"]
    assert models["p1/m1"]["review_score"] == 7.0 and models["p2/m1"]["reviews"] == 1


async def test_report_shows_consensus_cost_and_votes_won(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    red = votes_for("Red")
    providers = {
        "p1": provider("p1", "Red", red),
        "p2": provider("p2", "Red", red),
        "p3": provider("p3", "Green", red),
    }
    orch = make_orch(settings(agreement=0.5), providers)
    await submit(orch, TaskMode.CONSENSUS)
    await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    report = await build_report(ledger, orch.settings, None)
    c = report["consensus"]
    assert c["runs"] == 2 and c["decided_by"] == {"agreement": 2}
    assert c["cost_usd"] == pytest.approx(6 * (10 * 1.0 + 5 * 2.0) / 1e6)
    assert c["by_model"]["p1/m1"]["votes_won"] == 2
    assert c["by_model"]["p3/m1"]["votes_won"] == 0 and c["by_model"]["p3/m1"]["answers"] == 2
    assert "consensus" in report["by_provider"]


async def test_cancel_stops_a_running_consensus_and_keeps_its_transcript(
    make_orch: OrchFactory,
) -> None:
    slow = FakeProvider("p3", lambda _r: Script(tokens=["a", "b"], hold_after=1))
    providers = {"p1": provider("p1", "x"), "p2": provider("p2", "x"), "p3": slow}
    orch = make_orch(settings(), providers)
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.tick()
    await slow.holding.wait()
    task = await orch.cancel(task_id)
    assert task.state == TaskState.CANCELLED
    [attempt] = await orch.attempts(task_id)
    assert attempt.state.value == "stopped" and "p3/m1 is answering" in attempt.output


async def test_an_unusable_consensus_setting_fails_the_task_with_the_reason(
    make_orch: OrchFactory,
) -> None:
    orch = make_orch(settings(n=1), {p: provider(p, "x") for p in ("p1", "p2", "p3")})
    task_id = await submit(orch, TaskMode.REVIEW)
    await orch.run(until_idle=True)
    task = await orch.task(task_id)
    assert task.state == TaskState.FAILED
    assert task.error is not None and "review mode needs an author and at least one" in task.error


class Counting(FakeProvider):
    """Counts the streams open at once."""

    def __init__(self, name: str, answer: str) -> None:
        super().__init__(name, lambda _r: Script(tokens=[answer, "", ""], usage=Usage(10, 5)))
        self.active = 0
        self.peak = 0

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            async for event in super().stream(request):
                yield event
        finally:
            self.active -= 1


async def test_consensus_calls_keep_to_their_providers_limit(make_orch: OrchFactory) -> None:
    base = settings(models=["p1/m1", "p1/m1", "p1/m1"])
    one = base.providers["p1"].model_copy(update={"max_concurrent": 1})
    only = Counting("p1", "Blue")
    orch = make_orch(
        base.model_copy(update={"providers": {**base.providers, "p1": one}}),
        {"p1": only, "p2": provider("p2", "x"), "p3": provider("p3", "x")},
    )
    first = await submit(orch, TaskMode.CONSENSUS)
    second = await submit(orch, TaskMode.CONSENSUS)
    await orch.run(until_idle=True)
    assert [(await orch.task(t)).result for t in (first, second)] == ["Blue", "Blue"]
    assert only.peak == 1  # six answers of two runs at once, one at a time on p1


async def test_a_consensus_the_budget_cannot_cover_waits_and_says_why(
    make_orch: OrchFactory,
) -> None:
    base = settings()
    tight = base.model_copy(update={"budget": BudgetConfig(run_usd=0.001)})
    providers = {p: provider(p, "Blue") for p in ("p1", "p2", "p3")}
    orch = make_orch(tight, providers)
    events = orch.bus.subscribe()
    task_id = await submit(orch, TaskMode.CONSENSUS)
    await orch.tick()
    await orch.tick()
    assert (await orch.task(task_id)).state == TaskState.QUEUED
    assert not any(p.requests for p in providers.values())
    told = [e.text for e in events.get_nowait() if isinstance(e, Notice)]
    assert len([t for t in told if f"task #{task_id} (consensus) waits" in t]) == 1
