"""Keep secrets out of the ledger, logs and screen: replace known key values with ``***``."""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["Redactor"]


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
