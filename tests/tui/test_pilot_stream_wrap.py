"""Stream panels wrap what they keep to the width they have: a re-layout (another column,
another terminal size) re-wraps the kept text and never clips it, and text that came while a
panel was out of view is drawn when it is scrolled in. The full-screen view wraps the same
way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from rich.cells import cell_len

from swarm_tui.providers.base import StreamEvent, StreamRequest, TextDelta
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.stream_panel import StreamPanel, WrappedLog
from swarm_tui.tui.widgets.stream_wrap import wrap
from tests.fakes import Script
from tests.tui.conftest import Room, RoomFactory
from tests.tui.room import frozen

LONG = (
    "PostgreSQL treats a bridge table that allows many-to-many links between tasks and tags"
    " as an ordinary table: two foreign keys, one composite primary key, and an index on the"
    " second column for the reverse lookups a bridge needs."
)


def script(_request: object) -> Script:
    return frozen(LONG)  # word by word, then it holds until the attempt is stopped


def squeezed(text: str) -> str:
    """The characters without the white space (a break may stand for a space)."""
    return "".join(text.split())


def check_fits(log: WrappedLog, expected: str) -> None:
    """Every line on show fits the log's width, and together they are the expected text."""
    width = log.scrollable_content_region.width
    assert width > 0
    too_wide = [line for line in log.lines if cell_len(line) > width]
    assert not too_wide, f"lines wider than {width} cells would be clipped: {too_wide}"
    assert squeezed("".join(log.lines)) == squeezed(expected)
    words = " ".join(log.lines).split()
    assert words == expected.split(), "a word was cut across lines"


async def start_streams(room: Room, count: int) -> list[StreamPanel]:
    for provider in room.providers.values():
        provider.script = script
    roles = ["c", "b", "a", "a", "a", "a"][:count]
    tasks = [await room.submit(f"stream {n}", role=role) for n, role in enumerate(roles)]
    streams = room.app.query_one(AgentStreams)

    async def all_streamed() -> bool:
        for task in tasks:
            attempts = await room.orch.attempts(task.id)
            if not attempts or attempts[-1].output != LONG:
                return False
        return len(streams.panels) == count and all(
            p.text() == LONG for p in streams.panels.values()
        )

    await room.wait_for(all_streamed, f"{count} streams to hold after the text")
    return list(streams.panels.values())


async def test_a_re_layout_re_wraps_the_kept_text_and_clips_nothing(
    make_room: RoomFactory,
) -> None:
    async with make_room(size=(120, 40)) as room:
        panels = await start_streams(room, 2)
        for panel in panels:
            await room.wait_for(lambda p=panel: not p.stale, "the panel drawn")  # type: ignore[misc]
            check_fits(panel, LONG)
        for size in [(119, 40), (121, 40), (80, 24), (120, 40)]:
            await room.pilot.resize_terminal(*size)
            await room.settle()
            for panel in panels:
                if panel.in_view:
                    check_fits(panel, LONG)


def test_wrap_moves_whole_words_and_counts_cells() -> None:
    assert wrap("abcdef ghij", "", 4) == (["abcd", "ef"], "ghij")
    assert wrap("the quick brown fox", "", 10) == (["the quick"], "brown fox")
    wide, last = wrap("日本語のテキスト", "", 5)  # two cells each: two fit a line of five
    assert [*wide, last] == ["日本", "語の", "テキ", "スト"]
    assert wrap("a\tb", "", 20) == ([], "a       b")
    assert wrap("cd", "ab", 4) == ([], "abcd")  # a chunk goes on where the last one stopped
    # a word whose first letters came in an earlier chunk moves on whole
    assert wrap("ication", "an appl", 12) == (["an"], "application")
    assert wrap("ication", "日本 appl", 12) == (["日本"], "application")
    assert wrap(" next", "full line!", 10) == (["full line!"], "next")  # the space is the break


def test_a_stream_in_small_chunks_shows_what_the_whole_text_shows() -> None:
    """Chunk by chunk (split anywhere, even inside words) the lines come out as the whole
    text wrapped at once: no word is cut because of where a chunk ended."""
    whole, last = wrap(LONG, "", 23)
    assert all(len(line) <= 23 for line in whole)
    assert set(" ".join([*whole, last]).split()) == set(LONG.split())
    for size in (1, 2, 3, 5, 7):
        lines: list[str] = []
        line = ""
        for start in range(0, len(LONG), size):
            done, line = wrap(LONG[start : start + size], line, 23)
            if done:  # the first completed line replaces the open one on show
                lines.extend(done)
        assert (lines, line) == (whole, last), f"chunks of {size}"


async def test_a_stream_that_ran_out_of_view_is_drawn_when_scrolled_in(
    make_room: RoomFactory,
) -> None:
    go = asyncio.Event()

    async def stream(request: StreamRequest) -> AsyncIterator[StreamEvent]:
        first, rest = LONG.split(" ", 1)
        yield TextDelta(first)
        await go.wait()  # every panel is on the screen (or below it) before the rest comes
        for word in rest.split(" "):
            yield TextDelta(" " + word)
        await asyncio.Event().wait()  # holds until the attempt is stopped

    async with make_room(size=(90, 24)) as room:  # one column: the third panel is below
        for provider in room.providers.values():
            provider.stream = stream  # type: ignore[method-assign]
        for n, role in enumerate(["c", "b", "c"]):
            await room.submit(f"stream {n}", role=role)
        streams = room.app.query_one(AgentStreams)

        def shown() -> bool:
            return len(streams.panels) == 3 and all(
                (p.text() == "PostgreSQL" and not p.stale) or not p.in_view
                for p in streams.panels.values()
            )

        await room.wait_for(shown, "three panels with the first word")
        panels = list(streams.panels.values())
        last = panels[-1]
        assert not last.in_view
        go.set()
        await room.wait_for(lambda: all(p.text() == LONG for p in panels), "the whole text")
        check_fits(panels[0], LONG)
        assert last.stale, "text that came out of view is kept, not drawn"

        streams.focus()
        await room.press("end")  # the streams pane scrolls to its last panel
        await room.wait_for(lambda: last.in_view, "the last panel scrolled into view")
        await room.wait_for(lambda: squeezed("".join(last.lines)) == squeezed(LONG), "drawn")
        check_fits(last, LONG)

        # narrower while it is out of view: scrolled back in, it is re-wrapped, not clipped
        await room.press("home")
        await room.wait_for(lambda: not last.in_view, "the last panel out of view")
        await room.pilot.resize_terminal(80, 24)
        await room.settle()
        await room.press("end")
        await room.wait_for(lambda: last.in_view and not last.stale, "the last panel drawn")
        check_fits(last, LONG)
