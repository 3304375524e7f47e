"""Orchestration overhead: the same streamed requests direct, through the swarm, through LiteLLM.

A loopback OpenAI-compatible server (bench/sse_server.py, its own process) streams every reply
at a fixed token rate. At each concurrency level, C closed-loop clients send requests back to
back for a measured window, three ways in turn:

* ``direct``: httpx (one AsyncClient, ``client.stream``), SSE lines parsed, JSON decoded;
* ``swarm``: each request is a task submitted through ``Orchestrator.submit`` to an orchestrator
  built as swarm_tui/runtime.py builds it (Settings with an ``openai`` provider at the loopback
  URL, a real SQLite ledger file with its group commit, the event bus), run with
  ``max_concurrent`` = C. Time is taken on a bus subscriber, as a view sees it: from the submit
  call to the first ``StreamChunk`` (TTFT) and to the task's ``TaskChanged(succeeded)`` (total,
  i.e. the result is in the ledger). The attempt records' own ``ttft_ms``/``duration_ms``
  (timed inside the attempt, after it was claimed) are reported beside them;
* ``litellm``: ``litellm.Router`` with one deployment ``openai/bench`` at the loopback URL,
  ``acompletion(stream=True)``.

Added latency = the mode's percentile minus direct's percentile at the same level and
percentile. Throughput = tokens received inside the window / window, as a ratio to direct.

Run: ``.venv/bin/python bench/overhead.py [--levels 1 8 32 64] [--seconds 10] [--quick]``.
Only 127.0.0.1 is contacted (LiteLLM's cost map is the local copy; proxies point nowhere).
"""

from __future__ import annotations

import os

# Before LiteLLM is imported: its local model cost map (no download), and any stray HTTP(S)
# request from it goes to a dead local port instead of the internet. Loopback stays direct.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["HTTP_PROXY"] = os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from common import fmt_ms, machine, machine_lines, pct, write_section

from swarm_tui.config import (
    AgentConfig,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.domain.events import StreamChunk, TaskChanged
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.runtime import open_orchestrator

HERE = Path(__file__).resolve().parent
SYSTEM = "You are a helpful, concise assistant."
PROMPT = "Summarise the benchmark in one line."
MODES = ("direct", "swarm", "litellm")
TARGET_LEVEL = 64
TARGET_ADDED_P99_MS = 2.0
TARGET_VS_LITELLM = 5.0
TARGET_THROUGHPUT = 0.97


# ---------------------------------------------------------------------- the loopback server
class LoopbackProcess:
    def __init__(self, tokens: int, interval_ms: float, prefill_ms: float) -> None:
        self.args = [
            sys.executable, str(HERE / "sse_server.py"), "--tokens", str(tokens),
            "--interval-ms", str(interval_ms), "--prefill-ms", str(prefill_ms),
        ]  # fmt: skip
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> LoopbackProcess:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"loopback server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/v1"
        return self

    def cpu(self) -> float:
        assert self.proc is not None
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------- measuring
@dataclass
class Cell:
    mode: str
    level: int
    ttft: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    tokens_in_window: int = 0
    window: float = 0.0
    errors: int = 0
    attempt_ttft: list[float] = field(default_factory=list)
    attempt_total: list[float] = field(default_factory=list)
    cpu: float = 0.0
    server_cpu: float = 0.0
    commits: int = 0
    ticks: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.tokens_in_window / self.window if self.window else 0.0


@dataclass
class Window:
    """The measured window: requests started inside it are recorded, tokens inside counted."""

    start: float = float("inf")
    stop: float = float("inf")
    wall_start: float = 0.0
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def open(self, seconds: float) -> None:
        self.opened.set()
        self.wall_start = time.time()
        self.start = time.perf_counter()
        self.stop = self.start + seconds

    def inside(self, t: float) -> bool:
        return self.start <= t < self.stop


OneRequest = Callable[[Cell, Window], Awaitable[None]]


async def closed_loop(
    cell: Cell, one: OneRequest, seconds: float, warmup: float, window: Window | None = None
) -> None:
    """C clients, each sending requests back to back: a warm-up, then the measured window."""
    window = window or Window()

    async def client() -> None:
        while time.perf_counter() < window.stop:
            try:
                await one(cell, window)
            except Exception as exc:
                cell.errors += 1
                if cell.errors <= 3:
                    print(f"  {cell.mode}: {type(exc).__name__}: {exc}", file=sys.stderr)
                await asyncio.sleep(0.05)

    clients = [asyncio.create_task(client()) for _ in range(cell.level)]
    await asyncio.sleep(warmup)
    gc.collect()
    cpu0 = time.process_time()
    window.open(seconds)
    await asyncio.sleep(seconds)
    cell.cpu = time.process_time() - cpu0
    cell.window = seconds
    await asyncio.gather(*clients)


def request_body(tokens: int) -> dict[str, Any]:
    return {
        "model": "bench",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": tokens,
    }


async def run_direct(url: str, cell: Cell, tokens: int, seconds: float, warmup: float) -> None:
    body = json.dumps(request_body(tokens)).encode()
    headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, pool=None)) as client:

        async def one(cell: Cell, window: Window) -> None:
            t0 = time.perf_counter()
            first: float | None = None
            async with client.stream(
                "POST", f"{url}/chat/completions", content=body, headers=headers
            ) as response:
                response.raise_for_status()
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    for choice in chunk.get("choices") or ():
                        if choice.get("delta", {}).get("content"):
                            now = time.perf_counter()
                            if first is None:
                                first = now
                            if window.inside(now):
                                cell.tokens_in_window += 1
            end = time.perf_counter()
            if window.inside(t0) and first is not None:
                cell.ttft.append(first - t0)
                cell.total.append(end - t0)

        await closed_loop(cell, one, seconds, warmup)


