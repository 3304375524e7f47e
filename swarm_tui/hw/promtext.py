"""The Prometheus text exposition format (version 0.0.4), read and written.

Read: ``# HELP``/``# TYPE`` lines and other comments, names with or without labels, label
values with ``\\\\``, ``\\"`` and ``\\n`` escapes, a trailing comma in the label set, values
including ``+Inf``/``-Inf``/``NaN`` and Go-style floats, an optional millisecond timestamp,
blank lines and OpenMetrics' ``# EOF``. A malformed line raises :class:`PromTextError` naming
its line, or, with ``strict=False``, is skipped and reported in :attr:`Scrape.errors`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["PromTextError", "Sample", "Scrape", "format_sample", "parse"]

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


class PromTextError(ValueError):
    def __init__(self, line_no: int, problem: str) -> None:
        super().__init__(f"line {line_no}: {problem}")
        self.line_no = line_no


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    timestamp_ms: int | None = None


@dataclass
class Scrape:
    samples: list[Sample] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Sample]:
        return [s for s in self.samples if s.name == name]

    def first(self, name: str, /, **labels: str) -> float | None:
        """The value of the first sample named ``name`` carrying ``labels``."""
        for s in self.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
        return None

    def names(self) -> set[str]:
        return {s.name for s in self.samples}


def parse(text: str, *, strict: bool = True) -> Scrape:
    scrape = Scrape()
    for line_no, raw in enumerate(text.split("\n"), start=1):  # not splitlines: \x1e is data
        line = raw.strip(" \t\r")
        if not line:
            continue
        try:
            if line.startswith("#"):
                _comment(line, scrape)
            else:
                scrape.samples.append(_sample(line, line_no))
        except PromTextError as exc:
            if strict:
                raise
            scrape.errors.append(str(exc))
    return scrape


def _comment(line: str, scrape: Scrape) -> None:
    parts = line[1:].strip().split(None, 2)
    if len(parts) >= 2 and parts[0] == "HELP":
        scrape.help[parts[1]] = _unescape_help(parts[2] if len(parts) > 2 else "")
    elif len(parts) >= 3 and parts[0] == "TYPE":
        scrape.types[parts[1]] = parts[2].strip()


def _unescape_help(text: str) -> str:
    return re.sub(r"\\([\\n])", lambda m: "\n" if m.group(1) == "n" else "\\", text)


def _sample(line: str, line_no: int) -> Sample:
    m = _NAME.match(line)
    if m is None:
        raise PromTextError(line_no, f"expected a metric name, got {line[:40]!r}")
    name, pos = m.group(), m.end()
    labels: dict[str, str] = {}
    if pos < len(line) and line[pos] == "{":
        labels, pos = _labels(line, pos + 1, line_no)
    rest = line[pos:].split()
    if not rest or (pos < len(line) and line[pos] not in " \t"):
        raise PromTextError(line_no, f"{name}: expected a space and a value")
    if len(rest) > 2:
        raise PromTextError(line_no, f"{name}: unexpected {rest[2]!r} after the value")
    value = _float(rest[0], line_no, name)
    stamp = None
    if len(rest) == 2:
        try:
            stamp = int(rest[1])
        except ValueError:
            raise PromTextError(line_no, f"{name}: bad timestamp {rest[1]!r}") from None
    return Sample(name, labels, value, stamp)


def _labels(line: str, pos: int, line_no: int) -> tuple[dict[str, str], int]:
    labels: dict[str, str] = {}
    while True:
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos < len(line) and line[pos] == "}":
            return labels, pos + 1
        m = _LABEL.match(line, pos)
        if m is None:
            raise PromTextError(line_no, f"bad label name at column {pos + 1}")
        key, pos = m.group(), m.end()
        if line[pos : pos + 2] != '="':
            raise PromTextError(line_no, f'label {key}: expected ="')
        value, pos = _quoted(line, pos + 2, line_no, key)
        labels[key] = value
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos < len(line) and line[pos] == ",":
            pos += 1
        elif pos >= len(line) or line[pos] != "}":
            raise PromTextError(line_no, f"label {key}: expected , or }}")


def _quoted(line: str, pos: int, line_no: int, key: str) -> tuple[str, int]:
    out: list[str] = []
    while pos < len(line):
        ch = line[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\\" and pos + 1 < len(line):
            nxt = line[pos + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            pos += 2
            continue
        out.append(ch)
        pos += 1
    raise PromTextError(line_no, f"label {key}: unterminated value")


def _float(text: str, line_no: int, name: str) -> float:
    try:
        return float(text)  # accepts +Inf, -Inf, NaN, 1e+09, and Go's other spellings
    except ValueError:
        raise PromTextError(line_no, f"{name}: bad value {text!r}") from None


# ---------------------------------------------------------------------- writing
def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def format_sample(name: str, value: float, labels: dict[str, str] | None = None) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in (labels or {}).items())
    return f"{name}{{{inner}}} {_value(value)}" if inner else f"{name} {_value(value)}"


def family(
    name: str, kind: str, doc: str, rows: Iterable[tuple[dict[str, str], float | None]]
) -> Iterator[str]:
    """A ``# HELP``/``# TYPE`` header and one line per row with a known value."""
    lines = [format_sample(name, v, labels) for labels, v in rows if v is not None]
    if lines:
        yield f"# HELP {name} {doc}"
        yield f"# TYPE {name} {kind}"
        yield from lines
