"""The mechanical judges: exact, regex, JSON-equal, contains and a checker command.

Answers are normalised as consensus normalises them (one code fence unwrapped, spaces
collapsed, trailing sentence punctuation dropped), so ``"5."`` equals ``"5"``.
"""

from __future__ import annotations

import re

from swarm_tui.core.consensus.normalize import (
    CheckerConfig,
    NormalizeOptions,
    canonical_json,
    normalize,
    run_checker,
)
from swarm_tui.evals.cases import Judge

__all__ = ["check_answer"]


async def check_answer(judge: Judge, answer: str) -> bool:
    """Whether ``answer`` passes ``judge`` (not for rubric judges: they need a model)."""
    options = NormalizeOptions(casefold=judge.casefold)
    if judge.kind == "exact":
        return normalize(answer, options) == normalize(judge.expected, options)
    if judge.kind == "contains":
        return normalize(judge.expected, options) in normalize(answer, options)
    if judge.kind == "regex":
        return re.search(judge.expected, answer.strip()) is not None
    if judge.kind == "json_equal":
        got = canonical_json(normalize(answer))
        return got is not None and got == canonical_json(judge.expected)
    if judge.kind == "checker":
        return await run_checker(CheckerConfig(judge.argv, judge.timeout_s), answer)
    raise ValueError(f"a {judge.kind} judge needs a judge model")
