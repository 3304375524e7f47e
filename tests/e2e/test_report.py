"""A headless run against two priced loopback providers, then ``report --format json``: the
per-model tokens and cost and the savings against the baseline model come out right."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _stream(text: str, prompt: int, completion: int) -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion}},
    ]
    return Reply(pieces=sse(*chunks))


async def _cli(*args: str, db: Path, config: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "swarm_tui", "--config", str(config), "--db", str(db), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": str(db.parent)}, cwd=ROOT,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_headless_run_then_report_shows_models_cost_and_savings(tmp_path: Path) -> None:
    db, config, tasks = tmp_path / "ledger.db", tmp_path / "c.toml", tmp_path / "t.toml"
    async with LoopbackServer() as cheap, LoopbackServer() as local:
        cheap.route("POST", "/v1/chat/completions", _stream("cheap answer", 100, 20))
        local.route("POST", "/v1/chat/completions", _stream("local answer", 100, 20))
        config.write_text(
            f"""
[providers.cheap]
kind = "openai"
base_url = "{cheap.url}/v1"
[providers.cheap.models.small]
input_per_mtok = 1.0
output_per_mtok = 5.0

[providers.local]
kind = "openai"
base_url = "{local.url}/v1"
[providers.local.models.free]

[providers.premium]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.premium.models.big]
input_per_mtok = 3.0
output_per_mtok = 15.0

[agents.worker]
mix = {{ "cheap/small" = 0.5, "local/free" = 0.5 }}
max_concurrent = 2

[budget]
run_usd = 1.0
baseline = "premium/big"

[hardware]
enabled = false
"""
        )
        tasks.write_text("".join(f'[[task]]\nprompt = "job {i}"\n\n' for i in range(4)))
        code, _, err = await _cli(
            "run", "--headless", "--until-idle", "--tasks", str(tasks), db=db, config=config
        )
        assert code == 0, err
    code, out, err = await _cli("report", "--format", "json", db=db, config=config)
    assert code == 0, err
    report = json.loads(out)
    by_model = report["by_model"]
    assert set(by_model) == {"cheap/small", "local/free"}
    for figures in by_model.values():
        assert figures["attempts"] == 2 and figures["success_rate"] == 1.0
        assert (figures["tokens_in"], figures["tokens_out"]) == (200, 40)
    assert by_model["cheap/small"]["cost_usd"] == pytest.approx(2 * (100 * 1 + 20 * 5) / 1e6)
    assert by_model["local/free"]["cost_usd"] == 0.0
    baseline = 4 * (100 * 3 + 20 * 15) / 1e6
    assert report["total"]["baseline_usd"] == pytest.approx(baseline)
    assert report["savings"]["usd"] == pytest.approx(baseline - 2 * 200 / 1e6)
    assert report["savings"]["percent"] == pytest.approx(100 * (1 - 400 / 2400), abs=0.01)
    assert report["by_role"]["worker"]["attempts"] == 4
    code, out, _ = await _cli("report", "--format", "csv", "--since", "24h", db=db, config=config)
    assert code == 0 and out.splitlines()[0].startswith("group,key,attempts")
    code, out, _ = await _cli("report", db=db, config=config)
    assert code == 0 and "Savings against premium/big" in out
    code, _, err = await _cli("report", "--since", "yesterday", db=db, config=config)
    assert code == 2 and "--since 'yesterday'" in err and "Traceback" not in err
