"""Arbitration and fallback: who settles what the vote could not.

Ties and low margins go to an expert arbiter model (picked per tag or role, see
:class:`ArbiterConfig`) over the contested candidates only, anonymised like any ballot; when
there is none, or it fails, they wait for the human (a :class:`NeedsHuman` the orchestrator
maps to ``needs_vote``) if the config allows, else the fallback decides. The fallback also
takes over when voting fails (no vote counted) or times out: the highest-weight model's
answer, the first finished, or fail.

:func:`resolve_by_human` applies the human's pick to a waiting record.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Awaitable, Callable, Sequence

from swarm_tui.core.consensus.ballot import ParseError, make_ballot, parse_vote
from swarm_tui.core.consensus.config import Fallback
from swarm_tui.core.consensus.record import (
    Answer,
    ArbiterRecord,
    Candidate,
    ConsensusRecord,
    Group,
)

__all__ = ["ARBITER_PREFACE", "ask_arbiter", "fallback_pick", "reply_text", "resolve_by_human"]

ARBITER_PREFACE = (
    "You are the expert arbiter. Other judges could not agree between the candidate answers"
    " below; your choice is final."
)


def reply_text(reply: object) -> tuple[str, float]:
    """A ``vote`` callable's reply as (text, cost): a plain string costs nothing known."""
    if isinstance(reply, Answer):
        return reply.text, reply.cost
    if isinstance(reply, str):
        return reply, 0.0
    raise TypeError(f"a vote callable must return str or Answer, not {type(reply).__name__}")


async def ask_arbiter(
    model: str,
    task: str,
    contested: Sequence[Group],
    vote: Callable[..., Awaitable[str | Answer]],
    rng: random.Random,
    *,
    seconds: float,
    hide: Sequence[str] = (),
    max_chars: int = 6000,
) -> ArbiterRecord:
    ballot = make_ballot(
        task,
        [(g.label, g.text) for g in contested],
        rng,
        hide=hide,
        max_chars=max_chars,
        preface=ARBITER_PREFACE,
    )
    try:
        async with asyncio.timeout(seconds):
            raw, cost = reply_text(await vote(model, ballot.messages))
    except TimeoutError:
        return ArbiterRecord(model, ballot.order, error=f"timed out after {seconds:g}s")
    except Exception as exc:
        return ArbiterRecord(model, ballot.order, error=f"failed: {exc}")
    try:
        picked = ballot.to_groups(parse_vote(raw, ballot.letters))
    except ParseError as exc:
        return ArbiterRecord(model, ballot.order, raw=raw, error=str(exc), cost=cost)
    return ArbiterRecord(model, ballot.order, picked.choice, picked.rationale, raw, cost=cost)


def fallback_pick(
    policy: Fallback,
    candidates: Sequence[Candidate],
    among: Sequence[str],
    weight: Callable[[str], float],
) -> tuple[str | None, str]:
    """The group label the fallback picks among the groups ``among`` (all answering
    candidates when empty), and why; None when the policy is ``fail``."""
    pool = [c for c in candidates if c.ok and c.group is not None]
    if among:
        pool = [c for c in pool if c.group in among]
    if policy == "fail" or not pool:
        return None, "fallback: fail"
    if policy == "first_finished":
        first = min(pool, key=lambda c: (c.finished if c.finished is not None else 1 << 30, c.id))
        return first.group, f"fallback: first finished ({first.model})"
    best = max(pool, key=lambda c: (weight(c.model), -c.id))
    return best.group, f"fallback: highest weight ({best.model}, {weight(best.model):g})"


def resolve_by_human(record: ConsensusRecord, label: str, note: str = "") -> ConsensusRecord:
    """The human picked group ``label``: the waiting record becomes decided."""
    labels = [g.label for g in record.groups]
    if label not in labels:
        raise ValueError(f"no candidate {label!r} (there are {', '.join(labels)})")
    reason = "the human picked " + label + (f": {note}" if note else "")
    return dataclasses.replace(
        record,
        status="decided",
        decision=record.group(label).text,
        winner=label,
        decided_by="human",
        needs_human=None,
        reason=reason,
    )
