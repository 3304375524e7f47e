"""Ollama replies in the documented shapes (``/api/ps``, ``/api/tags``, ``/api/version``)."""

from __future__ import annotations

from typing import Any

GIB = 2**30

PS: dict[str, Any] = {
    "models": [
        {
            "name": "qwen2.5-coder:14b",
            "model": "qwen2.5-coder:14b",
            "size": 12 * GIB,
            "digest": "3028237cc8c52fea4e77185d72cc997b2e90392791f7c82fe1c71995d56e642d",
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": "qwen2",
                "families": ["qwen2"],
                "parameter_size": "14.8B",
                "quantization_level": "Q4_K_M",
            },
            "expires_at": "2026-11-22T03:04:05.123456789+01:00",
            "size_vram": 9 * GIB,
            "context_length": 8192,
        },
        {
            "name": "llama3.2:3b",
            "model": "llama3.2:3b",
            "size": 3 * GIB,
            "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": {
                "format": "gguf",
                "family": "llama",
                "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M",
            },
            "expires_at": "2318-08-01T00:00:00Z",
            "size_vram": 3 * GIB,
            "context_length": 4096,
        },
        {"name": "broken", "size": "lots"},
    ]
}

TAGS: dict[str, Any] = {
    "models": [
        {
            "name": "qwen2.5-coder:14b",
            "model": "qwen2.5-coder:14b",
            "size": 9 * GIB,
            "modified_at": "2026-10-01T10:00:00Z",
            "digest": "3028",
            "details": {},
        },
        {
            "name": "llama3.2:3b",
            "model": "llama3.2:3b",
            "size": 2 * GIB,
            "modified_at": "2026-10-01T10:00:00Z",
            "digest": "a80c",
            "details": {},
        },
        {
            "name": "nomic-embed-text:latest",
            "model": "nomic-embed-text:latest",
            "size": 274302450,
            "modified_at": "2026-10-01T10:00:00Z",
            "digest": "0a10",
            "details": {},
        },
    ]
}

VERSION = {"version": "0.12.6"}
