"""Polling the voters: one ballot each (shuffled in voter order, so a seeded rng gives the same
ballots whatever the timing), ``concurrency`` voters in flight, each vote counted as it comes,
and no further voter asked once the tally is settled (early stop). A voter that fails, times
out or replies with no readable vote is recorded and not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from swarm_tui.core.consensus.arbitrate import reply_text
from swarm_tui.core.consensus.ballot import Ballot, ParseError, Vote, make_ballot, parse_vote
from swarm_tui.core.consensus.record import Answer, Group, VoteRecord
from swarm_tui.core.consensus.tally import Tally
from swarm_tui.providers.base import ChatMessage

__all__ = ["Poll", "cast_vote", "poll_voters"]

VoteFn = Callable[[str, Sequence[ChatMessage]], Awaitable[str | Answer]]


@dataclass(frozen=True, slots=True)
class Poll:
    votes: tuple[VoteRecord, ...]
    """Every voter asked, in voter order."""
    skipped: tuple[str, ...]
    """Voters never asked: the outcome was settled without them."""
    timed_out: bool


async def cast_vote(
    vote: VoteFn, voter: str, weight: float, ballot: Ballot, seconds: float
) -> VoteRecord:
    try:
        async with asyncio.timeout(seconds):
            raw, cost = reply_text(await vote(voter, ballot.messages))
    except TimeoutError:
        return VoteRecord(voter, weight, ballot.order, error=f"timed out after {seconds:g}s")
    except Exception as exc:
        return VoteRecord(voter, weight, ballot.order, error=f"failed: {exc}")
    try:
        v = ballot.to_groups(parse_vote(raw, ballot.letters))
    except ParseError as exc:
        return VoteRecord(voter, weight, ballot.order, raw=raw, error=str(exc), cost=cost)
    return VoteRecord(voter, weight, ballot.order, v.choice, v.ranking, v.rationale, raw, cost=cost)


async def poll_voters(
    vote: VoteFn,
    voters: Sequence[str],
    weights: Sequence[float],
    task: str,
    groups: Sequence[Group],
    tally: Tally,
    rng: random.Random,
    *,
    concurrency: int,
    per_vote: float,
    overall: float | None,
    hide: Sequence[str] = (),
    max_chars: int = 6000,
) -> Poll:
    shown = [(g.label, g.text) for g in groups]
    ballots = [make_ballot(task, shown, rng, hide=hide, max_chars=max_chars) for _ in voters]
    remaining = sum(weights)
    votes: dict[int, VoteRecord] = {}
    flying: dict[asyncio.Task[VoteRecord], int] = {}
    started = 0
    timed_out = False
    try:
        async with asyncio.timeout(overall):
            while started < len(voters) or flying:
                while started < len(voters) and len(flying) < concurrency:
                    i = started
                    call = cast_vote(vote, voters[i], weights[i], ballots[i], per_vote)
                    flying[asyncio.create_task(call)] = i
                    started += 1
                done, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    i = flying.pop(finished)
                    votes[i] = got = finished.result()
                    remaining -= weights[i]
                    if got.choice is not None:
                        tally.add(Vote(got.choice, got.ranking), weights[i])
                if tally.counted and remaining > 1e-9 and tally.settled(remaining):
                    break
    except TimeoutError:
        timed_out = True
    why = "voting timed out" if timed_out else "not needed: the outcome was settled"
    for pending, i in flying.items():
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending
        votes[i] = VoteRecord(voters[i], weights[i], ballots[i].order, error=why)
    return Poll(tuple(votes[i] for i in sorted(votes)), tuple(voters[started:]), timed_out)
