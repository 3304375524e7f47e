"""One consensus run end to end on the real embedded llama.cpp server (SmolLM2-135M), through
the orchestrator: a consensus task is dispatched, three candidates stream from the real
server, a refinement round and a vote run, and the task ends with the decision, its record
and per-model figures in the ledger and its counted tokens and cost on the attempt.

The model's answers and votes are close to nonsense, so this checks the pipeline, not the
quality: the record comes back decided (by the vote, the arbiter, agreement or the fallback
when no vote parses) and well formed, with the server's counted usage on every candidate.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from swarm_tui.config import ConsensusSettings, ModelConfig, ProviderConfig, default_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.report import build_report
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.providers.local import LocalProvider
from swarm_tui.store.ledger import SqliteLedger

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
async def test_a_consensus_task_on_the_real_embedded_model(tmp_path: Path) -> None:
    consensus = ConsensusSettings(
        models=[REF, REF, REF],
        grouping="similarity",
        similarity=0.8,
        rounds=1,
        arbiter=REF,
        human=False,
        answer_timeout_s=180,
        vote_timeout_s=180,
        ballot_chars=400,
    )
    settings = default_settings().model_copy(
        update={"providers": {"local": CONFIG}, "consensus": consensus}
    )
    ledger = await SqliteLedger.open(tmp_path / "ledger.db")
    provider = LocalProvider("local", CONFIG, log_path=tmp_path / "model.log")
    orch = Orchestrator(settings, ledger, {"local": provider})
    try:
        prompt = "Name one primary colour. Answer in one word."
        [(task, _)] = await orch.submit([TaskSpec(prompt, mode=TaskMode.CONSENSUS)])
        await orch.run(until_idle=True)
        done = await orch.task(task.id)
        record = await orch.consensus_record(task.id)
        [attempt] = await orch.attempts(task.id)
        report = await build_report(ledger, settings, None)
    finally:
        await orch.stop()
        await ledger.close()

    assert record is not None, done.error
    assert done.state == TaskState.SUCCEEDED and done.result == record.decision
    assert attempt.provider == "consensus" and attempt.usage_source.value == "counted"
    assert (attempt.tokens_out or 0) > 0 and "── local/smollm2 ──" in attempt.output
    assert report["consensus"]["runs"] == 1
    assert report["consensus"]["by_model"][REF]["answers"] == 3
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
