"""``swarm-tui doctor`` contacts every HTTP provider for real: one loopback server answering
each API's models list, one refusing the key (401), one port where nothing listens. Each
line names the URL and the answer's status; a request must actually arrive, with the key."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.providers.loopback import LoopbackServer, json_reply

pytestmark = pytest.mark.slow

ANT_KEY = "sk-ant-doctor-0123456789abcdef"
GEM_KEY = "AIzaDoctorKey0123456789abcdefABCDE"
OA_KEY = "sk-doctor-openai-0123456789abcdef"


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _doctor(config: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DOC_ANT_KEY": ANT_KEY,
        "DOC_GEM_KEY": GEM_KEY,
        "DOC_OA_KEY": OA_KEY,
        "XDG_CONFIG_HOME": str(db.parent / "xdg"),
    }
    env.pop("SWARM_TUI_CONFIG", None)
    env.pop("SWARM_TUI_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui", "--config", str(config), "--db", str(db), "doctor"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def _config(tmp_path: Path, anthropic: str, gemini: str, openai: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.claude]
kind = "anthropic"
base_url = "{anthropic}"
api_key_env = "DOC_ANT_KEY"
[providers.claude.models.claude-haiku-4-5]

[providers.gem]
kind = "gemini"
base_url = "{gemini}"
api_key_env = "DOC_GEM_KEY"
[providers.gem.models."gemini-2.5-flash"]

[providers.oa]
kind = "openai"
base_url = "{openai}/v1"
api_key_env = "DOC_OA_KEY"
[providers.oa.models.gpt-4o-mini]

[agents.a]
mix = {{ "claude/claude-haiku-4-5" = 1.0 }}
"""
    )
    return config


async def test_doctor_contacts_each_provider_and_shows_the_answer(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    async with LoopbackServer() as ant, LoopbackServer() as gem:
        models = {
            "data": [{"type": "model", "id": "claude-haiku-4-5-20251001"}],
            "has_more": False,
        }
        ant.route("GET", "/v1/models", json_reply(200, models))
        refused = {"error": {"code": 401, "message": "API key not valid.", "status": "X"}}
        gem.route("GET", "/v1beta/models", json_reply(401, refused))
        ant_url, gem_url = ant.url, gem.url
        config = _config(tmp_path, ant_url, gem_url, dead)
        result = await asyncio.to_thread(_doctor, config, tmp_path / "l.db")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "not created yet" in out and not (tmp_path / "l.db").exists()  # a check writes nothing
    # Anthropic: a request arrived, with the key and the API version; its answer is shown.
    assert [(r.method, r.path) for r in ant.requests] == [("GET", "/v1/models")]
    assert ant.requests[0].headers["x-api-key"] == ANT_KEY
    assert ant.requests[0].headers["anthropic-version"] == "2023-06-01"
    ok = f"[ok] claude (anthropic): GET {ant_url}/v1/models: HTTP 200, 1 models listed"
    assert ok in out, out
    # Gemini: asked with its key, refused: the status and Google's words are in the line.
    assert [(r.method, r.path) for r in gem.requests] == [("GET", "/v1beta/models")]
    assert gem.requests[0].headers["x-goog-api-key"] == GEM_KEY
    bad = f"[!!] gem (gemini): GET {gem_url}/v1beta/models: HTTP 401: API key not valid."
    assert bad in out, out
    assert "[ok] gem (gemini): GET" not in out
    # Nothing listens: said so, never "reachable".
    assert f"[!!] oa (openai): GET {dead}/v1/models: cannot connect" in out, out
    assert "reachable" not in out
    assert "2 problem(s)" in result.stderr
    # No library chatter on stderr, no doubled names, no key anywhere.
    assert "HTTP Request" not in result.stderr and "INFO" not in result.stderr
    for name in ("claude", "gem", "oa"):
        assert f"{name}: {name}:" not in out
    for key in (ANT_KEY, GEM_KEY, OA_KEY):
        assert key not in out + result.stderr
