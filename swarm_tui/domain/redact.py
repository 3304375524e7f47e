"""Keep secrets out of the ledger, logs and screen: replace known key values with ``***``."""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["Redactor", "StreamRedactor"]


class Redactor:
    """Masks the values of the named environment variables (the configured API keys)."""

    def __init__(self, env_names: Iterable[str], environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        values = {env[name] for name in env_names if env.get(name)}
        # Longest first so a key containing another is masked whole; skip trivially short ones.
        self._secrets = sorted((v for v in values if len(v) >= 6), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
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
