"""The crash campaign in the suite: about 20 SIGKILLs at random moments (streaming, group
commits, tool calls, consensus runs), then the checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import PgServer
from tests.reliability.campaign import run_campaign
from tests.reliability.campaign_pg import HOSTS
from tests.reliability.campaign_pg import run_campaign as run_pg_campaign

pytestmark = pytest.mark.slow


async def test_twenty_random_kills_lose_nothing(tmp_path: Path) -> None:
    figures = await run_campaign(kills=20, seed=20261122, folder=tmp_path, tasks=9)
    print(figures.line())
    assert figures.kills == 20
    assert figures.lost == 0
    assert figures.kills_mid_stream >= 1  # some kills really landed while text was streaming
    assert figures.abandoned_attempts >= figures.kills_mid_stream
    assert figures.tool_calls >= 1  # tooler tasks went through the MCP tool loop


async def test_two_hosts_on_postgresql_killed_at_random_lose_nothing(
    tmp_path: Path, pg_server: PgServer
) -> None:
    """Two workers presenting two hosts on one PostgreSQL ledger, either SIGKILLed at random
    moments: every task ends exactly once, results kept, the other host's attempts recovered
    by their lease (``make crash-campaign-pg KILLS=200`` for the long run)."""
    figures = await run_pg_campaign(kills=8, seed=20261202, folder=tmp_path, server=pg_server,
                                    tasks=9)  # fmt: skip
    print(figures.line())
    assert sum(figures.kills.values()) == 8
    assert figures.lost == 0
    assert all(figures.claimed_by.get(host, 0) > 0 for host in HOSTS)  # both hosts worked
    assert figures.abandoned_attempts >= 1
