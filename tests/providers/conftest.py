from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.providers.loopback import LoopbackServer


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with LoopbackServer() as srv:
        yield srv
