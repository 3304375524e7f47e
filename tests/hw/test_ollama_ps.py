"""Ollama readings and actions against a loopback server speaking Ollama's documented API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from swarm_tui.hw.ollama_ps import OllamaError, OllamaPs, parse_expires_at
from tests.hw.ollama_replies import GIB, PS, TAGS, VERSION
from tests.providers.loopback import LoopbackServer, Reply, json_reply, ndjson

NOW = datetime(2026, 11, 22, 2, 0, 0, tzinfo=UTC).timestamp()


def ollama_routes(srv: LoopbackServer) -> None:
    srv.route("GET", "/api/ps", json_reply(200, PS))
    srv.route("GET", "/api/tags", json_reply(200, TAGS))
    srv.route("GET", "/api/version", json_reply(200, VERSION))


async def test_loaded_models_with_a_spilled_one_flagged() -> None:
    async with LoopbackServer() as srv:
        ollama_routes(srv)
        ps = OllamaPs(srv.url)
        try:
            status = (await ps.read()).ollama
        finally:
            await ps.aclose()
    assert status is not None and status.reachable and status.version == "0.12.6"
    coder, small = status.models  # the malformed entry is skipped
    assert coder.name == "qwen2.5-coder:14b" and coder.size_bytes == 12 * GIB
    assert coder.vram_share == 0.75 and coder.spilled
    assert coder.context_length == 8192 and coder.parameter_size == "14.8B"
    assert coder.quantization == "Q4_K_M"
    assert coder.seconds_to_unload(NOW) == pytest.approx(4 * 60 + 5.123, abs=0.001)
    assert small.vram_share == 1.0 and not small.spilled
    assert small.seconds_to_unload(NOW) is None  # kept forever (keep_alive -1)
    assert status.available == ("llama3.2:3b", "nomic-embed-text:latest", "qwen2.5-coder:14b")
    assert {r.path for r in srv.requests} == {"/api/ps", "/api/tags", "/api/version"}


async def test_unload_and_preload_send_the_documented_bodies() -> None:
    async with LoopbackServer() as srv:
        done = {
            "model": "qwen2.5-coder:14b",
            "created_at": "2026-11-22T02:00:00Z",
            "response": "",
            "done": True,
        }
        srv.route(
            "POST",
            "/api/generate",
            Reply(200, ndjson({**done, "done_reason": "unload"}), "application/json"),
            Reply(200, ndjson({**done, "done_reason": "load"}), "application/json"),
        )
        ps = OllamaPs(srv.url)
        try:
            await ps.unload("qwen2.5-coder:14b")
            await ps.preload("llama3.2:3b")
        finally:
            await ps.aclose()
    unload, preload = srv.requests
    assert (unload.method, unload.path) == ("POST", "/api/generate")
    assert unload.json() == {"model": "qwen2.5-coder:14b", "keep_alive": 0}
    assert preload.json() == {"model": "llama3.2:3b"}


async def test_refused_actions_raise_with_ollamas_message() -> None:
    async with LoopbackServer() as srv:
        srv.route(
            "POST",
            "/api/generate",
            json_reply(404, {"error": "model 'nope' not found"}),
            Reply(200, ndjson({"error": "out of memory"}), "application/x-ndjson"),
        )
        ps = OllamaPs(srv.url)
        try:
            for expected in ("HTTP 404 model 'nope' not found", "out of memory"):
                try:
                    await ps.preload("nope")
                except OllamaError as exc:
                    assert expected in str(exc) and "preload nope" in str(exc)
                else:
                    raise AssertionError("no error")
        finally:
            await ps.aclose()


async def test_unreachable_ollama_is_a_reading_not_an_exception() -> None:
    async with LoopbackServer() as srv:
        url = srv.url
    ps = OllamaPs(url, timeout_s=2.0)  # the server is closed now: connection refused
    try:
        status = await ps.status()
        assert not status.reachable and "unreachable" in status.error and status.models == ()
        try:
            await ps.unload("x")
        except OllamaError as exc:
            assert "unreachable" in str(exc)
        else:
            raise AssertionError("no error")
    finally:
        await ps.aclose()


async def test_a_server_error_is_reported() -> None:
    async with LoopbackServer() as srv:
        ollama_routes(srv)
        srv.route("GET", "/api/ps", json_reply(500, {"error": "boom"}))
        ps = OllamaPs(srv.url)
        try:
            status = await ps.status()
        finally:
            await ps.aclose()
    assert not status.reachable and status.error == "Ollama /api/ps: HTTP 500 boom"


def test_expiry_times() -> None:
    assert parse_expires_at("0001-01-01T00:00:00Z") is None
    assert parse_expires_at("") is None and parse_expires_at(None) is None
    assert parse_expires_at("yesterday") is None
    assert parse_expires_at("2026-11-22T02:00:00Z") == NOW
