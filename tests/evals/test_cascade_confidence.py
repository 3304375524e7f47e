"""A cascade that escalates on the confidence its cheap model reports (``cascade:A>B@0.7``):
through the real orchestrator, a real ledger file and the real OpenAI-compatible client
against loopback stand-ins. The cheap stage is asked for structured output (answer and
confidence); a case is escalated exactly when its confidence is under the threshold, whether
its answer was right or not."""

from __future__ import annotations

import asyncio
import json

import pytest

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.evals.cases import EvalSetError
from swarm_tui.evals.configs import eval_settings, parse_configurations
from swarm_tui.evals.engine import CONFIDENCE_SCHEMA, EvalEngine, parse_confident
from swarm_tui.evals.sets import parse_eval_set
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, make_settings
from tests.evals.test_engine import running
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse

SET = "".join(
    f'[[case]]\nid = "add{n}"\nprompt = "What is {n} + {n}?"\njudge = "exact"\n'
    f'expected = "{2 * n}"\n\n'
    for n in range(1, 9)
)
CONFIDENCE = {1: 0.95, 2: 0.2, 3: 0.7, 4: 0.69, 5: 0.9, 6: None, 7: 0.1, 8: 1.0}
"""What the cheap model says of each case n (None: it replies without the JSON)."""
WRONG = {5, 7}
"""Cases the cheap model answers wrongly (5 with high confidence: kept, and wrong)."""
UNDER = {2, 4, 6, 7}
"""Under the 0.7 threshold (or no confidence given): exactly these escalate."""


def _reply(text: str) -> Reply:
    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]}
    return Reply(pieces=sse(chunk))


def _n(request: Recorded) -> int:
    return int(str(request.json()["messages"][-1]["content"]).split()[2])  # type: ignore[index]


def cheap(request: Recorded) -> Reply:
    n = _n(request)
    answer = str(2 * n + (1 if n in WRONG else 0))
    if CONFIDENCE[n] is None:
        return _reply(answer)
    return _reply(json.dumps({"answer": answer, "confidence": CONFIDENCE[n]}))


def strong(request: Recorded) -> Reply:
    assert "response_format" not in request.json()  # the last stage answers in plain text
    return _reply(str(2 * _n(request)))


def _settings(url_cheap: str, url_strong: str) -> Settings:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    providers = dict(base.providers)
    providers["p1"] = providers["p1"].model_copy(update={"base_url": f"{url_cheap}/v1"})
    providers["p2"] = providers["p2"].model_copy(update={"base_url": f"{url_strong}/v1"})
    return base.model_copy(update={"providers": providers})


async def test_the_cascade_escalates_exactly_the_cases_under_the_confidence_threshold(
    ledger: Ledger,
) -> None:
    async with LoopbackServer() as one, LoopbackServer() as two:
        one.choose("POST", "/v1/chat/completions", cheap)
        two.choose("POST", "/v1/chat/completions", strong)
        base = _settings(one.url, two.url)
        configs = parse_configurations(base, ["cascade:p1/m1>p2/m1@0.7"])
        assert configs[0].confidence == 0.7
        settings = eval_settings(base, configs, {"a"})
        providers = {
            name: OpenAICompatProvider(name, settings.providers[name]) for name in ("p1", "p2")
        }
        orch = Orchestrator(settings, ledger, providers, clock=Clock(), owner="test:1:1")  # type: ignore[arg-type]
        engine = EvalEngine(orch, parse_eval_set(SET, "set.toml"), configs, poll_s=0.02)
        async with running(orch):
            results = await asyncio.wait_for(engine.measure(), 120)

        # The cheap stage was asked for the answer with its confidence, in JSON.
        asked = [r.json() for r in one.requests]
        assert len(asked) == 8
        for body in asked:
            fmt = body["response_format"]
            assert isinstance(fmt, dict) and fmt["type"] == "json_schema"
            assert fmt["json_schema"]["schema"]["required"] == ["answer", "confidence"]
        assert sorted(_n(r) for r in two.requests) == sorted(UNDER)

    by = {r.case_id: r for r in results}
    assert len(results) == 8
    assert {c for c, r in by.items() if r.escalated} == {f"add{n}" for n in UNDER}
    for n in range(1, 9):
        r = by[f"add{n}"]
        assert len(r.task_ids) == (2 if n in UNDER else 1)
        assert r.model == ("p2/m1" if n in UNDER else "p1/m1")
    # Kept with high confidence and wrong: counted wrong; its answer is the JSON's answer.
    assert by["add5"].passed is False and by["add5"].answer == "11"
    assert "confidence 0.90 (kept at 0.7)" in by["add5"].reason
    assert by["add1"].passed is True and by["add1"].answer == "2"
    assert by["add7"].passed is True  # wrong but unsure: escalated and put right
    assert by["add3"].escalated is False  # exactly at the threshold: kept


def test_the_threshold_comes_from_the_name_or_the_config() -> None:
    base = make_settings()
    [plain] = parse_configurations(base, ["cascade:p1/m1>p2/m1"])
    assert plain.confidence is None
    configured = base.model_copy(
        update={"eval": base.eval.model_copy(update={"cascade_confidence": 0.5})}
    )
    [c] = parse_configurations(configured, ["cascade:p1/m1>p2/m1"])
    assert c.confidence == 0.5 and [s.ref for s in c.stages] == ["p1/m1", "p2/m1"]
    [c] = parse_configurations(configured, ["cascade:p1/m1>p2/m1@0.9"])
    assert c.confidence == 0.9
    with pytest.raises(EvalSetError, match=r"@1.5: expected a confidence threshold from 0 to 1"):
        parse_configurations(base, ["cascade:p1/m1>p2/m1@1.5"])


def test_replies_without_the_json_have_no_confidence() -> None:
    assert parse_confident('{"answer": "4", "confidence": 0.8}') == ("4", 0.8)
    assert parse_confident("4") == ("4", None)
    assert parse_confident('{"answer": "4", "confidence": 3}') == ("4", None)
    assert parse_confident('{"answer": "4", "confidence": true}') == ("4", None)
    assert "confidence" in json.dumps(CONFIDENCE_SCHEMA)
