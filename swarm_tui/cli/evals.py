"""``swarm-tui eval SET --against A,B``: run the set on each configuration through the
orchestrator (in this process), with a progress bar on stderr, then print the table (and,
in md, the cost/quality plot); ``--plot FILE.svg`` writes the plot; ``--compare RUN`` shows
another run of the ledger beside this one. Killed and started again, it resumes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.evals.cases import EvalSetError
from swarm_tui.evals.configs import eval_settings, parse_configurations
from swarm_tui.evals.engine import EvalEngine
from swarm_tui.evals.pairwise import PairSummary, compare_pair
from swarm_tui.evals.plot import plot_points, terminal_plot, write_svg
from swarm_tui.evals.sets import load_eval_set
from swarm_tui.evals.table import compare, render, summarise
from swarm_tui.runtime import db_path, open_orchestrator, settings_from_args

__all__ = ["cmd_eval", "progress_bar"]


def _pair(text: str | None, names: list[str], judge: str | None) -> tuple[str, str] | None:
    """``--pairwise A,B``: two of the configurations, compared by ``--judge``."""
    if text is None:
        return None
    pair = [n.strip() for n in text.split(",") if n.strip()]
    if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(names):
        raise EvalSetError(
            f"--pairwise {text}: name two different configurations of --against"
            f" ({', '.join(names)})"
        )
    if judge is None:
        raise EvalSetError("--pairwise needs a judge model: --judge provider/model")
    return pair[0], pair[1]


def progress_bar(measured: int, total: int, width: int = 30) -> str:
    filled = width * measured // total if total else width
    return f"eval [{'#' * filled}{'.' * (width - filled)}] {measured}/{total}"


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, measured: int, total: int) -> None:
        if self.quiet or measured == self.last:
            return
        self.last = measured
        end = "\r" if self.tty and measured < total else "\n"
        print(progress_bar(measured, total), end=end, file=sys.stderr, flush=True)


async def _measure(orch: Orchestrator, work: Coroutine[Any, Any, object]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(orch.run(), name="orchestrator")
    measuring = asyncio.create_task(work, name="eval")
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, measuring, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await orch.stop()
        for job in (runner, measuring, stopper):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            loop.remove_signal_handler(sig)
    if stop.is_set():
        raise KeyboardInterrupt
    for job in (runner, measuring):
        if not job.cancelled() and job.exception() is not None:
            raise job.exception()  # type: ignore[misc]


async def cmd_eval(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    eval_set = load_eval_set(Path(args.file))
    configs = parse_configurations(settings, args.against)
    if args.judge is not None:
        parse_configurations(settings, [args.judge])  # a known provider/model
        if "/" not in args.judge:
            raise EvalSetError(f"--judge {args.judge}: expected provider/model")
    if args.judge is None and any(c.judge.scored for c in eval_set.cases):
        raise EvalSetError(
            f"{eval_set.name}: rubric cases need a judge model: --judge provider/model"
        )
    roles = {c.role or settings.default_agent for c in eval_set.cases}
    for role in roles:
        if role not in settings.agents:
            where = next(c.where for c in eval_set.cases if c.role == role)
            raise EvalSetError(
                f"{where}: role: unknown role {role!r} (agents: {', '.join(settings.agents)})"
            )
    pair = _pair(args.pairwise, [c.name for c in configs], args.judge)
    run_settings = eval_settings(settings, configs, roles, args.judge)
    async with open_orchestrator(run_settings, db_path(settings, args.db), check=True) as orch:
        engine = EvalEngine(
            orch, eval_set, configs, repeat=args.repeat, judge=args.judge, name=args.run,
            progress=_Progress(args.quiet),
        )  # fmt: skip
        run = await engine.open_run()
        pairs: list[PairSummary] = []

        async def work() -> None:
            results = await engine.measure()
            if pair is not None:
                assert args.judge is not None
                pairs.append(
                    await compare_pair(orch, run, eval_set.cases, results, *pair, args.judge)
                )

        await _measure(orch, work())
        results = await engine.results()
        other = None
        if args.compare:
            found = await orch.ledger.eval_run(args.compare)
            if found is None:
                raise EvalSetError(f"--compare {args.compare}: no such eval run in the ledger")
            other = (found.name, summarise(await orch.ledger.eval_results(found.id), found.configs))
    summaries = summarise(results, [c.name for c in configs])
    points = plot_points(summaries)
    if other is not None:
        text = compare([other, (run.name, summaries)], args.format)
    else:
        text = render(summaries, args.format, run.name)
    if pairs and args.format == "json":
        data = json.loads(text)
        data["pairwise"] = [p.to_json() for p in pairs]
        text = json.dumps(data, indent=2)
    print(text)
    if args.format == "md":
        for summary in pairs:
            print("\n" + summary.line())
    if args.format == "md":
        print("\n" + terminal_plot(points))
    if args.plot:
        write_svg(points, Path(args.plot), f"{run.name}: cost against quality")
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0
