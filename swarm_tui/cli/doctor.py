"""``swarm-tui doctor``: the config, the ledger, the keys, and every provider checked for real.

Each HTTP provider is asked for its models list with its key (Anthropic ``GET /v1/models``,
Gemini ``GET /v1beta/models``, OpenAI-compatible ``GET /models``, Ollama ``/api/version`` and
``/api/tags``); the line shows the URL and the answer's status, so "ok" means an answer
arrived. Agent CLIs and the embedded model are checked on this machine (binary, workdir,
model file). A ledger that does not exist yet is not created.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from swarm_tui.cli.mcp_inspect import check_mcp_servers
from swarm_tui.core.opening import db_url, ledger_name, open_store
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.http_base import HTTPProvider
from swarm_tui.providers.registry import build_providers
from swarm_tui.runtime import db_path, settings_from_args
from swarm_tui.store.db import LedgerError

__all__ = ["cmd_doctor"]


class _Lines:
    """``[ok]`` / ``[!!]`` lines, counting the problems."""

    def __init__(self) -> None:
        self.problems = 0

    def say(self, ok: bool, text: str) -> None:
        self.problems += 0 if ok else 1
        print(f"[{'ok' if ok else '!!'}] {text}")


async def cmd_doctor(args: argparse.Namespace) -> int:
    """Print one line per check; exit 1 when any found a problem."""
    _quiet_libraries()
    out = _Lines()
    settings = settings_from_args(args.config)
    out.say(True, f"config: {settings.source}")
    path = db_path(settings, args.db)
    name = ledger_name(settings, path)
    if db_url(settings) is None and not path.exists():
        out.say(True, f"ledger: {path} (not created yet: the first submit or run creates it)")
    else:
        try:
            ledger = await open_store(settings, path, readonly=True)  # never migrates nor writes
            try:
                out.say(await ledger.integrity_check() == "ok", f"ledger: {name}")
            finally:
                await ledger.close()
        except LedgerError as exc:
            out.say(False, str(exc))
    keys = [p.api_key_env for p in settings.providers.values() if p.api_key_env]
    redact = Redactor(keys)
    providers = build_providers(settings, log_dir=path.parent, ledger=path)
    try:
        for name, provider in providers.items():
            config = settings.providers[name]
            label = f"{name} ({config.kind})"
            if config.api_key_env and not os.environ.get(config.api_key_env):
                out.say(False, f"{label}: key ${config.api_key_env} NOT set; not contacted")
                continue
            if config.api_key_env:
                out.say(True, f"{label}: key ${config.api_key_env} set")
            if isinstance(provider, HTTPProvider):
                found = await provider.health()
                issues, summary = list(found.problems), found.summary
            else:  # the embedded model and agent CLIs: checked on this machine
                issues = [p.removeprefix(f"{name}: ") for p in await provider.check()]
                summary = "checked on this machine (not a network service)"
            for issue in issues:
                out.say(False, f"{label}: {redact(issue)}")
            if not issues:
                out.say(True, f"{label}: {redact(summary)}; models: {', '.join(config.models)}")
    finally:
        for provider in providers.values():
            await provider.close()
    for ok, text in await check_mcp_servers(settings, path.parent):
        out.say(ok, redact(text))
    print(f"{out.problems} problem(s)", file=sys.stderr if out.problems else sys.stdout)
    return 1 if out.problems else 0


def _quiet_libraries() -> None:
    """Only warnings from libraries (httpx logs every request at INFO) reach stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
