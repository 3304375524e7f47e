"""An eval set's cases and how each answer is judged. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["JUDGE_KINDS", "EvalCase", "EvalSet", "EvalSetError", "Judge", "JudgeKind"]

JudgeKind = Literal["exact", "regex", "json_equal", "contains", "checker", "rubric"]
JUDGE_KINDS: tuple[JudgeKind, ...] = (
    "exact",
    "regex",
    "json_equal",
    "contains",
    "checker",
    "rubric",
)


class EvalSetError(ValueError):
    """An eval set that cannot be used; the message names the file, line and key."""


@dataclass(frozen=True, slots=True)
class Judge:
    kind: JudgeKind
    expected: str = ""
    """exact / regex / json_equal / contains: what the answer must equal, match or hold."""
    argv: tuple[str, ...] = ()
    """checker: the command (the consensus checker's convention: the answer on stdin, or in
    a temp file whose path replaces ``{file}``; exit code 0 passes)."""
    rubric: str = ""
    """rubric: what a judge model scores the answer against (1-10)."""
    casefold: bool = True
    """exact / contains: compare without case."""
    timeout_s: float = 30.0
    """checker: seconds per answer."""

    @property
    def scored(self) -> bool:
        """A score (1-10, by a judge model) rather than right/wrong."""
        return self.kind == "rubric"


@dataclass(frozen=True, slots=True)
class EvalCase:
    id: str
    prompt: str
    judge: Judge
    role: str | None = None
    where: str = ""
    """``file:line`` of the case, for messages."""


@dataclass(frozen=True, slots=True)
class EvalSet:
    name: str
    cases: tuple[EvalCase, ...]
    digest: str
    """sha256 of the file's bytes: a resumed run must be the same set."""
