"""Scripted models for consensus tests: answers by model, votes chosen by what a ballot shows.

``Models.answer``/``Models.vote`` are the engine's two callables. A voter's script is a
function of the ballot it sees (``Shown``: letter -> candidate text), so a test can say "vote
for the answer that says Paris" whatever letter the shuffle gave it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from swarm_tui.config import ConsensusSettings
from swarm_tui.core.consensus import Answer, ConsensusConfig
from swarm_tui.providers.base import ChatMessage, ProviderError, Usage

_BLOCK = re.compile(r"Candidate ([A-Z]+):\n<<<\n(.*?)\n>>>", re.DOTALL)

Shown = dict[str, str]
"""What one ballot shows: letter -> candidate text."""
VoteScript = Callable[[Shown], str]
AnswerScript = str | Exception | Callable[[Sequence[ChatMessage]], str]


RUN_KEYS = ("mix", "mode", "record_weight")


def config_of(**given: Any) -> ConsensusConfig:
    """A run's config from keywords: the run's own (``mix``, ``mode``, ``record_weight``) and
    ``[consensus]`` settings (tuples as lists; ``human`` off unless given: these tests let the
    fallback settle what no one else does)."""
    run = {k: given.pop(k) for k in RUN_KEYS if k in given}
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in given.items()}
    return ConsensusConfig(ConsensusSettings.model_validate({"human": False, **values}), **run)


def shown(messages: Sequence[ChatMessage]) -> Shown:
    return dict(_BLOCK.findall(messages[-1].content))


def letter_of(ballot: Shown, fragment: str) -> str:
    return next(letter for letter, text in ballot.items() if fragment in text)


def vote_for(*fragments: str, rationale: str = "it is right") -> VoteScript:
    """Vote (JSON) for the candidate holding ``fragments[0]``, ranking in the order given."""

    def script(ballot: Shown) -> str:
        ranking = [letter_of(ballot, f) for f in fragments if any(f in t for t in ballot.values())]
        rest = [x for x in ballot if x not in ranking]
        return json.dumps({"choice": ranking[0], "ranking": ranking + rest, "rationale": rationale})

    return script


def hang(_ballot: Shown) -> str:
    raise AssertionError("replaced by a hang in Models.vote")


@dataclass
class Models:
    answers: dict[str, AnswerScript] = field(default_factory=dict)
    votes: dict[str, VoteScript | str | Exception] = field(default_factory=dict)
    cost: float = 0.01
    """Every answer costs this much; votes return plain strings (cost unknown)."""
    calls: list[tuple[str, str, tuple[ChatMessage, ...]]] = field(default_factory=list)

    async def answer(self, model: str, messages: Sequence[ChatMessage]) -> Answer:
        self.calls.append(("answer", model, tuple(messages)))
        await asyncio.sleep(0)
        script = self.answers[model]
        if isinstance(script, Exception):
            raise script
        text = script if isinstance(script, str) else script(messages)
        return Answer(text, Usage(10, 5), self.cost)

    async def vote(self, model: str, messages: Sequence[ChatMessage]) -> str:
        self.calls.append(("vote", model, tuple(messages)))
        await asyncio.sleep(0)
        script = self.votes[model]
        if isinstance(script, Exception):
            raise script
        if script is hang:
            await asyncio.Event().wait()
        return script if isinstance(script, str) else script(shown(messages))

    def called(self, kind: str) -> list[str]:
        return [model for k, model, _ in self.calls if k == kind]

    def prompts(self, kind: str) -> list[str]:
        return ["\n".join(m.content for m in msgs) for k, _, msgs in self.calls if k == kind]


FAIL = ProviderError("scripted failure", retryable=False)
