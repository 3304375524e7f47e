"""``swarm-tui logs TASK [-f] [--attempt N] [--json]``: what a task's attempt streamed, from
the ledger; ``-f`` follows a live stream (written by whichever process runs the attempt)
until the attempt ends, and waits for a queued task's first attempt.

The text goes to stdout as it came; which attempt it is, and how it ended, to stderr.
``--json``: one object a line, ``{"attempt": N, "text": ...}`` as text comes, then
``{"attempt": N, "state": ..., "error": ...}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator

from swarm_tui.cli.link import SwarmLink, open_link
from swarm_tui.core.task_moves import ControlError
from swarm_tui.domain.models import Attempt, AttemptState

__all__ = ["cmd_logs"]


async def _once() -> AsyncIterator[None]:
    yield


class _Printer:
    """Writes one attempt's output as it grows, with a line on stderr when it starts and ends."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.attempt: int | None = None
        self.printed = 0

    def show(self, a: Attempt) -> None:
        if a.id != self.attempt:
            self.attempt, self.printed = a.id, 0
            if not self.as_json:
                where = f"{a.provider}/{a.model}" if a.provider else a.agent
                _note(f"task #{a.task_id} attempt {a.number} ({a.agent}, {where}): {a.state}")
        text = a.output[self.printed :]
        self.printed = len(a.output)
        if text and self.as_json:
            print(json.dumps({"attempt": a.number, "text": text}), flush=True)
        elif text:
            sys.stdout.write(text)
            sys.stdout.flush()

    def end(self, a: Attempt) -> None:
        if self.as_json:
            line = {"attempt": a.number, "state": a.state.value, "error": a.error}
            print(json.dumps(line), flush=True)
            return
        if self.printed and not a.output.endswith("\n"):
            print(flush=True)
        if a.state != AttemptState.RUNNING:
            _note(f"attempt {a.number} {a.state.value}" + (f": {a.error}" if a.error else ""))


def _note(text: str) -> None:
    print(f"swarm-tui: {text}", file=sys.stderr, flush=True)


def _pick(attempts: list[Attempt], task_id: int, number: int | None) -> Attempt | None:
    if number is None:
        return attempts[-1] if attempts else None
    for a in attempts:
        if a.number == number:
            return a
    raise ControlError(f"task #{task_id} has no attempt {number} (it has {len(attempts)})")


async def cmd_logs(args: argparse.Namespace) -> int:
    async with open_link(args) as (link, _where):
        await _logs(link, args.task, args.attempt, follow=args.follow, as_json=args.json)
    return 0


async def _logs(
    link: SwarmLink, task_id: int, number: int | None, *, follow: bool, as_json: bool
) -> None:
    printer = _Printer(as_json)
    waiting = False
    async for _ in link.changes() if follow else _once():
        task = await link.task(task_id)
        attempt = _pick(await link.attempts(task_id), task_id, number)
        if attempt is None:
            if follow and not task.state.terminal:
                if not waiting:  # queued: its first attempt will come
                    _note(f"task #{task_id} is {task.state.value}; waiting for its first attempt")
                    waiting = True
                continue
            _note(f"task #{task_id} ({task.state.value}) has no attempt yet")
            return
        printer.show(attempt)
        if not follow or attempt.state != AttemptState.RUNNING:
            printer.end(attempt)
            return
