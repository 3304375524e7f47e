"""``swarm-tui eval`` refuses bad input with one clear line and exit 2, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """
[providers.p]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p.models.m]

[agents.worker]
mix = { "p/m" = 1.0 }
"""

GOOD = '[[case]]\nid = "a"\nprompt = "1+1?"\njudge = "exact"\nexpected = "2"\n'
RUBRIC = '[[case]]\nid = "a"\nprompt = "essay"\njudge = "rubric"\nrubric = "good"\n'


@pytest.mark.parametrize(
    ("cases", "against", "extra", "message"),
    [
        (GOOD, "q/m", [], "--against q/m: 'q/m' is not provider/model of a configured provider"),
        (GOOD, "p/x", [], "--against p/x: provider 'p' has no model 'x' (models: m)"),
        (GOOD, "nobody", [], "--against nobody: not a provider/model, a role (worker)"),
        (GOOD, "cascade:p/m", [], "a cascade needs two models or more"),
        (RUBRIC, "p/m", [], "rubric cases need a judge model: --judge provider/model"),
        (GOOD + 'role = "ghost"\n', "p/m", [], "set.toml:1 (case 1): role: unknown role 'ghost'"),
        (GOOD.replace("exact", "exakt"), "p/m", [], "set.toml:1 (case 1): judge must be one of"),
        (GOOD, "p/m", ["--repeat", "0"], "expected 1 or more"),
        (GOOD, "p/m", ["--pairwise", "p/m,worker"], "--pairwise p/m,worker: name two different"),
        (GOOD, "p/m,worker", ["--pairwise", "p/m,worker"], "--pairwise needs a judge model"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, cases: str, against: str, extra: list[str], message: str
) -> None:
    config, cases_file = tmp_path / "config.toml", tmp_path / "set.toml"
    config.write_text(CONFIG)
    cases_file.write_text(cases)
    out = subprocess.run(
        [sys.executable, "-m", "swarm_tui", "--config", str(config), "--db",
         str(tmp_path / "ledger.db"), "eval", str(cases_file), "--against", against, *extra],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "ledger.db").exists()  # refused before the ledger is opened
