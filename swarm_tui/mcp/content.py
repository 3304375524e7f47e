"""A tool's result for the model: nothing the server sent is dropped without a word.

Structured content goes as JSON when the server sent it (its text twin is left out); text
items as they are; an embedded text resource as its text under its URI; a resource link as
its name, URI, type and description (the model can ask a tool for it); images as images
(:func:`render_for_model`: the provider sends them to a model that takes images, and names
them to one that does not); other binary content (audio, blob resources) as a line naming
its type and size. Annotations a server put on an item (who it is for, its priority) are
kept as a short note.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import mcp.types as mt
from mcp.types import CallToolResult

from swarm_tui.providers.base import ImagePart, decoded_size, size_words

__all__ = ["render_for_model", "render_item", "render_result"]


def _note(annotations: mt.Annotations | None) -> str:
    if annotations is None:
        return ""
    parts: list[str] = []
    if annotations.audience:
        parts.append(f"for {', '.join(annotations.audience)}")
    if annotations.priority is not None:
        parts.append(f"priority {annotations.priority:g}")
    return f" [annotated: {'; '.join(parts)}]" if parts else ""


def _binary(kind: str, mime: str | None, data: str, where: str = "") -> str:
    size = size_words(decoded_size(data))
    shown = "not shown as text" if kind == "image" else "not shown, the tool loop passes text only"
    return f"[{kind}{where}: {mime or 'unknown type'}, {size}; {shown}]"


def render_item(item: mt.ContentBlock) -> str:
    """One content item as text."""
    if isinstance(item, mt.TextContent):
        note = _note(item.annotations)
        return f"{item.text}\n{note.lstrip()}" if note else item.text
    if isinstance(item, mt.EmbeddedResource):
        res, note = item.resource, _note(item.annotations)
        if isinstance(res, mt.TextResourceContents):
            mime = f" ({res.mime_type})" if res.mime_type else ""
            return f"[resource {res.uri}{mime}]{note}\n{res.text}"
        return _binary("resource", res.mime_type, res.blob, f" {res.uri}") + note
    if isinstance(item, mt.ResourceLink):
        details = [item.mime_type or "", f"{item.size} bytes" if item.size else ""]
        extra = ", ".join(d for d in details if d)
        about = f": {item.description}" if item.description else ""
        title = item.title or item.name
        shown = f"[resource link: {title} <{item.uri}>{f' ({extra})' if extra else ''}{about}]"
        return shown + _note(item.annotations)
    if isinstance(item, mt.ImageContent):
        return _binary("image", item.mime_type, item.data) + _note(item.annotations)
    if isinstance(item, mt.AudioContent):
        return _binary("audio", item.mime_type, item.data) + _note(item.annotations)
    return f"[{getattr(item, 'type', 'unknown')} content of a kind this hub does not know]"


def _render(result: CallToolResult, items: Sequence[mt.ContentBlock]) -> str:
    structured = result.structured_content
    texts = [c for c in items if isinstance(c, mt.TextContent)]
    if structured is not None and not (list(structured) == ["result"] and texts):
        others = [render_item(c) for c in items if not isinstance(c, mt.TextContent)]
        return "\n".join([json.dumps(structured, ensure_ascii=False), *others])
    return "\n".join(render_item(item) for item in items)


def render_result(result: CallToolResult) -> str:
    """The whole result as text (images named by type and size)."""
    return _render(result, list(result.content))


def render_for_model(result: CallToolResult) -> tuple[str, tuple[ImagePart, ...]]:
    """The result's text (images left out, with their annotations) and its images."""
    images = [c for c in result.content if isinstance(c, mt.ImageContent)]
    rest = [c for c in result.content if not isinstance(c, mt.ImageContent)]
    notes = [_note(i.annotations).lstrip() for i in images]
    text = "\n".join(t for t in [_render(result, rest), *notes] if t)
    return text, tuple(ImagePart(i.mime_type, i.data) for i in images)
