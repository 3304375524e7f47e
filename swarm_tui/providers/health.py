"""What ``doctor`` learns about an HTTP provider by contacting it for real.

One cheap authenticated request per provider (its models list): the line shows the URL and
the answer's status, so "ok" means an answer arrived with the configured key, never merely
that the config parses. Problems are worded without the provider's name (the caller names
it once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.errors import body_message, decode_object, transport_error

__all__ = ["Health", "ModelsListing", "fetch_listing"]


@dataclass(frozen=True, slots=True)
class Health:
    """A provider's check: its problems (none: it answered well) and what was contacted."""

    problems: tuple[str, ...]
    summary: str = ""
    """What was asked and how it answered, e.g. ``GET http://h/v1/models: HTTP 200, ...``."""


@dataclass(frozen=True, slots=True)
class ModelsListing:
    """How one backend lists its models: where, with which headers, and how to read ids."""

    url: str
    headers: dict[str, str]
    ids: Callable[[dict[str, object]], tuple[list[str], bool]]
    """The ids in a 200 answer, and whether the list is complete (no further page)."""
    params: dict[str, str] | None = None


async def fetch_listing(
    name: str,
    client: httpx.AsyncClient,
    listing: ModelsListing,
    configured: list[str],
    redact: Redactor,
    *,
    known: Callable[[str, set[str]], bool] = lambda model, ids: model in ids,
) -> Health:
    """GET the models list; a problem per failure, and per configured model a complete list
    lacks (``known(model, ids)``: whether the list names it, e.g. by an alias)."""
    where = f"GET {listing.url}"
    try:
        response = await client.get(listing.url, headers=listing.headers, params=listing.params)
    except httpx.HTTPError as exc:
        reason = str(transport_error(name, exc, redact)).removeprefix(f"{name}: ")
        return Health((f"{where}: {reason}",))
    status = f"HTTP {response.status_code}"
    if response.status_code != 200:
        message = body_message(response.content) or response.reason_phrase or "no message"
        return Health((redact(f"{where}: {status}: {message}"),))
    try:
        data = decode_object(name, response.text, redact)
    except Exception as exc:  # a 200 that is not a models list: say so, with the status
        return Health((f"{where}: {status} but {str(exc).removeprefix(f'{name}: ')}",))
    ids, complete = listing.ids(data)
    listed = set(ids)
    missing = [m for m in configured if complete and ids and not known(m, listed)]
    problems = tuple(f"model {m!r} is not listed by {listing.url}" for m in missing)
    more = "" if complete else "+"
    return Health(problems, f"{where}: {status}, {len(ids)}{more} models listed")
