from __future__ import annotations

from collections.abc import AsyncIterator

from swarm_tui.providers.sse import SSEEvent, SSEParser, aiter_sse


def feed_all(lines: list[str]) -> list[SSEEvent]:
    parser = SSEParser()
    return [e for line in lines if (e := parser.feed(line)) is not None]


def test_data_events_and_comments() -> None:
    events = feed_all([": OPENROUTER PROCESSING", "", 'data: {"a": 1}', "", "data:[DONE]", ""])
    assert [e.data for e in events] == ['{"a": 1}', "[DONE]"]
    assert events[0].event == "message"


def test_multi_line_data_joins_with_newline_and_keeps_event_name() -> None:
    events = feed_all(["event: content_block_delta", "data: one", "data:  two", "id: 7", ""])
    assert events == [SSEEvent(data="one\n two", event="content_block_delta", id="7")]


def test_event_name_resets_and_crlf_is_stripped() -> None:
    events = feed_all(["event: ping\r", "data: x\r", "\r", "data: y", ""])
    assert [(e.event, e.data) for e in events] == [("ping", "x"), ("message", "y")]


def test_event_without_blank_line_is_pending_not_dispatched() -> None:
    parser = SSEParser()
    assert parser.feed("data: partial") is None
    assert parser.pending


async def test_aiter_sse_drops_an_unterminated_last_event() -> None:
    async def lines() -> AsyncIterator[str]:
        for line in ["data: a", "", "data: cut"]:
            yield line

    assert [e.data async for e in aiter_sse(lines())] == ["a"]
