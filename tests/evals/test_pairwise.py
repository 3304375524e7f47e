"""Pairwise comparison of two configurations after an eval, with stand-in models through the
orchestrator: a judge that always prefers position 1 is neutralised by the swap (every case
undecided, no preference counted); a fair judge's preferences are counted, ties included."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.evals.configs import eval_settings, parse_configurations
from swarm_tui.evals.engine import EvalEngine
from swarm_tui.evals.pairwise import PairSummary, compare_pair
from swarm_tui.evals.sets import parse_eval_set
from swarm_tui.providers.base import StreamRequest
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, make_settings
from tests.evals.test_engine import CHEAP_WRONG, SET, cheap, running
from tests.fakes import FakeProvider, Script

NUMERIC = SET[: SET.index('[[case]]\nid = "essay"')]


def biased(request: StreamRequest) -> Script:
    text = str(request.messages[-1].content)
    if "ANSWER 1:" in text:
        return Script(tokens=["WINNER: 1\nREASON: it came first"])
    return Script(tokens=[str(2 * int(text.split()[2]))])


def fair(request: StreamRequest) -> Script:
    text = str(request.messages[-1].content)
    if "ANSWER 1:" not in text:
        return Script(tokens=[str(2 * int(text.split()[2]))])
    n = int(re.search(r"What is (\d+)", text).group(1))  # type: ignore[union-attr]
    first = text.split("ANSWER 1:\n")[1].split("\n")[0].strip()
    second = text.split("ANSWER 2:\n")[1].split("\n")[0].strip()
    right = [a == str(2 * n) for a in (first, second)]
    if right[0] == right[1]:
        return Script(tokens=["WINNER: tie"])
    return Script(tokens=["WINNER: 1" if right[0] else "WINNER: 2"])


async def _pairwise(ledger: Ledger, judge: Callable[[StreamRequest], Script]) -> PairSummary:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    eval_set = parse_eval_set(NUMERIC, "set.toml")
    configs = parse_configurations(base, ["p1/m1,p2/m1"])
    settings = eval_settings(base, configs, {"a"}, judge="p2/m1")
    providers = {"p1": FakeProvider("p1", cheap), "p2": FakeProvider("p2", judge)}
    orch = Orchestrator(settings, ledger, providers, clock=Clock(), owner="test:1:1")  # type: ignore[arg-type]
    engine = EvalEngine(orch, eval_set, configs, repeat=2, judge="p2/m1", poll_s=0.02)
    async with running(orch):
        results = await asyncio.wait_for(engine.measure(), 60)
        run = await engine.open_run()
        return await asyncio.wait_for(
            compare_pair(orch, run, eval_set.cases, results, "p1/m1", "p2/m1", "p2/m1",
                         poll_s=0.02),
            60,
        )  # fmt: skip


async def test_a_judge_that_always_prefers_position_1_counts_nothing(ledger: Ledger) -> None:
    summary = await _pairwise(ledger, biased)
    assert (summary.a_better, summary.b_better, summary.ties) == (0, 0, 0)
    assert summary.undecided == 12 and "undecided 12" in summary.line()
    # Both orders were asked: 12 cases x repeats, two judge tasks each.
    judges = [t for t in await ledger.list_tasks() if "eval-judge" in t.tags]
    assert len(judges) == 24 and all("p1" not in t.prompt for t in judges)


async def test_a_fair_judge_is_counted_ties_included(ledger: Ledger) -> None:
    summary = await _pairwise(ledger, fair)
    wrong = len(CHEAP_WRONG) * 2
    assert (summary.a_better, summary.b_better, summary.ties) == (0, wrong, 12 - wrong)
    assert summary.undecided == 0
    assert "p1/m1 as good or better in 67% of 12" in summary.line()
