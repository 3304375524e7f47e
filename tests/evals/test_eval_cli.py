"""``swarm-tui eval`` as a real process against a loopback OpenAI-compatible server: killed
with SIGKILL mid-stream and started again, every case x configuration x repeat is measured
exactly once (one result row, one task per stage key); the table, the progress bar and the
SVG plot come out, and the plot's data are the table's."""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.backends import Backend
from tests.e2e.crash import cli, kill_mid_stream
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse

pytestmark = pytest.mark.slow

CASES = 5


def _answer(request: Recorded) -> Reply:
    body = request.json()
    question = str(body["messages"][-1]["content"])  # type: ignore[index]
    n = int(re.findall(r"\d+", question)[0])
    wrong = body["model"] == "small" and n % 2 == 0  # the small model misses even cases
    tokens = [*(f"t{i} " for i in range(8)), str(2 * n + (1 if wrong else 0))]
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]} for t in tokens
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 9}})
    return Reply(pieces=sse(*chunks), drip=0.05)


def _inputs(tmp_path: Path, url: str) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.drip]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 2
[providers.drip.models.small]
input_per_mtok = 0.1
output_per_mtok = 0.2
[providers.drip.models.big]
input_per_mtok = 1.0
output_per_mtok = 4.0

[agents.worker]
mix = {{ "drip/small" = 1.0 }}
max_concurrent = 2
"""
    )
    cases = tmp_path / "sums.jsonl"
    cases.write_text(
        "".join(
            json.dumps(
                {"id": f"c{n}", "prompt": f"What is {n} + {n}?", "judge": "regex",
                 "expected": rf"\b{2 * n}$"}
            ) + "\n"
            for n in range(1, CASES + 1)
        )
    )  # fmt: skip
    return config, cases


async def _eval(config: Path, db: Path, cases: Path, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cli("--config", str(config), "--db", str(db), "eval", str(cases),
             "--against", "drip/small,drip/big", *extra),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_sigkill_mid_eval_then_resume_measures_each_item_once(
    backend: Backend, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.db"
    backend.export(db)
    query = backend.query
    plot = tmp_path / "plot.svg"
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", _answer)
        config, cases = _inputs(tmp_path, server.url)
        proc = await _eval(config, db, cases, "--repeat", "2")
        assert await asyncio.wait_for(kill_mid_stream(proc, db, backend.query), 120)
        before = query(db, "SELECT COUNT(*) FROM eval_results")
        assert before and int(before[0][0]) < CASES * 2 * 2
        proc = await _eval(
            config, db, cases, "--repeat", "2", "--plot", str(plot), "--format", "json",
            "--judge", "drip/big", "--pairwise", "drip/small,drip/big",
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 180)
        assert proc.returncode == 0, err.decode()

    rows = query(db, "SELECT case_id, config, rep, passed FROM eval_results")
    assert len(rows) == CASES * 2 * 2
    assert len({(c, k, r) for c, k, r, _ in rows}) == len(rows)  # each measured once
    keys = query(db, "SELECT key, COUNT(*) FROM tasks WHERE key LIKE 'eval:%' GROUP BY key")
    answers = [k for k, _ in keys if "|" not in str(k)]
    assert len(answers) == CASES * 2 * 2 and all(n == 1 for _, n in keys)
    assert query(db, "SELECT COUNT(*) FROM tasks WHERE state != 'succeeded'") == [(0,)]
    assert "eval [" in err.decode() and f"{CASES * 4}/{CASES * 4}" in err.decode()

    data = json.loads(out)
    table = {c["config"]: c for c in data["configurations"]}
    # The stand-in server answers the judge with a number, never "WINNER: ...": undecided.
    [pair] = data["pairwise"]
    assert (pair["a"], pair["b"], pair["undecided"]) == ("drip/small", "drip/big", CASES * 2)
    assert len(keys) == CASES * 2 * 2 + CASES * 2 * 2  # each case x repeat judged in 2 orders
    small, big = table["drip/small"], table["drip/big"]
    assert small["correct"] == 2 * 3 and small["judged"] == 10  # odd cases 1, 3, 5 right
    assert big["correct"] == 10 and big["accuracy_low"] < 1.0
    assert sorted(small["alone_wrong"]) == ["c2", "c4"]
    assert small["cost_usd"] < big["cost_usd"]

    # The plot shows the table's figures: one point per configuration, both on the front.
    svg = ET.parse(plot).getroot()
    points = {c.get("data-config"): c for c in svg.iter("{http://www.w3.org/2000/svg}circle")}
    assert set(points) == {"drip/small", "drip/big"}
    for name, row in table.items():
        assert float(points[name].get("data-cost") or "nan") == pytest.approx(row["cost_usd"])
        assert float(points[name].get("data-quality") or "nan") == pytest.approx(row["accuracy"])
        assert points[name].get("data-front") == "true"
    assert plot.stat().st_mode & 0o777 == 0o600
