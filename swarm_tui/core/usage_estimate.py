"""Usage of an attempt that ended before its backend's final usage report.

A cut or malformed stream, or an attempt stopped mid-reply, is billed by the backend all the
same. What it reported before the end is kept (Anthropic's ``message_start`` input tokens,
Gemini's per-chunk ``usageMetadata``, OpenAI-compatible servers that report as they go); text
streamed after the last report is estimated at about four characters per token, the prompt
likewise when nothing was reported, and the whole is marked ``estimated`` so reports and
budgets can tell it from a backend's own count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from swarm_tui.providers.base import ChatMessage, Usage

__all__ = ["CHARS_PER_TOKEN", "TurnMeter", "estimate_tokens"]

CHARS_PER_TOKEN = 4.0
"""Characters per token assumed for an estimate (English text on current tokenizers)."""


def estimate_tokens(chars: int) -> int:
    """Tokens in ``chars`` characters of text, rounded up."""
    return math.ceil(chars / CHARS_PER_TOKEN)


@dataclass
class TurnMeter:
    """What one model turn has reported and streamed so far."""

    prompt_chars: int
    reported: Usage | None = None
    unreported_chars: int = 0
    """Characters streamed since the last usage report (all of them if none came)."""

    @classmethod
    def of(cls, messages: tuple[ChatMessage, ...]) -> TurnMeter:
        return cls(sum(len(m.content) for m in messages))

    def streamed(self, text: str) -> None:
        self.unreported_chars += len(text)

    def report(self, usage: Usage) -> None:
        """A usage report (cumulative for the turn): it covers what streamed before it."""
        self.reported = usage
        self.unreported_chars = 0

    def interrupted(self) -> Usage | None:
        """The turn's usage when it ended early: the last report, plus an estimate for text
        streamed after it; None when nothing was reported and nothing streamed."""
        if not self.unreported_chars:
            return self.reported
        more = estimate_tokens(self.unreported_chars)
        last = self.reported
        if last is None or last.source == "unknown":
            return Usage(estimate_tokens(self.prompt_chars), more, source="estimated")
        prompt = last.input_tokens
        return Usage(
            prompt if prompt is not None else estimate_tokens(self.prompt_chars),
            (last.output_tokens or 0) + more,
            last.cached_tokens,
            None,  # a cost the backend reported covers only part of it: priced from the table
            "estimated",
            last.cache_write_tokens,
        )
