"""What one stage of an eval item came to (:class:`Verdict`), and the confidence cascade's
reply: the JSON its stages are asked for and how it is read."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["CASCADE_MIN_SCORE", "CONFIDENCE_SCHEMA", "Verdict", "parse_confident"]

CASCADE_MIN_SCORE = 7
"""A rubric score below this escalates a cascade to its next model."""

CONFIDENCE_SCHEMA: dict[str, object] = {
    "title": "answer_with_confidence",
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["answer", "confidence"],
    "additionalProperties": False,
}
"""What a confidence cascade's stages (all but the last) are asked to reply."""


def parse_confident(reply: str) -> tuple[str, float | None]:
    """The answer and confidence (0..1) in a reply to :data:`CONFIDENCE_SCHEMA`; a reply
    that is not that JSON is the answer itself with no confidence (so it escalates)."""
    try:
        data = json.loads(reply.strip())
    except ValueError:
        return reply, None
    if not isinstance(data, dict) or not isinstance(data.get("answer"), str):
        return reply, None
    confidence = data.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return data["answer"], None
    return data["answer"], float(confidence) if 0 <= confidence <= 1 else None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one stage of an item came to: judged, scored, confident enough or not."""

    passed: bool | None
    score: float | None
    reason: str
    answer: str | None = None
    """The answer judged, when it is not the task's result (a confidence stage's JSON)."""
    confidence: float | None = None
    confident: bool | None = None
    """A confidence stage: whether the model's confidence reached the threshold (it alone
    decides escalation there); None elsewhere."""

    def good(self) -> bool:
        if self.confident is not None:
            return self.confident
        if self.score is not None:
            return self.score >= CASCADE_MIN_SCORE
        return bool(self.passed)
