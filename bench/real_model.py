"""Real model: the same tasks on the embedded llama.cpp server, direct vs through the swarm.

One ``LocalModelServer`` (swarm_tui/providers/local.py: llama-cpp-python's OpenAI-compatible
server with SmolLM2-135M, on 127.0.0.1) serves both paths, one request at a time:

* ``direct``: httpx streams ``POST /v1/chat/completions`` (the same messages, ``max_tokens``
  and temperature the swarm sends) and counts content deltas (one per token);
* ``swarm``: the task is submitted to an orchestrator with the product's ``local`` provider
  (``LocalProvider``, handed the already started server), a real SQLite ledger and the bus;
  tokens are counted on the bus (``StreamChunk.tokens``), from submit to ``TaskChanged
  (succeeded)`` — this includes the provider's own token counting (``/extras/tokenize``).

Each task runs on both paths; which goes first alternates (llama.cpp reuses the previous
prompt's cached prefix) so that drift and caching hit both alike.
tokens/s = tokens / wall time per path (all tasks), and the ratio swarm / direct.

Run: ``.venv/bin/python bench/real_model.py [--tasks 12] [--max-tokens 96] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import fmt_ms, machine, machine_lines, pct, write_section

from swarm_tui.config import (
    AgentConfig,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.bus import Subscription
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import StreamChunk, TaskChanged
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.local import LocalModelServer, LocalProvider
from swarm_tui.store.ledger import SqliteLedger

SYSTEM = "You are a helpful, concise assistant."
PROMPTS = [
    "Explain what a write-ahead log is.",
    "List three uses of a message queue.",
    "Describe how a circuit breaker protects a service.",
    "Write a haiku about terminals.",
    "What is the difference between a thread and a process?",
    "Give advice for naming variables.",
]


@dataclass
class Path_:
    tokens: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return sum(self.tokens) / sum(self.seconds) if self.seconds else 0.0


def settings(max_tokens: int) -> Settings:
    return Settings(
        providers={
            "local": ProviderConfig(
                kind="local",
                max_concurrent=1,
                models={"smollm2": ModelConfig(max_tokens=max_tokens, context=2048)},
            )
        },
        agents={
            "worker": AgentConfig(system_prompt=SYSTEM, mix={"local/smollm2": 1}, max_concurrent=1)
        },
        orchestrator=OrchestratorConfig(max_concurrent=1),
    )


async def direct(client: httpx.AsyncClient, base: str, prompt: str, max_tokens: int) -> Path_:
    body = {
        "model": "smollm2",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": max_tokens,
    }
    out = Path_()
    t0 = time.perf_counter()
    first = None
    tokens = 0
    async with client.stream("POST", f"{base}/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            for choice in json.loads(data).get("choices") or ():
                if choice.get("delta", {}).get("content"):
                    tokens += 1
                    first = first or time.perf_counter()
    out.tokens.append(tokens)
    out.seconds.append(time.perf_counter() - t0)
    out.ttft.append((first or time.perf_counter()) - t0)
    return out


async def through_swarm(orch: Orchestrator, sub: Subscription, prompt: str, i: int) -> Path_:
    out = Path_()
    t0 = time.perf_counter()
    first = None
    tokens = 0
    await orch.submit([TaskSpec(prompt, title=f"real {i}")])
    done = False
    while not done:
        for event in await sub.get():
            if isinstance(event, StreamChunk) and not event.reasoning:
                tokens += event.tokens
                first = first or time.perf_counter()
            elif isinstance(event, TaskChanged) and event.state.terminal:
                if event.state != TaskState.SUCCEEDED:
                    raise RuntimeError(f"task ended {event.reason}")
                done = True
    out.tokens.append(tokens)
    out.seconds.append(time.perf_counter() - t0)
    out.ttft.append((first or time.perf_counter()) - t0)
    return out


async def main_async(args: argparse.Namespace) -> tuple[Path_, Path_, str]:
    server = LocalModelServer(n_ctx=2048)
    print("… starting the embedded llama.cpp server", file=sys.stderr, flush=True)
    await server.start()
    s = settings(args.max_tokens)
    provider = LocalProvider("local", s.providers["local"])
    provider.server = server  # the one already started: both paths hit the same process
    d, w = Path_(), Path_()
    with tempfile.TemporaryDirectory(prefix="swarm-real-") as tmp:
        ledger = await SqliteLedger.open(Path(tmp) / "real.db")
        orch = Orchestrator(s, ledger, {"local": provider})
        sub = orch.bus.subscribe(maxsize=100_000)
        runner = asyncio.create_task(orch.run())
        try:
            async with httpx.AsyncClient(timeout=120) as client:
                # warm-up: one of each (model load into caches, connection set-up)
                await direct(client, server.base_url, PROMPTS[0], 8)
                for i in range(args.tasks):
                    prompt = PROMPTS[i % len(PROMPTS)]
                    # who goes first alternates: the server caches the last prompt's prefix
                    for path in ("direct", "swarm") if i % 2 == 0 else ("swarm", "direct"):
                        if path == "direct":
                            one = await direct(client, server.base_url, prompt, args.max_tokens)
                        else:
                            one = await through_swarm(orch, sub, prompt, i)
                        target = d if path == "direct" else w
                        target.tokens += one.tokens
                        target.seconds += one.seconds
                        target.ttft += one.ttft
                    print(
                        f"  task {i}: direct {d.tokens[-1]} tok {d.seconds[-1]:.2f} s,"
                        f" swarm {w.tokens[-1]} tok {w.seconds[-1]:.2f} s",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            sub.close()
            await orch.stop()  # closes the provider, which stops the server
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await ledger.close()
            await server.close()
    return d, w, server.log_path.name if server.log_path else ""


def report(d: Path_, w: Path_, info: dict[str, str], args: argparse.Namespace) -> str:
    ratio = w.rate / d.rate if d.rate else float("nan")
    rows = [
        "| path | tasks | tokens | tokens/s | TTFT p50 / max ms | per task p50 / max s |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in (("direct (httpx)", d), ("swarm (orchestrator + local provider)", w)):
        rows.append(
            f"| {name} | {len(p.seconds)} | {sum(p.tokens):,} | {p.rate:.1f} "
            f"| {fmt_ms(pct(p.ttft, 50))} / {fmt_ms(pct(p.ttft, 100))} "
            f"| {pct(p.seconds, 50, 1):.2f} / {pct(p.seconds, 100, 1):.2f} |"
        )
    lines = [
        "## Real model: the embedded llama.cpp server, direct vs through the swarm",
        "",
        "Written by `bench/real_model.py`. SmolLM2-135M (Q4_1) in llama-cpp-python's server"
        f" (`LocalModelServer`, CPU), one request at a time, {args.tasks} tasks per path,"
        f" max_tokens {args.max_tokens}, alternating which path goes first task by task"
        " (the server caches the last prompt). Swarm time runs"
        " from submit to the task's `TaskChanged(succeeded)` (so it includes the ledger writes"
        " and the local provider's token counting through `/extras/tokenize`).",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        *rows,
        "",
        f"- tokens/s ratio, swarm / direct: **{ratio:.1%}**",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=12, help="tasks per path")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--quick", action="store_true", help="4 tasks per path")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.quick:
        args.tasks = 4
    info = machine(("llama_cpp_python", "httpx", "aiosqlite"))
    d, w, _ = asyncio.run(main_async(args))
    text = report(d, w, info, args)
    print(text)
    if not args.no_write:
        write_section("real_model", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
