"""Images a tool returned, in each HTTP provider's wire format (recorded by a loopback
stand-in): image blocks in Anthropic's tool_result, Gemini inlineData parts, Ollama
``images``, an OpenAI-compatible user message with data URLs after the tool messages; a
model without ``vision`` reads a note naming each image's type and size instead."""

from __future__ import annotations

import base64

import pytest

from swarm_tui.providers.base import ChatMessage, Done, ImagePart, StreamRequest, ToolCall
from tests.providers.faults import collect
from tests.providers.loopback import LoopbackServer
from tests.providers.wire_kinds import KINDS, Kind

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4).decode()
JPEG = base64.b64encode(b"\xff\xd8\xff" + b"j" * 20_000).decode()


def request(kind: Kind) -> StreamRequest:
    call = ToolCall("c1", "shots__take", {})
    images = (ImagePart("image/png", PNG), ImagePart("image/jpeg", JPEG))
    return StreamRequest(
        model=kind.model,
        messages=(
            ChatMessage("user", "look"),
            ChatMessage("assistant", "", tool_calls=(call,)),
            ChatMessage("tool", "two shots", tool_call_id="c1", tool_name=call.name, images=images),
        ),
        max_tokens=16,
    )


async def send(
    kind: Kind, vision: bool, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, object]:
    server.route("POST", kind.path, kind.text("seen"))
    events = await collect(kind.provider(server.url, vision, monkeypatch), request(kind))
    assert isinstance(events[-1], Done)
    [recorded] = server.requests
    return recorded.json()


@pytest.mark.parametrize("name", sorted(KINDS))
async def test_a_vision_model_gets_the_images_in_its_wire_format(
    name: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = KINDS[name]
    body = await send(kind, True, server, monkeypatch)
    sent = kind.images(body)
    expected_types = [None, None] if name == "ollama" else ["image/png", "image/jpeg"]
    assert sent == list(zip(expected_types, [PNG, JPEG], strict=True))
    [text] = kind.tool_texts(body)
    assert "two shots" in text and "not shown" not in text


@pytest.mark.parametrize("name", sorted(KINDS))
async def test_a_model_without_vision_reads_a_note_naming_each_image(
    name: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = KINDS[name]
    body = await send(kind, False, server, monkeypatch)
    assert kind.images(body) == []
    [text] = kind.tool_texts(body)
    assert "two shots" in text
    assert "[image: image/png, 1032 bytes; not shown" in text
    assert "[image: image/jpeg, 20 KB; not shown" in text
    raw = str(body)
    assert PNG[:40] not in raw and JPEG[:40] not in raw


async def test_openai_puts_the_images_after_every_tool_message_of_the_turn(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tool messages must follow their assistant turn at once: the images come after all."""
    kind = KINDS["openai"]
    calls = (ToolCall("c1", "a", {}), ToolCall("c2", "b", {}))
    messages = (
        ChatMessage("user", "look"),
        ChatMessage("assistant", "", tool_calls=calls),
        ChatMessage(
            "tool", "one", tool_call_id="c1", tool_name="a", images=(ImagePart("image/png", PNG),)
        ),
        ChatMessage("tool", "two", tool_call_id="c2", tool_name="b"),
    )
    server.route("POST", kind.path, kind.text("seen"))
    provider = kind.provider(server.url, True, monkeypatch)
    await collect(provider, StreamRequest(model=kind.model, messages=messages))
    sent = server.requests[0].json()["messages"]
    assert isinstance(sent, list)
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "user"]
    assert sent[2]["content"] == "one" and sent[3]["content"] == "two"
    intro, image = sent[4]["content"]
    assert intro == {"type": "text", "text": "The image a returned (call c1):"}
    assert image == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
