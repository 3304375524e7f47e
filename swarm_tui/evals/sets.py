"""Eval sets from TOML (``[[case]]`` tables) or JSONL (one case object per line).

```toml
name = "basics"                 # optional; defaults to the file's stem
[[case]]
id = "add-2-3"                  # unique in the set
prompt = "What is 2 + 3? Answer with the number only."
role = "coder"                  # optional; the default agent otherwise
judge = "exact"                 # exact | regex | json_equal | contains | checker | rubric
expected = "5"                  # exact, regex, json_equal, contains
# command = ["python3", "check.py", "{file}"]   # checker (answer on stdin without {file})
# rubric = "Scores 10 for a correct, short answer"   # rubric (a judge model scores 1-10)
# casefold = true               # exact / contains: ignore case (default true)
# timeout_s = 30                # checker: seconds per answer
```

A JSONL line holds the same keys: ``{"id": "add", "prompt": "...", "judge": "exact",
"expected": "5"}``. Every problem is reported with the file, the line and the key.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from swarm_tui.config.toml_lines import decode_error_at, position, table_lines
from swarm_tui.evals.cases import JUDGE_KINDS, EvalCase, EvalSet, EvalSetError, Judge

__all__ = ["load_eval_set", "parse_eval_set"]

_KEYS = {"id", "prompt", "role", "judge", "expected", "command", "rubric", "casefold", "timeout_s"}
_NEEDS_EXPECTED = ("exact", "regex", "json_equal", "contains")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise EvalSetError(f"{where}: {key} is required")
        return ""
    if not isinstance(value, str):
        raise EvalSetError(f"{where}: {key} must be a string, got {value!r}")
    if required and not value.strip():
        raise EvalSetError(f"{where}: {key} must be non-empty text")
    return value


def _judge(entry: dict[str, Any], where: str) -> Judge:
    kind = entry.get("judge")
    if kind not in JUDGE_KINDS:
        raise EvalSetError(f"{where}: judge must be one of {', '.join(JUDGE_KINDS)}, got {kind!r}")
    casefold = entry.get("casefold", True)
    if not isinstance(casefold, bool):
        raise EvalSetError(f"{where}: casefold must be true or false, got {casefold!r}")
    timeout = entry.get("timeout_s", 30.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise EvalSetError(f"{where}: timeout_s must be a positive number, got {timeout!r}")
    expected = entry.get("expected")
    if kind == "json_equal" and expected is not None and not isinstance(expected, str):
        expected = json.dumps(expected)  # a TOML/JSON value stands for itself
    entry = {**entry, "expected": expected}
    if kind in _NEEDS_EXPECTED:
        text = _text(entry, "expected", where, required=True)
        if kind == "regex":
            try:
                re.compile(text)
            except re.error as exc:
                raise EvalSetError(f"{where}: expected: not a valid regex: {exc}") from None
        if kind == "json_equal":
            try:
                json.loads(text)
            except ValueError:
                raise EvalSetError(f"{where}: expected: not valid JSON: {text!r}") from None
        return Judge(kind, expected=text, casefold=casefold)
    if kind == "checker":
        argv = entry.get("command")
        if (
            not isinstance(argv, list)
            or not argv
            or not all(isinstance(a, str) and a for a in argv)
        ):
            raise EvalSetError(
                f"{where}: command must be a non-empty list of strings (an argv, never a shell)"
            )
        return Judge("checker", argv=tuple(argv), timeout_s=float(timeout))
    rubric = _text(entry, "rubric", where, required=True)
    return Judge("rubric", rubric=rubric)


def _case(entry: Any, where: str) -> EvalCase:
    if not isinstance(entry, dict):
        raise EvalSetError(f"{where}: each case must be a table (TOML) or an object (JSONL)")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise EvalSetError(
            f"{where}: unknown key {unknown[0]!r} (expected: {', '.join(sorted(_KEYS))})"
        )
    case_id = entry.get("id")
    if not isinstance(case_id, str) or not _ID.match(case_id):
        raise EvalSetError(
            f"{where}: id must be 1-64 letters, digits or _.:- (starting with a letter or"
            f" digit), got {case_id!r}"
        )
    prompt = _text(entry, "prompt", where, required=True)
    role = _text(entry, "role", where) or None
    return EvalCase(case_id, prompt, _judge(entry, where), role=role, where=where)


def _unique(cases: list[EvalCase]) -> tuple[EvalCase, ...]:
    seen: dict[str, str] = {}
    for case in cases:
        if case.id in seen:
            raise EvalSetError(
                f"{case.where}: id {case.id!r} is used twice (first at {seen[case.id]})"
            )
        seen[case.id] = case.where
    if not cases:
        raise EvalSetError("no cases")
    return tuple(cases)


def _parse_toml(text: str, path: str) -> tuple[str | None, list[EvalCase]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, at_line, at_column = decode_error_at(exc, text)
        raise EvalSetError(
            f"{path}: {position(at_line, at_column)}not valid TOML: {reason}"
        ) from None
    extra = sorted(set(data) - {"case", "name"})
    if extra:
        raise EvalSetError(
            f"{path}: unknown top-level key {extra[0]!r}: cases go in [[case]] tables"
        )
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise EvalSetError(f"{path}: name must be non-empty text, got {name!r}")
    entries = data.get("case", [])
    if not isinstance(entries, list) or not entries:
        raise EvalSetError(f"{path}: no cases: add at least one [[case]] table")
    lines = table_lines(text, ["case"])
    out = []
    for i, entry in enumerate(entries):
        line = f":{lines[i]}" if i < len(lines) else ""
        out.append(_case(entry, f"{path}{line} (case {i + 1})"))
    return name, out


def _parse_jsonl(text: str, path: str) -> list[EvalCase]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise EvalSetError(f"{path}:{number}: not valid JSON: {exc}") from None
        out.append(_case(entry, f"{path}:{number}"))
    if not out:
        raise EvalSetError(f"{path}: no cases: one JSON object per line")
    return out


def parse_eval_set(text: str, path: str) -> EvalSet:
    """The set in ``text`` (TOML, or JSONL when ``path`` ends in ``.jsonl``)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    stem = Path(path).stem
    if path.endswith(".jsonl"):
        name, cases = None, _parse_jsonl(text, path)
    else:
        name, cases = _parse_toml(text, path)
    try:
        unique = _unique(cases)
    except EvalSetError as exc:
        raise EvalSetError(f"{path}: {exc}" if str(exc) == "no cases" else str(exc)) from None
    return EvalSet(name or stem, unique, digest)


def load_eval_set(path: Path) -> EvalSet:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"{path}: no such eval set") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: cannot read: {exc}") from None
    return parse_eval_set(text, str(path))
