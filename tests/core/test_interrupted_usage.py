"""A stream that is cut or turns malformed is billed all the same: the attempt keeps the usage
the backend reported before the end, and text streamed with no report is estimated and marked
so. Real providers against loopback servers speaking each API's documented stream format,
run through the orchestrator onto a real ledger file."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.core.consensus.calls import ModelCaller
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.report import build_report, render
from swarm_tui.domain.models import TaskSpec
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ChatMessage, Provider, ProviderError, Usage
from swarm_tui.providers.registry import PROVIDER_KINDS
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, make_settings
from tests.fakes import FakeProvider, Script
from tests.providers.loopback import LoopbackServer, Reply, named_sse, ndjson, sse
from tests.raw_sql import raw_sql

KEY = "sk-interrupted-0123456789abcdef"
PRICES = ModelConfig(input_per_mtok=3.0, output_per_mtok=15.0, max_tokens=64)
PROMPT = "x" * 400  # with the system prompt: a known prompt length for the estimate


async def _one_attempt(
    ledger: Ledger, kind: str, url: str, model: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[object, ...], Settings]:
    monkeypatch.setenv("INTERRUPTED_KEY", KEY)
    config = ProviderConfig(
        kind=kind,  # type: ignore[arg-type]
        base_url=url,
        api_key_env="INTERRUPTED_KEY",
        models={model: PRICES},
    )
    settings = Settings(
        providers={"p": config},
        agents={"a": AgentConfig(mix={f"p/{model}": 1.0}, system_prompt="")},
        orchestrator={"heartbeat_seconds": 3600, "lease_seconds": 7200},  # type: ignore[arg-type]
    )
    provider: Provider = PROVIDER_KINDS[kind]("p", config, ledger.path.parent)
    orch = Orchestrator(
        settings, ledger, {"p": provider}, clock=Clock(), rng=random.Random(1), owner="t:1:1"
    )
    try:
        await orch.submit([TaskSpec(prompt=PROMPT, role="a")])
        assert await orch.tick() == 1
        async with asyncio.timeout(20):
            while orch.running:
                await asyncio.sleep(0.01)
    finally:
        await orch.stop()
    [row] = raw_sql(
        ledger,
        "SELECT state, output, tokens_in, tokens_out, usage_source, cost_usd, error FROM attempts",
    )
    usage = raw_sql(ledger, "SELECT tokens_in, tokens_out, source, cost_usd FROM usage")
    billed = row[2] is not None or row[3] is not None
    assert usage == ([row[2:6]] if billed else []), usage  # the usage ledger has it too
    return row, settings


def _cost(tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * 3.0 + tokens_out * 15.0) / 1e6


async def test_anthropic_cut_after_message_start_keeps_the_input_it_reported(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-haiku-4-5",
        "usage": {"input_tokens": 120, "cache_read_input_tokens": 30, "output_tokens": 1},
    }
    text = "partial answer, cut"  # 19 characters: 5 tokens estimated
    events = named_sse(
        ("message_start", {"type": "message_start", "message": message}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": text}}),
    )  # fmt: skip
    async with LoopbackServer() as server:
        server.route("POST", "/v1/messages", Reply(pieces=events, cut=True))
        row, _ = await _one_attempt(
            ledger, "anthropic", server.url, "claude-haiku-4-5", monkeypatch
        )
    state, output, tokens_in, tokens_out, source, cost, error = row
    assert (state, output) == ("failed", text) and "stream cut" in str(error)
    assert (tokens_in, tokens_out, source) == (150, 1 + 5, "estimated")
    assert cost == pytest.approx(_cost(150, 6))  # no cache rate set: reads priced as input


async def test_gemini_cut_keeps_the_usage_of_its_last_chunk_as_reported(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = "gemini-2.5-flash"

    def chunk(text: str, out: int) -> dict[str, object]:
        parts = [{"text": text}]
        return {
            "candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 90, "candidatesTokenCount": out},
            "modelVersion": model,
        }

    pieces = sse(chunk("one ", 1), chunk("two ", 2), done=False)
    async with LoopbackServer() as server:
        server.route(
            "POST", f"/v1beta/models/{model}:streamGenerateContent", Reply(pieces=pieces, cut=True)
        )
        row, _ = await _one_attempt(ledger, "gemini", server.url, model, monkeypatch)
    state, output, tokens_in, tokens_out, source, cost, _error = row
    assert (state, output) == ("failed", "one two ")
    assert (tokens_in, tokens_out, source) == (90, 2, "reported")
    assert cost == pytest.approx(_cost(90, 2))


async def test_openai_stream_with_no_usage_cut_midway_is_estimated(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def chunk(text: str) -> dict[str, object]:
        return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}

    pieces = sse(chunk("abcdefgh"), chunk("ijkl"), done=False)  # 12 characters: 3 tokens
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", Reply(pieces=pieces, cut=True))
        row, settings = await _one_attempt(ledger, "openai", f"{server.url}/v1", "m", monkeypatch)
    state, output, tokens_in, tokens_out, source, cost, _error = row
    assert (state, output) == ("failed", "abcdefghijkl")
    assert (tokens_in, tokens_out, source) == (100, 3, "estimated")  # 400 prompt chars
    assert cost == pytest.approx(_cost(100, 3))
    report = await build_report(ledger, settings, None)
    assert report["total"]["tokens_in"] == 100 and report["total"]["estimated_usage"] == 1
    assert report["by_model"]["p/m"]["cost_usd"] == pytest.approx(_cost(100, 3))
    assert "1 attempt(s) ended before their backend reported usage" in render(report, "md")


async def test_openai_partial_usage_sent_as_it_goes_is_kept(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = {"prompt_tokens": 77, "completion_tokens": 4}
    first = {"choices": [{"index": 0, "delta": {"content": "four"}}], "usage": usage}
    pieces = sse(first, done=False)
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", Reply(pieces=pieces, cut=True))
        row, _ = await _one_attempt(ledger, "openai", f"{server.url}/v1", "m", monkeypatch)
    assert row[2:5] == (77, 4, "reported")


async def test_ollama_stream_that_turns_malformed_is_estimated(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = {"model": "llama3", "message": {"role": "assistant", "content": "12345678"}}
    pieces = [*ndjson(line), b"{not json\n"]
    async with LoopbackServer() as server:
        server.route("POST", "/api/chat", Reply(pieces=pieces, content_type="application/x-ndjson"))
        row, _ = await _one_attempt(ledger, "ollama", server.url, "llama3", monkeypatch)
    state, output, tokens_in, tokens_out, source, _cost_usd, error = row
    assert (state, output) == ("failed", "12345678") and "not JSON" in str(error)
    assert (tokens_in, tokens_out, source) == (100, 2, "estimated")


async def test_a_failure_before_any_text_records_no_guess(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", Reply(pieces=[], cut=True))
        row, _ = await _one_attempt(ledger, "openai", f"{server.url}/v1", "m", monkeypatch)
    assert row[0] == "failed" and row[2:6] == (None, None, "unknown", 0.0)
    assert json.dumps(row[6])  # an error was recorded


async def test_a_consensus_candidate_cut_midway_still_counts_what_it_was_billed() -> None:
    """The calls of a consensus run (answers, votes) go through ModelCaller: one cut midway
    still adds its reported usage plus an estimate to the run's totals and cost."""

    def cut(_request: object) -> Script:
        error = ProviderError("p1: stream cut", retryable=True, kind="cut")
        return Script(tokens=["12345678"], error=error)

    caller = ModelCaller(make_settings(), {"p1": FakeProvider("p1", cut)}, Redactor([]))
    with pytest.raises(RuntimeError, match="stream cut"):
        await caller("p1/m1", [ChatMessage("user", "x" * 40)])
    assert caller.usage == Usage(10, 2, source="estimated")
    assert caller.cost == pytest.approx((10 * 1.0 + 2 * 2.0) / 1e6)
