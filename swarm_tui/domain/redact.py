"""Keep secrets out of the ledger, logs, screen and error text: one rule set for the swarm.

Every known secret value (the configured API keys: the values of the environment variables
the providers name, or a key handed over directly) is replaced by :data:`MARKER` wherever it
appears, longest first so a key containing another is masked whole. Values shorter than
:data:`MIN_LENGTH` characters are left alone: masking them would mangle ordinary text.
``config.errors`` masks key-shaped text in config messages with the same marker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

__all__ = ["MARKER", "MIN_LENGTH", "Redactor", "StreamRedactor"]

MARKER = "[redacted]"
"""What stands where a secret was."""
MIN_LENGTH = 6
"""The shortest value masked."""


class Redactor:
    """Masks the values of the named environment variables and any ``values`` given."""

    def __init__(
        self,
        env_names: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        *,
        values: Iterable[str | None] = (),
    ) -> None:
        env = os.environ if environ is None else environ
        found = {env[name] for name in env_names if env.get(name)}
        found |= {v for v in values if v}
        self._secrets = sorted((v for v in found if len(v) >= MIN_LENGTH), key=len, reverse=True)

    @classmethod
    def of(cls, *values: str | None) -> Redactor:
        """A redactor for the given secret values (None and empty ones skipped)."""
        return cls(values=values)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MARKER)
        return text

    def stream(self) -> StreamRedactor:
        return StreamRedactor(self)

    @property
    def longest(self) -> int:
        return len(self._secrets[0]) if self._secrets else 0


class StreamRedactor:
    """Masks secrets in streamed text even when one is split across chunks: the last
    ``longest - 1`` characters are held back until more text (or :meth:`flush`) comes."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._hold = max(0, redactor.longest - 1)
        self._buffer = ""

    def feed(self, text: str) -> str:
        if not self._hold:
            return text
        self._buffer = self._redactor(self._buffer + text)
        cut = len(self._buffer) - self._hold
        if cut <= 0:
            return ""
        out, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return out

    def flush(self) -> str:
        out, self._buffer = self._redactor(self._buffer), ""
        return out
