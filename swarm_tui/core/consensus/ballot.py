"""Ballots and votes: anonymised candidates in a per-voter shuffled order, and a tolerant
parser for what the voter replies.

Each voter sees the candidates lettered A, B, C... by position in *its own* shuffled order,
so a letter means nothing across voters and reveals neither a model nor an agent; the
:class:`Ballot` maps the letters back to the run's group labels. Model names the candidates
wrote about themselves are masked (``[model]``) before they go on a ballot.

:func:`parse_vote` reads a reply into a :class:`Vote` or raises :class:`ParseError` (and
nothing else): JSON (bare, fenced, inside prose), ``Ranking: B > A > C``, ``I pick B``,
``Candidate B is best``, or a reply that names exactly one letter.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from swarm_tui.core.consensus.normalize import label
from swarm_tui.providers.base import ChatMessage

__all__ = [
    "JUDGE_SYSTEM",
    "Ballot",
    "ParseError",
    "Vote",
    "find_json_object",
    "make_ballot",
    "parse_vote",
    "redact_names",
]

JUDGE_SYSTEM = (
    "You are an impartial judge. You compare anonymous answers to the same task and pick the"
    " best one: correct first, then complete, then clear. Ignore length and style."
)
_REPLY_FORMAT = (
    "Reply with only this JSON object on one line, nothing else:\n"
    '{{"choice": "<letter>", "ranking": [{letters}], "rationale": "<one line on why>"}}\n'
    '"ranking" lists every candidate letter, best first.'
)
_MAX_PARSE = 20_000
"""Only the head of a reply is parsed (a voter that rambles past this is not a voter)."""


class ParseError(ValueError):
    """A reply that holds no usable vote (or score); the message says why."""


@dataclass(frozen=True, slots=True)
class Vote:
    choice: str
    ranking: tuple[str, ...]
    """Best first; always starts with ``choice``; may leave candidates out."""
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class Ballot:
    order: tuple[str, ...]
    """Group labels in the order shown; ``order[i]`` is shown as ``letters[i]``."""
    letters: tuple[str, ...]
    messages: tuple[ChatMessage, ...]

    def to_groups(self, vote: Vote) -> Vote:
        """The vote in group labels instead of this ballot's letters."""
        table = dict(zip(self.letters, self.order, strict=True))
        return Vote(table[vote.choice], tuple(table[x] for x in vote.ranking), vote.rationale)


def redact_names(text: str, names: Iterable[str]) -> str:
    """Mask model names (whole words, any case) so a ballot cannot name its authors."""
    for name in sorted({n for n in names if len(n) >= 3}, key=len, reverse=True):
        pattern = r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])"
        text = re.sub(pattern, "[model]", text, flags=re.IGNORECASE)
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n… [cut: answer too long]"


def make_ballot(
    task: str,
    candidates: Sequence[tuple[str, str]],
    rng: random.Random,
    *,
    hide: Iterable[str] = (),
    max_chars: int = 6000,
    system: str = JUDGE_SYSTEM,
    preface: str = "",
) -> Ballot:
    """A ballot over ``candidates`` (group label, text) shuffled with ``rng``. ``hide`` names
    (model refs and names) are masked in every text."""
    hidden = list(hide)
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    letters = tuple(label(i) for i in range(len(shuffled)))
    parts = [preface] if preface else []
    parts.append(f"Task:\n{redact_names(task, hidden)}")
    for letter, (_, text) in zip(letters, shuffled, strict=True):
        body = _clip(redact_names(text, hidden), max_chars)
        parts.append(f"Candidate {letter}:\n<<<\n{body}\n>>>")
    shown = ", ".join(f'"{x}"' for x in letters)
    parts.append(_REPLY_FORMAT.format(letters=shown))
    messages = (ChatMessage("system", system), ChatMessage("user", "\n\n".join(parts)))
    return Ballot(tuple(g for g, _ in shuffled), letters, messages)


# ---------------------------------------------------------------- parsing

