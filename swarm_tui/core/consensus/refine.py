"""Refinement rounds: each candidate sees the others' answers (anonymous, shuffled, model
names masked) and may revise its own. The engine runs up to R rounds before the vote and
stops early when the answers converge (agreement) or when a round changes nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from swarm_tui.core.consensus.ballot import redact_names
from swarm_tui.core.consensus.normalize import NormalizeOptions, normalize
from swarm_tui.core.consensus.record import Answer
from swarm_tui.providers.base import ChatMessage

__all__ = ["AnswerFn", "Revision", "changed", "refine_messages", "refine_round"]

_ASK = (
    "Above are other answers to the same task, by other assistants. Check your answer"
    " against them. If one of them is better or shows a mistake in yours, revise yours;"
    " if yours stands, repeat it unchanged. Reply with your complete final answer only,"
    " with no commentary about the other answers."
)


@dataclass(frozen=True, slots=True)
class Revision:
    text: str | None
    """The revised answer; None when the call failed (the previous text stands)."""
    answer: Answer | None
    error: str | None = None


def refine_messages(
    base: Sequence[ChatMessage],
    own: str,
    others: Sequence[str],
    rng: random.Random,
    *,
    hide: Sequence[str] = (),
    max_chars: int = 6000,
) -> tuple[ChatMessage, ...]:
    """The task's own messages, the candidate's answer as its turn, then the others'."""
    shuffled = list(others)
    rng.shuffle(shuffled)
    parts = []
    for i, text in enumerate(shuffled, 1):
        body = redact_names(text, hide)
        body = body if len(body) <= max_chars else body[:max_chars] + "\n… [cut]"
        parts.append(f"Other answer {i}:\n<<<\n{body}\n>>>")
    parts.append(_ASK)
    return (
        *base,
        ChatMessage("assistant", own),
        ChatMessage("user", "\n\n".join(parts)),
    )


AnswerFn = Callable[[str, Sequence[ChatMessage]], Awaitable[Answer]]


async def refine_round(
    base: Sequence[ChatMessage],
    models: Sequence[str],
    texts: Sequence[str],
    answer: AnswerFn,
    rng: random.Random,
    *,
    seconds: float,
    hide: Sequence[str] = (),
    max_chars: int = 6000,
) -> list[Revision]:
    """One round: every candidate ``i`` (``models[i]`` wrote ``texts[i]``) revises at once."""
    requests = [
        refine_messages(
            base,
            texts[i],
            [t for j, t in enumerate(texts) if j != i],
            rng,
            hide=hide,
            max_chars=max_chars,
        )
        for i in range(len(texts))
    ]

    async def revise(model: str, messages: tuple[ChatMessage, ...]) -> Revision:
        try:
            async with asyncio.timeout(seconds):
                got = await answer(model, messages)
        except TimeoutError:
            return Revision(None, None, f"revision timed out after {seconds:g}s")
        except Exception as exc:
            return Revision(None, None, f"revision failed: {exc}")
        if not got.text.strip():
            return Revision(None, got, "empty revision")
        return Revision(got.text, got)

    return list(
        await asyncio.gather(*(revise(m, r) for m, r in zip(models, requests, strict=True)))
    )


def changed(before: str, after: str | None, options: NormalizeOptions) -> bool:
    return after is not None and normalize(before, options) != normalize(after, options)
