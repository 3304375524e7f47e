"""Judges that are models, made fair: a rubric score (1-10) with its reason, and pairwise
comparisons run in both orders that count a preference only when both orders agree.

The judge never sees which model wrote what: its prompt holds the task, the rubric and the
answers under neutral labels ("Answer 1", "Answer 2"), nothing else. Parsing is plain text
(a judge's reply needs no structured output): ``SCORE: 7`` and ``WINNER: 1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Preference",
    "RubricVerdict",
    "combine_pairwise",
    "pairwise_prompt",
    "parse_pairwise",
    "parse_rubric",
    "rubric_prompt",
]

Preference = Literal["first", "second", "tie"]
"""Which answer a pairwise judge preferred, by its position in the prompt."""

_SCORE = re.compile(r"score\s*[:=]\s*(\d{1,2})(?:\s*/\s*10)?", re.IGNORECASE)
_WINNER = re.compile(r"winner\s*[:=]\s*(1|2|tie)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RubricVerdict:
    score: int
    """1..10."""
    reason: str


def rubric_prompt(task: str, rubric: str, answer: str) -> str:
    return (
        "You are grading an answer to a task. Judge only the answer's content against the"
        " rubric.\n\n"
        f"TASK:\n{task}\n\nRUBRIC:\n{rubric}\n\nANSWER:\n{answer}\n\n"
        "Reply with one line 'SCORE: N' (N from 1, worst, to 10, best), then one line"
        " 'REASON: ...' saying why."
    )


def parse_rubric(reply: str) -> RubricVerdict | None:
    """The score and reason in a judge's reply; None when it gave no score in 1..10."""
    found = _SCORE.search(reply)
    if found is None or not 1 <= int(found.group(1)) <= 10:
        return None
    reason = reply[found.end() :].strip()
    reason = re.sub(r"^(?:reason\s*[:=]\s*)", "", reason, flags=re.IGNORECASE).strip()
    return RubricVerdict(int(found.group(1)), reason or reply.strip())


def pairwise_prompt(task: str, first: str, second: str, rubric: str = "") -> str:
    criteria = f"\nCRITERIA:\n{rubric}\n" if rubric else ""
    return (
        "Two answers to the same task follow. Decide which answer is better.\n\n"
        f"TASK:\n{task}\n{criteria}\nANSWER 1:\n{first}\n\nANSWER 2:\n{second}\n\n"
        "Reply with one line 'WINNER: 1', 'WINNER: 2' or 'WINNER: tie', then one line"
        " 'REASON: ...'."
    )


def parse_pairwise(reply: str) -> Preference | None:
    found = _WINNER.search(reply)
    if found is None:
        return None
    return {"1": "first", "2": "second"}.get(found.group(1).lower(), "tie")  # type: ignore[return-value]


def combine_pairwise(
    a_first: Preference | None, b_first: Preference | None
) -> Literal["a", "b", "tie", "none"]:
    """The verdict on answers A and B from two judgements: ``a_first`` with A in position 1,
    ``b_first`` with B in position 1. A preference counts only when both orders name the
    same answer; a judge that always prefers one position is neutralised (``"none"``).
    ``tie`` when both orders call it a tie."""
    if a_first is None or b_first is None:
        return "none"
    a_says = {"first": "a", "second": "b", "tie": "tie"}[a_first]
    b_says = {"first": "b", "second": "a", "tie": "tie"}[b_first]
    return a_says if a_says == b_says else "none"  # type: ignore[return-value]
