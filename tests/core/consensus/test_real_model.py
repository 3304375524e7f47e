"""One consensus run end to end on the real embedded llama.cpp server (SmolLM2-135M).

The model's answers and votes are close to nonsense, so this checks the pipeline, not the
quality: three candidates stream from the real server, a refinement round and a vote run, and
the record comes back decided (by the vote, the arbiter, agreement or the fallback when no vote
parses) and well formed, with the server's counted usage on every candidate.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.core.consensus import (
    Answer,
    ArbiterConfig,
    ConsensusConfig,
    ConsensusEngine,
    ConsensusRecord,
    GroupingConfig,
)
from swarm_tui.core.router import split_ref
from swarm_tui.providers.base import ChatMessage, StreamRequest, TextDelta, Usage
from swarm_tui.providers.local import LocalProvider
from swarm_tui.providers.pricing import price

MODEL = ModelConfig(max_tokens=32, context=2048)
CONFIG = ProviderConfig(kind="local", models={"smollm2": MODEL})
REF = "local/smollm2"


@pytest.mark.llama
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable in this interpreter: install the 'local' extra"
    " (make setup) to run the real embedded-model test",
)
async def test_a_consensus_run_on_the_real_embedded_model(tmp_path: Path) -> None:
    provider = LocalProvider("local", CONFIG, log_path=tmp_path / "model.log")

    async def call(ref: str, messages: Sequence[ChatMessage], max_tokens: int) -> Answer:
        _, model = split_ref(ref)
        request = StreamRequest(model=model, messages=tuple(messages), max_tokens=max_tokens)
        text, usage = [], None
        async for event in provider.stream(request):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, Usage):
                usage = event
        cost = price(MODEL, usage) if usage else 0.0
        return Answer("".join(text), usage, cost)

    async def answer(ref: str, messages: Sequence[ChatMessage]) -> Answer:
        return await call(ref, messages, 32)

    async def vote(ref: str, messages: Sequence[ChatMessage]) -> Answer:
        return await call(ref, messages, 48)

    config = ConsensusConfig(
        models=(REF, REF, REF),
        grouping=GroupingConfig("similarity", threshold=0.8),
        rounds=1,
        arbiter=ArbiterConfig(model=REF),
        answer_timeout=180,
        vote_timeout=180,
        ballot_chars=400,
    )
    engine = ConsensusEngine(config, answer, vote, rng=random.Random(5))
    try:
        record = await engine.run("Name one primary colour. Answer in one word.")
    finally:
        await provider.close()

    assert ConsensusRecord.from_json(record.to_json()) == record
    assert record.status == "decided" and record.decision
    assert record.decided_by in ("agreement", "vote", "arbiter", "fallback")
    assert record.winner in [g.label for g in record.groups]
    assert len(record.candidates) == 3
    for candidate in record.candidates:
        assert candidate.ok and candidate.text.strip() and candidate.group is not None
        assert candidate.usage is not None and candidate.usage.source == "counted"
        assert (candidate.usage.output_tokens or 0) > 0
    assert sorted(m for g in record.groups for m in g.members) == [0, 1, 2]
    for v in record.votes:
        assert sorted(v.order) == sorted(g.label for g in record.groups)
        assert (v.choice is None) == (v.error is not None)
    if record.decided_by == "vote":
        assert record.votes and record.margin is not None