def swarm_settings(url: str, level: int, tokens: int, db: Path) -> Settings:
    return Settings(
        providers={
            "loop": ProviderConfig(
                kind="openai",
                base_url=url,
                max_concurrent=level,
                models={"bench": ModelConfig(max_tokens=tokens)},
            )
        },
        agents={
            "worker": AgentConfig(
                system_prompt=SYSTEM, mix={"loop/bench": 1.0}, max_concurrent=level
            )
        },
        orchestrator=OrchestratorConfig(max_concurrent=level),
        storage={"path": str(db)},  # type: ignore[arg-type]
    )


@dataclass
class Seen:
    first: float | None = None
    done: asyncio.Future[float] | None = None


async def run_swarm(
    url: str, cell: Cell, tokens: int, seconds: float, warmup: float, tmp: Path
) -> None:
    db = tmp / f"overhead-{cell.level}.db"
    settings = swarm_settings(url, cell.level, tokens, db)
    async with open_orchestrator(settings, db) as orch:
        seen: dict[int, Seen] = {}
        window = Window()
        sub = orch.bus.subscribe(maxsize=100_000)
        loop = asyncio.get_running_loop()

        def entry(task_id: int) -> Seen:
            item = seen.get(task_id)
            if item is None:
                item = seen[task_id] = Seen(done=loop.create_future())
            return item

        async def watch() -> None:
            async for event in sub:
                now = time.perf_counter()
                if isinstance(event, StreamChunk):
                    item = entry(event.task_id)
                    if item.first is None:
                        item.first = now
                    if window.inside(now):
                        cell.tokens_in_window += event.tokens
                elif isinstance(event, TaskChanged) and event.state.terminal:
                    done = entry(event.task_id).done
                    assert done is not None
                    if not done.done():
                        if event.state == TaskState.SUCCEEDED:
                            done.set_result(now)
                        else:
                            done.set_exception(RuntimeError(f"task ended {event.state.value}"))

        async def one(cell: Cell, win: Window) -> None:
            t0 = time.perf_counter()
            [(task, _)] = await orch.submit([TaskSpec(PROMPT, title="bench")])
            item = entry(task.id)
            assert item.done is not None
            end = await asyncio.wait_for(item.done, 30)
            if win.inside(t0) and item.first is not None:
                cell.ttft.append(item.first - t0)
                cell.total.append(end - t0)
            del seen[task.id]

        tick = orch.tick

        async def timed_tick() -> int:  # on this instance only: how long a scheduling pass takes
            t = time.perf_counter()
            started = await tick()
            if window.inside(t):
                cell.ticks.append(time.perf_counter() - t)
            return started

        orch.tick = timed_tick  # type: ignore[method-assign]
        commits: list[int] = []

        async def count_commits() -> None:
            await window.opened.wait()
            commits.append(orch.ledger.writer.commits)
            await asyncio.sleep(seconds)
            commits.append(orch.ledger.writer.commits)

        counter = asyncio.create_task(count_commits())
        watcher = asyncio.create_task(watch())
        runner = asyncio.create_task(orch.run())
        try:
            await closed_loop(cell, one, seconds, warmup, window)
            await counter
            cell.commits = commits[1] - commits[0]
        finally:
            sub.close()
            await watcher
            await orch.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
    # The attempt records: timed inside the attempt (after its claim), written to the ledger.
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT ttft_ms, duration_ms FROM attempts WHERE state = 'succeeded'"
            " AND started_at >= ? AND started_at < ? ORDER BY id",
            (window.wall_start, window.wall_start + seconds),
        ).fetchall()
    cell.attempt_ttft = [r[0] / 1000 for r in rows if r[0] is not None]
    cell.attempt_total = [r[1] / 1000 for r in rows if r[1] is not None]


