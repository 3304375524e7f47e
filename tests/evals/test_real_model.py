"""An eval of three cases from the shipped set on the real embedded model (SmolLM2-135M via
llama.cpp, temperature 0), through the orchestrator: each case measured once, with the
server's counted tokens, a latency and a verdict; whatever the model answers, the verdict
is the judge's on that answer.

SQLite only: a real model (slow); evals on PostgreSQL run in test_engine.py and
test_eval_cli.py."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from pathlib import Path

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig, default_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.evals.cases import EvalSet
from swarm_tui.evals.checks import check_answer
from swarm_tui.evals.configs import eval_settings, parse_configurations
from swarm_tui.evals.engine import EvalEngine
from swarm_tui.evals.sets import load_eval_set
from swarm_tui.providers.local import LocalProvider
from swarm_tui.store.ledger import SqliteLedger

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "evals" / "basics.toml"
CONFIG = ProviderConfig(
    kind="local", models={"smollm2": ModelConfig(max_tokens=24, context=2048, temperature=0.0)}
)


@pytest.mark.llama
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable: install the 'local' extra (make setup)",
)
async def test_three_cases_of_the_shipped_set_on_the_embedded_model(tmp_path: Path) -> None:
    shipped = load_eval_set(EXAMPLE)
    assert len(shipped.cases) == 20
    wanted = ("add-2-3", "capital-france", "capital-japan")
    chosen = tuple(c for c in shipped.cases if c.id in wanted)
    eval_set = EvalSet("three", chosen, shipped.digest)
    base = default_settings().model_copy(update={"providers": {"local": CONFIG}})
    configs = parse_configurations(base, ["local/smollm2"])
    settings = eval_settings(base, configs, {base.default_agent})
    ledger = await SqliteLedger.open(tmp_path / "ledger.db")
    provider = LocalProvider("local", CONFIG, log_path=tmp_path / "model.log")
    orch = Orchestrator(settings, ledger, {"local": provider})
    engine = EvalEngine(orch, eval_set, configs)
    job = asyncio.create_task(orch.run())
    try:
        results = await asyncio.wait_for(engine.measure(), 600)
    finally:
        await orch.stop()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
        await ledger.close()
    assert sorted(r.case_id for r in results) == sorted(wanted)
    cases = {c.id: c for c in eval_set.cases}
    for r in results:
        assert r.model == "local/smollm2" and r.tokens_in > 0 and r.tokens_out > 0
        assert r.latency_ms is not None and r.latency_ms > 0 and r.answer.strip()
        assert r.passed == await check_answer(cases[r.case_id].judge, r.answer)