_FENCED = re.compile(r"```[a-zA-Z]*\s*(.*?)```", re.DOTALL)
_KEYWORD = (
    r"(?i:choice|choose|chose|chosen|pick|picked|select|selected|vote(?:d)?(?:\s+for)?"
    r"|winner|prefer|preferred|best(?:\s+(?:answer|candidate|one|option))?(?:\s+is)?)"
)
_CHOICE = re.compile(
    _KEYWORD + r"\s*(?:is|:|=|-|->)?\s*(?:\*\*)?\s*[\"'(\[]?"
    r"(?:(?i:candidate|option|answer)\s+([A-Za-z]{1,2})|([A-Z]{1,2}))\b"
)
_NAMED = re.compile(r"(?i:candidate|option)\s+([A-Za-z]{1,2})\b")
_RANK_LINE = re.compile(r"(?i:ranking|ranked|rank|order)\s*[:=-]?\s*(.+)")
_CHAIN = re.compile(r"\b[A-Z]{1,2}\b(?:\s*(?:>|->|→|>>)\s*\b[A-Z]{1,2}\b)+")
_TOKEN = re.compile(r"\b([A-Z]{1,2})\b")
_RATIONALE = re.compile(r"(?i:rationale|reason|because|why)\s*[:=-]?\s*(.+)")


def find_json_object(text: str) -> dict[str, object] | None:
    """The first JSON object in ``text`` (fenced blocks first, then anywhere)."""
    decoder = json.JSONDecoder()
    sources = [m.group(1) for m in _FENCED.finditer(text)] + [text]
    for source in sources:
        start = source.find("{")
        tries = 0
        while start != -1 and tries < 20:
            tries += 1
            try:
                value, _ = decoder.raw_decode(source, start)
            except (ValueError, RecursionError):
                value = None
            if isinstance(value, dict):
                return value
            start = source.find("{", start + 1)
    return None


def _as_letter(value: object, valid: set[str]) -> str | None:
    if not isinstance(value, str):
        return None
    s = value.strip().strip("\"'*()[]{}.:,!? ")
    s = re.sub(r"(?i)^(?:candidate|option|answer)\s+", "", s).strip()
    s = s.upper()
    return s if s in valid else None


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _ranking_from(value: object, valid: set[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = re.split(r"\s*(?:>|->|→|,|;|\s)\s*", value)
    if not isinstance(value, list):
        return ()
    value = [x for v in value for x in (v if isinstance(v, list) else [v])]
    return _dedupe(x for x in (_as_letter(v, valid) for v in value) if x is not None)


def _from_json(obj: dict[str, object], valid: set[str]) -> Vote | None:
    fields = {str(k).strip().lower(): v for k, v in obj.items()}

    def first(*names: str) -> object:
        return next((fields[n] for n in names if n in fields), None)

    ranking = _ranking_from(first("ranking", "rank", "order", "ranks"), valid)
    choice = _as_letter(first("choice", "winner", "vote", "pick", "best", "answer"), valid)
    if choice is None and ranking:
        choice = ranking[0]
    if choice is None:
        return None
    why = first("rationale", "reason", "why", "explanation", "justification")
    rationale = why.strip() if isinstance(why, str) else ""
    return Vote(choice, _dedupe((choice, *ranking)), _one_line(rationale))


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _text_ranking(text: str, valid: set[str]) -> tuple[str, ...]:
    for match in _RANK_LINE.finditer(text):
        line = match.group(1).split("\n", 1)[0]
        found = _dedupe(t for t in _TOKEN.findall(line) if t in valid)
        if found:
            return found
    chain = _CHAIN.search(text)
    if chain:
        return _dedupe(t for t in _TOKEN.findall(chain.group(0)) if t in valid)
    return ()


def _text_choice(text: str, valid: set[str]) -> str | None:
    for match in _CHOICE.finditer(text):
        letter = _as_letter(match.group(1) or match.group(2), valid)
        if letter is not None:
            return letter
    named = _dedupe(x for x in (_as_letter(m, valid) for m in _NAMED.findall(text)) if x)
    if len(named) == 1:
        return named[0]
    bare = _dedupe(t for t in _TOKEN.findall(text) if t in valid)
    return bare[0] if len(bare) == 1 else None


def parse_vote(text: str, letters: Sequence[str]) -> Vote:
    """The vote in ``text`` over candidates ``letters``; raises :class:`ParseError` when
    there is none (or it is ambiguous)."""
    valid = set(letters)
    head = text[:_MAX_PARSE].strip()
    if not head:
        raise ParseError("empty reply")
    obj = find_json_object(head)
    if obj is not None:
        vote = _from_json(obj, valid)
        if vote is not None:
            return vote
    ranking = _text_ranking(head, valid)
    choice = _text_choice(head, valid) or (ranking[0] if ranking else None)
    if choice is None:
        shown = head if len(head) <= 60 else head[:60] + "…"
        raise ParseError(
            f"no choice among {', '.join(letters) or 'no candidates'} in the reply: {shown!r}"
        )
    why = _RATIONALE.search(head)
    rationale = why.group(1) if why else head.split("\n", 1)[0]
    return Vote(choice, _dedupe((choice, *ranking)), _one_line(rationale))
