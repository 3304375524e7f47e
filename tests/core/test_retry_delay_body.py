"""A wait asked for in the error body (Gemini's ``google.rpc.RetryInfo``; Gemini sends no
Retry-After header) is the minimum back-off, like Retry-After: the retry is scheduled at the
orchestrator's clock + that wait. A real Gemini provider against a loopback server answering
429 in Google's documented error shape; the clock is the test's, so no wall time is read."""

from __future__ import annotations

import asyncio
import random

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, ProviderConfig, RetryConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock
from tests.providers.loopback import LoopbackServer, json_reply

MODEL = "gemini-2.5-flash"
PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
KEY = "AIzaRetryDelayKey0123456789abcdefAB"


def quota_exceeded(delay: str) -> dict[str, object]:
    """Gemini's 429 body (google.rpc.Status with QuotaFailure, Help and RetryInfo details)."""
    return {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{"quotaMetric": "generate_content_free_tier_requests"}],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [{"description": "Learn more", "url": "https://ai.google.dev"}],
                },
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay},
            ],
        }
    }


def settings(url: str) -> Settings:
    return Settings(
        providers={
            "gemini": ProviderConfig(
                kind="gemini", base_url=url, models={MODEL: ModelConfig(max_tokens=32)}
            )
        },
        agents={"a": AgentConfig(mix={f"gemini/{MODEL}": 1.0})},
        retry=RetryConfig(base_seconds=1.0, cap_seconds=2.0),  # jitter alone stays under 2 s
        orchestrator={"heartbeat_seconds": 3600, "lease_seconds": 7200},  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("delay", "wait"), [("3s", 3.0), ("17.5s", 17.5)])
async def test_gemini_retry_delay_in_the_body_is_the_minimum_wait(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, delay: str, wait: float
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    clock = Clock()
    async with LoopbackServer() as server:
        server.route("POST", PATH, json_reply(429, quota_exceeded(delay)))
        config = settings(server.url)
        provider = GeminiProvider("gemini", config.providers["gemini"])
        orch = Orchestrator(
            config, ledger, {"gemini": provider}, clock=clock, rng=random.Random(7), owner="t:1:1"
        )
        try:
            [(task, _)] = await orch.submit([TaskSpec(prompt="hi", role="a")])
            assert await orch.tick() == 1
            async with asyncio.timeout(20):
                while orch.running:
                    await asyncio.sleep(0.01)
        finally:
            await orch.stop()
    after = await ledger.get_task(task.id)
    assert after is not None and after.state == TaskState.QUEUED
    assert after.not_before == clock.now + wait  # scheduled on the orchestrator's clock
    assert len(server.requests) == 1
    events = [data for kind, _a, data in await ledger.events(task.id) if kind == "retry_scheduled"]
    assert len(events) == 1 and f"back-off {wait:.1f}s" in events[0]
