"""A PostgreSQL ledger's address: ``postgresql://user@host:port/db``, its password from an
environment variable (never the file), and the URL as messages show it (no password)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["DEFAULT_PASSWORD_ENV", "PgTarget", "is_pg_url", "redact_url"]

DEFAULT_PASSWORD_ENV = "SWARM_PG_PASSWORD"
_SCHEMES = ("postgresql", "postgres")


def is_pg_url(text: str) -> bool:
    return urlsplit(text).scheme in _SCHEMES


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (and query values, which may hold one)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = re.sub(r"=([^&]*)", "=***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


@dataclass(frozen=True)
class PgTarget:
    """Where the ledger is and how to log in; :attr:`shown` is what messages say."""

    url: str
    password_env: str = DEFAULT_PASSWORD_ENV

    @property
    def shown(self) -> str:
        return redact_url(self.url)

    def password(self) -> str | None:
        """From ``password_env``, else libpq's own ``PGPASSWORD``/``.pgpass`` (None)."""
        return os.environ.get(self.password_env) or None
