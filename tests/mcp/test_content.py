"""Every kind of tool content as the model reads it (the kinds server-everything does not
send in tests/mcp/test_everything.py)."""

from __future__ import annotations

import base64

import mcp.types as mt

from swarm_tui.domain.toolnames import offered_names
from swarm_tui.mcp.content import render_for_model, render_result


def result(*items: mt.ContentBlock, structured: dict[str, object] | None = None) -> str:
    return render_result(mt.CallToolResult(content=list(items), structured_content=structured))


def test_binary_content_is_named_with_its_type_and_size() -> None:
    blob = base64.b64encode(b"\0" * 30_000).decode()
    text = result(
        mt.EmbeddedResource(
            type="resource",
            resource=mt.BlobResourceContents(
                uri="file:///a.gz", mime_type="application/gzip", blob=blob
            ),
        ),
        mt.AudioContent(
            type="audio", data=base64.b64encode(b"abc").decode(), mime_type="audio/wav"
        ),
    )
    first, second = text.splitlines()
    assert first.startswith("[resource file:///a.gz: application/gzip, 29 KB;")
    assert second.startswith("[audio: audio/wav, 3 bytes;")


def test_structured_content_keeps_the_links_and_resources_beside_it() -> None:
    link = mt.ResourceLink(type="resource_link", name="report", uri="file:///r.md", size=120)
    text = result(mt.TextContent(type="text", text='{"n": 1}'), link, structured={"n": 1})
    assert text.splitlines() == ['{"n": 1}', "[resource link: report <file:///r.md> (120 bytes)]"]


def test_clashing_names_keep_the_plain_one_and_hash_the_others() -> None:
    names, notes = offered_names("odd", ["get.item", "get_item", "other"])
    assert names["get_item"] == "odd__get_item" and names["other"] == "odd__other"
    assert names["get.item"].startswith("odd__get_item_") and len(set(names.values())) == 3
    [note] = notes
    assert "'get.item', 'get_item'" in note and "'get_item' keeps it" in note
    names, notes = offered_names("odd", ["a.b", "a:b"])
    assert len(set(names.values())) == 2 and len(notes) == 1  # neither is plain: both hashed


def test_images_go_apart_for_the_model_with_their_annotations_kept_as_text() -> None:
    data = base64.b64encode(b"\x89PNG" + b"\0" * 96).decode()
    image = mt.ImageContent(
        type="image",
        data=data,
        mime_type="image/png",
        annotations=mt.Annotations(audience=["user"]),
    )
    text, images = render_for_model(
        mt.CallToolResult(content=[mt.TextContent(type="text", text="a chart"), image])
    )
    assert text == "a chart\n[annotated: for user]"
    [part] = images
    assert (part.mime_type, part.data, part.size) == ("image/png", data, 100)
    shown = result(image)  # as text (mcp call): named, not dropped
    assert shown.startswith("[image: image/png, 100 bytes; not shown as text]")