async def run_litellm(url: str, cell: Cell, tokens: int, seconds: float, warmup: float) -> None:
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    # LiteLLM logs every request at INFO by default; a deployment would not, and the log
    # lines' cost is not what is being compared.
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    router = litellm.Router(
        model_list=[
            {
                "model_name": "bench",
                "litellm_params": {"model": "openai/bench", "api_base": url, "api_key": "sk-x"},
            }
        ]
    )
    messages = request_body(tokens)["messages"]

    async def one(cell: Cell, window: Window) -> None:
        t0 = time.perf_counter()
        first: float | None = None
        response = await router.acompletion(
            model="bench",
            messages=messages,
            stream=True,
            max_tokens=tokens,
            stream_options={"include_usage": True},
        )
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                now = time.perf_counter()
                if first is None:
                    first = now
                if window.inside(now):
                    cell.tokens_in_window += 1
        end = time.perf_counter()
        if window.inside(t0) and first is not None:
            cell.ttft.append(first - t0)
            cell.total.append(end - t0)

    await closed_loop(cell, one, seconds, warmup)


# ---------------------------------------------------------------------- reporting
def figures(cells: dict[tuple[str, int], Cell], levels: list[int]) -> list[str]:
    rows = [
        "| streams | path | n | TTFT p50 / p99 ms | total p50 / p99 ms | added TTFT p50 / p99 ms"
        " | added total p50 / p99 ms | tokens/s | throughput vs direct | CPU % of a core,"
        " client / server | errors |",
        "|" + "---|" * 11,
    ]
    for level in levels:
        base = cells.get(("direct", level))
        for mode in MODES:
            c = cells.get((mode, level))
            if c is None:
                continue
            added = "-"
            added_total = "-"
            ratio = "-"
            if base is not None and mode != "direct":
                added = (
                    f"{fmt_ms(pct(c.ttft, 50) - pct(base.ttft, 50))} / "
                    f"{fmt_ms(pct(c.ttft, 99) - pct(base.ttft, 99))}"
                )
                added_total = (
                    f"{fmt_ms(pct(c.total, 50) - pct(base.total, 50))} / "
                    f"{fmt_ms(pct(c.total, 99) - pct(base.total, 99))}"
                )
                ratio = f"{c.throughput / base.throughput:.1%}" if base.throughput else "n/a"
            rows.append(
                f"| {level} | {mode} | {len(c.total)} "
                f"| {fmt_ms(pct(c.ttft, 50))} / {fmt_ms(pct(c.ttft, 99))} "
                f"| {fmt_ms(pct(c.total, 50))} / {fmt_ms(pct(c.total, 99))} "
                f"| {added} | {added_total} | {c.throughput:,.0f} | {ratio} "
                f"| {100 * c.cpu / c.window if c.window else 0:.0f}% / "
                f"{100 * c.server_cpu / c.window if c.window else 0:.0f}% | {c.errors} |"
            )
    return rows


def attempt_table(cells: dict[tuple[str, int], Cell], levels: list[int]) -> list[str]:
    rows = [
        "| streams | n | attempt TTFT p50 / p99 ms | attempt total p50 / p99 ms"
        " | added over direct, TTFT p50 / p99 ms | added over direct, total p50 / p99 ms"
        " | ledger commits/s | scheduling pass (tick) p50 / max ms |",
        "|" + "---|" * 8,
    ]
    for level in levels:
        c, base = cells.get(("swarm", level)), cells.get(("direct", level))
        if c is None or base is None:
            continue
        rows.append(
            f"| {level} | {len(c.attempt_total)} "
            f"| {fmt_ms(pct(c.attempt_ttft, 50))} / {fmt_ms(pct(c.attempt_ttft, 99))} "
            f"| {fmt_ms(pct(c.attempt_total, 50))} / {fmt_ms(pct(c.attempt_total, 99))} "
            f"| {fmt_ms(pct(c.attempt_ttft, 50) - pct(base.ttft, 50))} / "
            f"{fmt_ms(pct(c.attempt_ttft, 99) - pct(base.ttft, 99))} "
            f"| {fmt_ms(pct(c.attempt_total, 50) - pct(base.total, 50))} / "
            f"{fmt_ms(pct(c.attempt_total, 99) - pct(base.total, 99))} "
            f"| {c.commits / c.window if c.window else 0:,.0f} "
            f"| {fmt_ms(pct(c.ticks, 50))} / {fmt_ms(pct(c.ticks, 100))} |"
        )
    return rows


