"""The API over a real socket: a server on a free port, real HTTP requests."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from app import make_server


@pytest.fixture
def base_url() -> Iterator[str]:
    server = make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_items(base_url: str) -> None:
    assert get(f"{base_url}/api/items") == (200, [{"id": 1, "name": "first"},
                                                 {"id": 2, "name": "second"}])


def test_unknown_route_is_404(base_url: str) -> None:
    status, body = get(f"{base_url}/nope")
    assert status == 404 and "no route" in str(body)
