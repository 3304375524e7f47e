"""Answers normalised and grouped: which candidates said the same thing.

Normalising (:func:`normalize`): CRLF to LF, an answer that is one fenced code block is
unwrapped, trailing spaces and blank lines dropped, runs of spaces inside a line collapsed
(leading indentation is kept: it is meaning in code), trailing sentence punctuation stripped
(``"42."`` is ``"42"``) unless the policy keeps it, optional case folding.

Grouping (:func:`group_answers`) by one of four methods:

- ``exact``: equal normalised text.
- ``json``: equal canonical JSON (sorted keys, no spaces, ``1.0`` == ``1``); answers that are
  not JSON fall back to their normalised text.
- ``checker``: a configured command runs once per answer (the answer on stdin, or in a temp
  file whose path replaces ``{file}`` in the argv); exit code 0 puts it in the passing group,
  anything else (or a timeout) in a failing group of its own text. An argv, never a shell.
- ``similarity``: word-level :class:`difflib.SequenceMatcher` ratio >= threshold against each
  group's first answer. Chosen over token Jaccard because order carries meaning in code and
  in steps (Jaccard rates ``a - b`` and ``b - a``, or two orderings of the same steps, as
  identical); working on words rather than characters keeps it several times cheaper and
  blind to whitespace; ``autojunk`` is off so long answers are not judged on a sample, and the
  cheap ``real_quick_ratio``/``quick_ratio`` upper bounds skip hopeless pairs.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import os
import re
import string
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CheckerConfig",
    "Grouped",
    "GroupingConfig",
    "NormalizeOptions",
    "canonical_json",
    "group_answers",
    "label",
    "normalize",
    "run_checker",
    "similarity",
    "unfence",
]

Method = Literal["exact", "json", "checker", "similarity"]

_FENCE = re.compile(r"^```[^\n`]*\n(.*?)\n?```$", re.DOTALL)
_SPACES = re.compile(r"(?<=\S)[ \t]+")
_TRAILING_PUNCT = ".!?;,:"


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    strip_fences: bool = True
    trailing_punctuation: Literal["strip", "keep"] = "strip"
    casefold: bool = False


@dataclass(frozen=True, slots=True)
class CheckerConfig:
    argv: tuple[str, ...]
    """The command; an argument ``{file}`` is replaced by a temp file holding the answer,
    otherwise the answer goes to stdin."""
    timeout: float = 30.0
    """Seconds per answer; a check that runs longer is killed and counts as failed."""
    suffix: str = ".txt"
    """Temp file suffix (``.py`` for a checker that imports it)."""


@dataclass(frozen=True, slots=True)
class GroupingConfig:
    method: Method = "exact"
    threshold: float = 0.9
    """``similarity``: the ratio (0..1) at or above which two answers are the same."""
    checker: CheckerConfig | None = None
    normalize: NormalizeOptions = NormalizeOptions()


def unfence(text: str) -> str:
    """Line endings unified, surrounding blank space gone, one enclosing code fence removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    fenced = _FENCE.match(text)
    return fenced.group(1).strip("\n") if fenced else text


def normalize(text: str, options: NormalizeOptions = NormalizeOptions()) -> str:
    if options.strip_fences:
        text = unfence(text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    lines = [_SPACES.sub(" ", line.rstrip()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line.strip()).strip()
    if options.trailing_punctuation == "strip":
        text = text.rstrip(_TRAILING_PUNCT).rstrip()
    if options.casefold:
        text = text.casefold()
    return text


def _canon(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return value


def canonical_json(text: str) -> str | None:
    """The answer as canonical JSON, or None when it is not JSON."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return json.dumps(_canon(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_WORD = re.compile(r"\w+|[^\w\s]")


def similarity(a: str, b: str, floor: float = 0.0) -> float:
    """Word-level SequenceMatcher ratio (0..1); returns early (an upper bound below ``floor``)
    when the cheap bounds already rule the pair out."""
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    if not wa and not wb:
        return 1.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    bound = matcher.real_quick_ratio()
    if bound < floor:
        return bound
    bound = matcher.quick_ratio()
    if bound < floor:
        return bound
    return matcher.ratio()


async def run_checker(checker: CheckerConfig, text: str) -> bool:
    """Whether ``text`` passes the check (exit code 0 within the timeout)."""
    path: str | None = None
    argv = list(checker.argv)
    stdin: bytes | None = text.encode()
    if any("{file}" in arg for arg in argv):
        fd, path = tempfile.mkstemp(prefix="swarm-check-", suffix=checker.suffix)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        argv = [arg.replace("{file}", path) for arg in argv]
        stdin = None
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        if path is not None:
            os.unlink(path)
        return False
    try:
        async with asyncio.timeout(checker.timeout):
            await proc.communicate(stdin)
        return proc.returncode == 0
    except TimeoutError:
        return False
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)


def label(i: int) -> str:
    """The ``i``-th label: A, B, ... Z, AA, AB, ..."""
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else label(i // 26 - 1) + letters[i % 26]


@dataclass(frozen=True, slots=True)
class Grouped:
    """A group before it is recorded: member indexes into the answers given."""

    members: tuple[int, ...]
    passed: bool | None = None


async def group_answers(texts: Sequence[str], config: GroupingConfig) -> list[Grouped]:
    """Group answers (indexes into ``texts``), groups ordered by their first member."""
    norm = [normalize(t, config.normalize) for t in texts]
    if config.method == "checker":
        if config.checker is None:
            raise ValueError("checker grouping needs a checker command")
        checker = config.checker
        results = await asyncio.gather(*(run_checker(checker, unfence(t)) for t in texts))
        passing = tuple(i for i, ok in enumerate(results) if ok)
        groups: list[Grouped] = [Grouped(passing, True)] if passing else []
        failing: dict[str, list[int]] = {}
        for i, ok in enumerate(results):
            if not ok:
                failing.setdefault(norm[i], []).append(i)
        groups.extend(Grouped(tuple(m), False) for m in failing.values())
        return sorted(groups, key=lambda g: g.members[0])
    if config.method == "similarity":
        reps: list[tuple[str, list[int]]] = []
        for i, text in enumerate(norm):
            for rep, members in reps:
                if similarity(rep, text, config.threshold) >= config.threshold:
                    members.append(i)
                    break
            else:
                reps.append((text, [i]))
        return [Grouped(tuple(m)) for _, m in reps]
    keys = norm
    if config.method == "json":
        keys = [canonical_json(unfence(t)) or n for t, n in zip(texts, norm, strict=True)]
    by_key: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        by_key.setdefault(key, []).append(i)
    return [Grouped(tuple(m)) for m in by_key.values()]
