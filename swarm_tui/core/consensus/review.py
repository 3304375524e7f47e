"""Review mode: one model answers, the others score the answer 1-10 with a reason.

:func:`parse_score` reads ``{"score": 7, "reason": "..."}`` (bare, fenced or inside prose),
``Score: 7/10``, ``7/10``, ``8 out of 10``, ``Rating: 6``, or a reply that holds exactly one
number from 1 to 10; anything else raises :class:`ParseError`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence

from swarm_tui.core.consensus.arbitrate import reply_text
from swarm_tui.core.consensus.ballot import ParseError, find_json_object, redact_names
from swarm_tui.core.consensus.record import Answer, Review
from swarm_tui.providers.base import ChatMessage

__all__ = ["REVIEW_SYSTEM", "parse_score", "review_messages", "run_reviews"]

REVIEW_SYSTEM = (
    "You are a strict reviewer. You score an answer to a task from 1 (useless or wrong) to 10"
    " (correct, complete and clear) and say why in one line."
)
_ASK = (
    "Reply with only this JSON object on one line, nothing else:\n"
    '{"score": <integer 1-10>, "reason": "<one line on why>"}'
)
_KEYED = re.compile(r"(?i:score|rating|rate|grade)\s*(?:is|of|:|=|-)?\s*\**\s*(\d{1,2})(?!\d)")
_OUT_OF = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:/|out\s+of)\s*10(?!\d)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.]\d)")
_REASON = re.compile(r"(?i:reason|rationale|because|why)\s*[:=-]?\s*(.+)")


def review_messages(
    task: str, answer: str, *, hide: Sequence[str] = (), max_chars: int = 6000
) -> tuple[ChatMessage, ...]:
    body = redact_names(answer, hide)
    body = body if len(body) <= max_chars else body[:max_chars] + "\n… [cut]"
    content = f"Task:\n{redact_names(task, hide)}\n\nAnswer to review:\n<<<\n{body}\n>>>\n\n{_ASK}"
    return (ChatMessage("system", REVIEW_SYSTEM), ChatMessage("user", content))


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _valid(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 1 <= value <= 10:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return _valid(int(value.strip()))
    return None


def parse_score(text: str) -> tuple[int, str]:
    """(score 1-10, one-line reason) from a reviewer's reply; raises :class:`ParseError`."""
    head = text[:20_000].strip()
    if not head:
        raise ParseError("empty reply")
    obj = find_json_object(head)
    if obj is not None:
        fields = {str(k).strip().lower(): v for k, v in obj.items()}
        raw = next((fields[k] for k in ("score", "rating", "grade") if k in fields), None)
        score = _valid(raw)
        if score is not None:
            why = next((fields[k] for k in ("reason", "rationale", "why") if k in fields), "")
            return score, _one_line(why if isinstance(why, str) else str(why))
    score = None
    for pattern in (_KEYED, _OUT_OF):
        match = pattern.search(head)
        if match and (score := _valid(int(match.group(1)))) is not None:
            break
    if score is None:
        rest = _OUT_OF.sub(" ", head)
        numbers = {n for n in (_valid(int(m)) for m in _NUMBER.findall(rest)) if n is not None}
        if len(numbers) != 1:
            shown = head if len(head) <= 60 else head[:60] + "…"
            raise ParseError(f"no score from 1 to 10 in the reply: {shown!r}")
        score = numbers.pop()
    why_match = _REASON.search(head)
    return score, _one_line(why_match.group(1) if why_match else head.split("\n", 1)[0])


async def run_reviews(
    vote: Callable[[str, Sequence[ChatMessage]], Awaitable[str | Answer]],
    reviewers: Sequence[str],
    messages: Sequence[ChatMessage],
    seconds: float,
) -> tuple[Review, ...]:
    """Every reviewer scores at once; failures and unreadable replies are recorded."""

    async def one(reviewer: str) -> Review:
        try:
            async with asyncio.timeout(seconds):
                raw, cost = reply_text(await vote(reviewer, messages))
        except TimeoutError:
            return Review(reviewer, None, error=f"timed out after {seconds:g}s")
        except Exception as exc:
            return Review(reviewer, None, error=f"failed: {exc}")
        try:
            score, reason = parse_score(raw)
        except ParseError as exc:
            return Review(reviewer, None, raw=raw, error=str(exc), cost=cost)
        return Review(reviewer, score, reason, raw, cost=cost)

    return tuple(await asyncio.gather(*(one(r) for r in reviewers)))
