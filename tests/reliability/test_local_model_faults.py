"""Faults of the embedded model's server (real llama.cpp server, SmolLM2): it cannot start
(a file that is no model, its port taken) or it dies in the middle of a reply.

Expected: a clear error quoting the server's own log, no server process left behind, and
after a death the provider starts a new server on the next attempt (the run goes on).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers import local
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.providers.local import LocalModelServer, LocalProvider

pytestmark = [
    pytest.mark.llama,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="needs the 'local' extra (make setup) for the real embedded model server",
    ),
]

CONFIG = ProviderConfig(kind="local", models={"smollm2": ModelConfig(context=2048)})
LONG = StreamRequest(
    "smollm2", (ChatMessage("user", "Write a long story about a cat and a boat."),), 400
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def squatted_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # connections queue up, nobody answers: not a server
        yield int(sock.getsockname()[1])


async def _start_fails(srv: LocalModelServer) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await srv.start()
    assert srv.process is None  # closed on the way out
    return info.value


async def test_a_file_that_is_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + bytes(200))
    monkeypatch.setattr(local, "find_gguf", lambda: bad)
    srv = LocalModelServer(log_path=tmp_path / "model.log")
    error = await _start_fails(srv)
    message = str(error)
    assert "the embedded model server exited with code" in message
    assert f"Failed to load model from file: {bad}" in message  # the server's own words
    assert str(tmp_path / "model.log") in message and not error.retryable


async def test_port_already_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, squatted_port: int
) -> None:
    monkeypatch.setattr(local, "_free_port", lambda: squatted_port)
    srv = LocalModelServer(log_path=tmp_path / "model.log")
    message = str(await _start_fails(srv))
    assert "exited with code" in message and "address already in use" in message
    assert str(squatted_port) in message


async def test_server_dies_mid_reply_and_the_next_attempt_restarts_it(tmp_path: Path) -> None:
    provider = LocalProvider("local", CONFIG, log_path=tmp_path / "model.log")
    seen: list[StreamEvent] = []
    try:
        with pytest.raises(ProviderError) as info:
            async for event in provider.stream(LONG):
                seen.append(event)
                if len(seen) == 1:
                    assert provider.server.process is not None
                    first = provider.server.process.pid
                    os.killpg(first, signal.SIGKILL)
        assert info.value.retryable and info.value.kind in ("cut", "network")
        assert "local: " in str(info.value)
        assert all(isinstance(e, TextDelta) for e in seen), seen  # partial text passed on
        # What the one retry layer does: try again (here at most 3 times, no sleeping). The
        # first retry may still race the dying process; one must start a fresh server.
        events: list[StreamEvent] = []
        for _ in range(3):
            try:
                events = [e async for e in provider.stream(LONG)]
                break
            except ProviderError as exc:
                assert exc.retryable, exc
        assert events, "no attempt after the death succeeded"
        assert provider.server.process is not None
        second = provider.server.process.pid
        assert second != first
    finally:
        await provider.close()
    assert isinstance(events[-1], Done)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip()
    [usage] = [e for e in events if isinstance(e, Usage)]
    assert usage.source == "counted"
    assert _gone(first) and _gone(second)
