"""The crash campaign in the suite: about 20 SIGKILLs at random moments (streaming, group
commits, tool calls, consensus runs), then the checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.campaign import run_campaign

pytestmark = pytest.mark.slow


async def test_twenty_random_kills_lose_nothing(tmp_path: Path) -> None:
    figures = await run_campaign(kills=20, seed=20261122, folder=tmp_path, tasks=9)
    print(figures.line())
    assert figures.kills == 20
    assert figures.lost == 0
    assert figures.kills_mid_stream >= 1  # some kills really landed while text was streaming
    assert figures.abandoned_attempts >= figures.kills_mid_stream
    assert figures.tool_calls >= 1  # tooler tasks went through the MCP tool loop
