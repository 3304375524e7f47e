from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers import local
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.providers.local import LocalModelServer, LocalProvider, render_chatml
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

CONFIG = ProviderConfig(kind="local", models={"smollm2": ModelConfig(max_tokens=16, context=2048)})
REQUEST = StreamRequest(model="smollm2", messages=(ChatMessage("user", "Say hi"),), max_tokens=16)
CHAT = "/v1/chat/completions"


def test_render_chatml_adds_the_default_system_prompt() -> None:
    assert render_chatml([ChatMessage("user", "Say hi")]) == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
        "<|im_end|>\n<|im_start|>user\nSay hi<|im_end|>\n<|im_start|>assistant\n"
    )
    rendered = render_chatml([ChatMessage("system", "S"), ChatMessage("user", "U")])
    assert (
        rendered
        == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
    )


class FakeServer(LocalModelServer):
    """Points the provider at a loopback server instead of launching llama.cpp."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.starts = 0
        self.closed = False

    async def start(self) -> None:
        self.starts += 1
        self.base_url = self.url

    async def close(self, grace: float = 10.0) -> None:
        self.closed = True


def llama_cpp_stream() -> Reply:
    # What llama-cpp-python streams: no usage at all, a final empty delta, then [DONE].
    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
        return {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    return Reply(
        pieces=sse(
            chunk({"role": "assistant"}),
            chunk({"content": "Hi"}),
            chunk({"content": " there"}),
            chunk({}, "stop"),
        )
    )


async def test_usage_is_counted_with_the_server_tokenizer(server: LoopbackServer) -> None:
    server.route("POST", CHAT, llama_cpp_stream())
    server.route(
        "POST",
        "/extras/tokenize",
        json_reply(200, {"tokens": [1] * 32}),
        json_reply(200, {"tokens": [5, 6]}),
    )
    provider = LocalProvider("local", CONFIG)
    provider.server = fake = FakeServer(server.url)
    events = [e async for e in provider.stream(REQUEST)]
    await provider.close()
    assert events == [
        TextDelta("Hi"),
        TextDelta(" there"),
        Usage(32, 2, source="counted"),
        Done("stop"),
    ]
    tokenized = [r.json()["input"] for r in server.requests if r.path == "/extras/tokenize"]
    assert tokenized == [render_chatml(REQUEST.messages), "Hi there"]
    assert server.requests[0].json()["messages"] == [{"role": "user", "content": "Say hi"}]
    assert fake.starts == 1 and fake.closed


async def test_usage_is_unknown_when_counting_fails(server: LoopbackServer) -> None:
    server.route("POST", CHAT, llama_cpp_stream())
    server.route("POST", "/extras/tokenize", json_reply(500, {"detail": "nope"}))
    provider = LocalProvider("local", CONFIG)
    provider.server = FakeServer(server.url)
    events = [e async for e in provider.stream(REQUEST)]
    await provider.close()
    assert events[-2:] == [Usage(None, None, source="unknown"), Done("stop")]


async def test_server_that_exits_fails_fast_with_its_log_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "find_gguf", lambda: tmp_path / "model.gguf")

    class Crashing(LocalModelServer):
        def command(self, gguf: Path, port: int) -> list[str]:
            code = "import sys; print('error loading model: bad magic'); sys.exit(3)"
            return [sys.executable, "-c", code]

    srv = Crashing(log_path=tmp_path / "logs" / "model.log")
    with pytest.raises(ProviderError) as info:
        await srv.start()
    assert "exited with code 3" in str(info.value) and "bad magic" in str(info.value)
    assert not info.value.retryable and srv.process is None


def test_missing_extra_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "llama_cpp" else real(n, *a)
    )
    with pytest.raises(ProviderError, match=r"needs the 'local' extra: run `make setup`"):
        local.find_gguf()


@pytest.mark.llama
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable in this interpreter: install the 'local' extra"
    " (make setup) to run the real embedded-model test",
)
async def test_real_embedded_model_streams_and_counts(tmp_path: Path) -> None:
    provider = LocalProvider("local", CONFIG, log_path=tmp_path / "model.log")
    assert await provider.check() == []
    try:
        events = [e async for e in provider.stream(REQUEST)]
        process = provider.server.process
        assert process is not None and process.poll() is None
    finally:
        await provider.close()
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip()
    usage = [e for e in events if isinstance(e, Usage)]
    assert len(usage) == 1 and usage[0].source == "counted"
    assert usage[0].input_tokens is not None and usage[0].input_tokens > 0
    assert usage[0].output_tokens is not None and usage[0].output_tokens > 0
    assert isinstance(events[-1], Done)
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
