"""``swarm-tui goal`` and ``swarm-tui goals``: start a goal and drive it to its end (the
orchestrator runs in this process), approve, resume or cancel one, show its figures."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from swarm_tui.cli.exits import FAILED, NOT_DONE, OK
from swarm_tui.cli.goal_args import GOAL_ACTIONS
from swarm_tui.core.errors import ControlError
from swarm_tui.core.opening import db_path, open_ledger, settings_from_args
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.goals import Goal, GoalState
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.goals.figures import goal_figures
from swarm_tui.goals.plan import Plan
from swarm_tui.runtime import open_orchestrator

__all__ = ["cmd_goal", "cmd_goals", "show_text"]


def _goal_id(words: list[str]) -> int:
    if len(words) != 2 or not words[1].lstrip("#").isdigit():
        raise ControlError(
            f"goal {words[0]}: expected a goal id, e.g. `swarm-tui goal {words[0]} 3`"
            f' (a request starting with "{words[0]}": quote it as one argument)'
        )
    return int(words[1].lstrip("#"))


async def _drive(orch: Orchestrator, engine: GoalEngine, goal: Goal) -> Goal:
    if goal.state.terminal or goal.state.waiting:
        return goal
    runner = asyncio.create_task(orch.run())
    try:
        return await engine.drive(goal.id)
    finally:
        await orch.stop()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


def show_text(fig: dict[str, Any], plan: Plan | None) -> str:
    lines = [f"goal #{fig['id']} {fig['state']}: {fig['request']}"]
    if fig["reason"]:
        lines.append(f"  why: {fig['reason']}")
    if fig["workflow"]:
        lines.append(f"  workflow: {fig['workflow']}")
    score = "-" if fig["score"] is None else f"{fig['score']:g}/10"
    lines.append(
        f"  score {score} (pass mark {fig['pass_mark']}), rounds {fig['rounds']},"
        f" wall {fig['wall_s']:.1f}s, cost ${fig['cost_usd']:.4f},"
        f" tokens {fig['tokens_in']} in / {fig['tokens_out']} out"
    )
    if "saving_usd" in fig:
        lines.append(
            f"  saving against {fig['baseline']}: ${fig['saving_usd']:.4f}"
            f" ({fig['saving_percent']:.1f}%)"
        )
    for ref, m in fig["by_model"].items():
        lines.append(f"  {ref}: {m['tokens_in']} in / {m['tokens_out']} out, ${m['cost_usd']:.4f}")
    if plan is not None:
        lines.append("  plan:")
        for s in plan.steps:
            after = f" after {', '.join(s.depends_on)}" if s.depends_on else ""
            gate = f", reviews {s.reviews}" if s.reviews else ""
            lines.append(f"    {s.name} ({s.role}, {s.mode}{gate}){after}: {s.prompt[:70]}")
    lines.append("  steps:")
    for s in fig["steps"]:
        secs = "-" if s["seconds"] is None else f"{s['seconds']:.1f}s"
        lines.append(
            f"    {s['step']:<16} #{s['task']} {s['state']:<9} {s['role']} on"
            f" {s['model'] or '-'}: {secs}, ${s['cost_usd']:.4f}"
        )
    return "\n".join(lines)


async def _show(args: argparse.Namespace, goal_id: int) -> int:
    settings = settings_from_args(args.config)
    ledger = await open_ledger(settings, db_path(settings, args.db), readonly=True)
    try:
        goal = await ledger.get_goal(goal_id)
        if goal is None:
            raise ControlError(f"no goal #{goal_id}")
        fig = await goal_figures(ledger, settings, goal, time.time())
    finally:
        await ledger.close()
    plan = Plan.model_validate_json(goal.plan) if goal.plan else None
    if args.json:
        print(json.dumps({**fig, "plan": plan.model_dump() if plan else None,
                          "result": goal.result}, indent=2, sort_keys=True))  # fmt: skip
    else:
        print(show_text(fig, plan))
        if goal.result:
            print("\n" + goal.result)
    return OK


def _code(goal: Goal) -> int:
    if goal.state == GoalState.SUCCEEDED:
        return OK
    return FAILED if goal.state.terminal else NOT_DONE


async def cmd_goal(args: argparse.Namespace) -> int:
    words: list[str] = args.words
    action = words[0] if words[0] in GOAL_ACTIONS and len(words) == 2 else None
    if action == "show":
        return await _show(args, _goal_id(words))
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    async with open_orchestrator(settings, path, check=True) as orch:
        engine = GoalEngine(orch)
        if action == "approve":
            goal = await engine.approve(_goal_id(words))
        elif action == "resume":
            goal = await engine.resume(_goal_id(words))
        elif action == "cancel":
            goal = await engine.cancel(_goal_id(words))
        else:
            request = " ".join(words)
            goal = await engine.start(request, workflow=args.workflow, approve=args.approve_plan)
        print(f"goal #{goal.id} {goal.state.value}", flush=True)
        if not args.no_wait:
            goal = await _drive(orch, engine, goal)
        fig = await goal_figures(orch.ledger, settings, goal, time.time())
    plan = Plan.model_validate_json(goal.plan) if goal.plan else None
    if args.json:
        print(json.dumps({**fig, "result": goal.result}, indent=2, sort_keys=True))
    else:
        print(show_text(fig, plan))
        if goal.state == GoalState.AWAITING_APPROVAL:
            print(f"\nthe plan waits for you: swarm-tui goal approve {goal.id}")
        if goal.result:
            print("\n" + goal.result)
    return _code(goal)


async def cmd_goals(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    ledger = await open_ledger(settings, db_path(settings, args.db), readonly=True)
    try:
        goals = await ledger.list_goals()
        figures = [await goal_figures(ledger, settings, g, time.time()) for g in goals]
    finally:
        await ledger.close()
    if args.json:
        print(json.dumps({"goals": figures}, indent=2, sort_keys=True))
        return OK
    if not figures:
        print('no goals yet: swarm-tui goal "what you want done"')
    for f in figures:
        score = "-" if f["score"] is None else f"{f['score']:g}"
        print(f"#{f['id']} {f['state']:<17} score {score:<4} ${f['cost_usd']:.4f}"
              f" {f['wall_s']:.0f}s  {f['request'][:60]}")  # fmt: skip
    return OK
