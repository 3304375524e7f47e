"""A tool's result as text for the model: nothing the server sent is dropped without a word.

Structured content goes as JSON when the server sent it (its text twin is left out); text
items as they are; an embedded text resource as its text under its URI; a resource link as
its name, URI, type and description (the model can ask a tool for it); binary content
(images, audio, blob resources) as a line naming its type and size, since the tool loop
passes text to models. Annotations a server put on an item (who it is for, its priority)
are kept as a short note.
"""

from __future__ import annotations

import json

import mcp.types as mt
from mcp.types import CallToolResult

__all__ = ["render_item", "render_result"]


def _size(data: str) -> str:
    """The decoded size of base64 ``data``, in words."""
    n = len(data) * 3 // 4 - data[-2:].count("=") if data else 0
    return f"{n} bytes" if n < 10_000 else f"{n / 1024:.0f} KB"


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
    return (
        f"[{kind}{where}: {mime or 'unknown type'}, {_size(data)}; not shown,"
        " the tool loop passes text only]"
    )


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


def render_result(result: CallToolResult) -> str:
    """The whole result as the text the model reads."""
    structured = result.structured_content
    texts = [c for c in result.content if isinstance(c, mt.TextContent)]
    if structured is not None and not (list(structured) == ["result"] and texts):
        others = [render_item(c) for c in result.content if not isinstance(c, mt.TextContent)]
        return "\n".join([json.dumps(structured, ensure_ascii=False), *others])
    return "\n".join(render_item(item) for item in result.content)
