"""Send a notification to the configured apprise URLs, off the event loop, never loudly.

apprise is synchronous (it blocks on HTTP, SMTP...), so every call runs in a thread. A URL
that fails is logged by its place in the config (``[notify] urls[1] (json)``), never by its
text: URLs carry tokens. Those tokens (the values of the ``${VAR}`` references, and every
part of a URL read from ``urls_env``) are also masked in whatever apprise and urllib3 log
while a sender is open.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from swarm_tui.config.notify import REFERENCE, NotifyConfig
from swarm_tui.core.notify.digest import Message
from swarm_tui.domain.redact import Redactor

if TYPE_CHECKING:
    import apprise

__all__ = ["Sender", "Target", "resolve_targets"]

log = logging.getLogger("swarm_tui.notify")

NOISY_LOGGERS = ("apprise", "urllib3.connectionpool", "requests")
"""Loggers that may quote a URL (apprise's debug lines, urllib3's request lines)."""


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    """How logs name it: ``[notify] urls[0] (ntfy)``, never the URL itself."""
    url: str


def resolve_targets(
    config: NotifyConfig, environ: Mapping[str, str]
) -> tuple[list[Target], list[str], Redactor]:
    """The URLs to send to, the problems found (a variable not set), and a redactor that
    masks every secret they carry."""
    targets: list[Target] = []
    problems: list[str] = []
    secrets: list[str] = []
    for i, url in enumerate(config.urls):
        names = REFERENCE.findall(url)
        missing = [n for n in names if not environ.get(n)]
        label = f"[notify] urls[{i}] ({_scheme(url)})"
        if missing:
            problems.append(f"{label} needs ${missing[0]}, which is not set: not notified")
            continue
        secrets += [environ[n] for n in names]
        targets.append(Target(label, REFERENCE.sub(lambda m: environ[m.group(1)], url)))
    raw = environ.get(config.urls_env or "", "")
    for j, url in enumerate(u for u in re.split(r"[\s,]+", raw) if u):
        targets.append(Target(f"${config.urls_env} URL {j + 1} ({_scheme(url)})", url))
        secrets += [url, *_parts(url)]
    redactor = Redactor([f"_{k}" for k in range(len(secrets))], dict(_numbered(secrets)))
    return targets, problems, redactor


def _numbered(values: list[str]) -> list[tuple[str, str]]:
    return [(f"_{k}", v) for k, v in enumerate(values)]


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"


def _parts(url: str) -> list[str]:
    """Every piece of a URL that may be a secret: user, password, host (a bot token in
    ``tgram://TOKEN/CHAT``), path segments and query values."""
    try:
        split = urlsplit(url)
        pieces = [split.username or "", split.password or "", split.hostname or ""]
    except ValueError:
        return []
    pieces += split.path.split("/") + [v for _, v in parse_qsl(split.query)]
    return [p for p in pieces if p]


class _Redacting(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += f": {record.exc_info[1]}"
            record.exc_info = None
        record.msg, record.args, record.exc_text = self.redactor(text), (), None
        return True


class Sender:
    """Sends to every target; ``open`` and ``close`` bracket its use."""

    def __init__(self, config: NotifyConfig, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.targets, self.problems, self.redactor = resolve_targets(config, env)
        self._filter = _Redacting(self.redactor)
        self._clients: list[tuple[Target, apprise.Apprise]] = []
        self.sent = 0
        self.failed = 0

    def __bool__(self) -> bool:
        return bool(self.targets)

    async def open(self) -> None:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)
        for problem in self.problems:
            log.warning(problem)
        if self.targets:
            self._clients = await asyncio.to_thread(self._load)

    def close(self) -> None:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)

    def _load(self) -> list[tuple[Target, apprise.Apprise]]:
        import apprise  # imported when there is something to send: it is not small

        asset = apprise.AppriseAsset(storage_mode="memory")  # no files of apprise's own
        clients = []
        for target in self.targets:
            client = apprise.Apprise(asset=asset)
            if client.add(target.url):
                clients.append((target, client))
            else:
                log.warning("%s is not a URL apprise knows: not notified", target.label)
        return clients

    async def send(self, message: Message) -> int:
        """Send to every target (in a thread); how many took it. Failures are logged."""
        if not self._clients:
            return 0
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: Message) -> int:
        import apprise

        took = 0
        for target, client in self._clients:
            try:
                ok = client.notify(
                    body=message.body, title=message.title, notify_type=apprise.NotifyType.WARNING
                )
            except Exception as exc:  # a notification must never end the run
                log.warning("%s: sending failed: %s", target.label, self.redactor(str(exc)))
                continue
            if ok:
                took += 1
            else:
                log.warning("%s did not take the notification %r", target.label, message.title)
        self.sent += took
        self.failed += len(self._clients) - took
        return took