def verdict(cells: dict[tuple[str, int], Cell]) -> list[str]:
    level = TARGET_LEVEL
    base, swarm, lite = (cells.get((m, level)) for m in MODES)
    if base is None or swarm is None:
        return [f"(no direct and swarm run at {level} streams: targets not checked)"]
    out = []

    def line(name: str, value: float, target: float, unit: str, below: bool) -> None:
        ok = value < target if below else value >= target
        sign = "<" if below else "≥"
        head = f"- {name}: {value:.2f}{unit}; target {sign} {target:g}{unit}:"
        gap = abs(value - target)
        out.append(f"{head} met" if ok else f"{head} **not met** (gap {gap:.2f}{unit})")

    for kind, values, ref in (("TTFT", swarm.ttft, base.ttft), ("total", swarm.total, base.total)):
        added = pct(values, 99) - pct(ref, 99)
        line(f"swarm added {kind} p99 at {level} streams", added, TARGET_ADDED_P99_MS, " ms", True)
        if lite is not None:
            lite_added = pct(lite.ttft if kind == "TTFT" else lite.total, 99) - pct(ref, 99)
            ratio = lite_added / added if added > 0 else float("inf")
            line(
                f"LiteLLM added {kind} p99 / swarm added {kind} p99 at {level} streams"
                f" (LiteLLM {lite_added:.2f} ms)",
                ratio, TARGET_VS_LITELLM, "x", False,
            )  # fmt: skip
    if base.throughput:
        line(
            f"swarm throughput / direct at {level} streams",
            swarm.throughput / base.throughput, TARGET_THROUGHPUT, "", False,
        )  # fmt: skip
    return out


def report(
    cells: dict[tuple[str, int], Cell], levels: list[int], info: dict[str, str], args: Any
) -> str:
    rate = 1000 / args.interval_ms
    lines = [
        "## Orchestration overhead: direct vs swarm vs LiteLLM Router",
        "",
        f"Written by `bench/overhead.py`. Loopback server (own process): {args.tokens} tokens"
        f" per reply at {rate:g} tokens/s per stream after {args.prefill_ms:g} ms to the first"
        f" token. Per level and path: {args.warmup:g} s warm-up, then {args.seconds:g} s"
        " measured with that many closed-loop clients. Added = the path's percentile minus"
        " direct's. Ledger: a real SQLite file (WAL, synchronous=FULL) in the temp dir.",
        "",
        *machine_lines(info),
        "### Figures (end to end)",
        "",
        "Swarm: submit call → first `StreamChunk` on the bus (TTFT) and → `TaskChanged"
        "(succeeded)` (total: the result is durable in the ledger).",
        "",
        *figures(cells, levels),
        "",
        "### Swarm: the attempt records (timed inside the attempt, after its claim)",
        "",
        *attempt_table(cells, levels),
        "",
        f"### Targets (issue: at {TARGET_LEVEL} concurrent streams)",
        "",
        *verdict(cells),
        "",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> dict[tuple[str, int], Cell]:
    cells: dict[tuple[str, int], Cell] = {}
    with (
        LoopbackProcess(args.tokens, args.interval_ms, args.prefill_ms) as server,
        tempfile.TemporaryDirectory(prefix="swarm-overhead-", dir=args.tmp) as tmp,
    ):
        for level in args.levels:
            for mode in args.modes:
                print(f"… {level} streams, {mode}", file=sys.stderr, flush=True)
                cell = Cell(mode, level)
                server_cpu = server.cpu()
                if mode == "direct":
                    await run_direct(server.url, cell, args.tokens, args.seconds, args.warmup)
                elif mode == "swarm":
                    await run_swarm(
                        server.url, cell, args.tokens, args.seconds, args.warmup, Path(tmp)
                    )
                else:
                    await run_litellm(server.url, cell, args.tokens, args.seconds, args.warmup)
                cells[(mode, level)] = cell
                # server CPU over the whole cell (warm-up included), scaled to the window
                spent = server.cpu() - server_cpu
                cell.server_cpu = spent * args.seconds / (args.seconds + args.warmup)
                print(
                    f"  n={len(cell.total)} ttft p50/p99 {pct(cell.ttft, 50):.2f}/"
                    f"{pct(cell.ttft, 99):.2f} ms total p50/p99 {pct(cell.total, 50):.1f}/"
                    f"{pct(cell.total, 99):.1f} ms {cell.throughput:,.0f} tok/s"
                    f" errors {cell.errors}",
                    file=sys.stderr,
                    flush=True,
                )
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds before measuring")
    parser.add_argument("--tokens", type=int, default=32, help="tokens per reply")
    parser.add_argument("--interval-ms", type=float, default=20.0, help="between tokens")
    parser.add_argument("--prefill-ms", type=float, default=20.0, help="until the first token")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the ledger files")
    parser.add_argument("--quick", action="store_true", help="3 s per cell, 0.5 s warm-up")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 3.0, 0.5
    info = machine(("httpx", "litellm", "aiosqlite", "textual"))
    cells = asyncio.run(main_async(args))
    text = report(cells, args.levels, info, args)
    print(text)
    if not args.no_write:
        write_section("overhead", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
