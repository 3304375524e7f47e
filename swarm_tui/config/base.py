"""Shared pieces of the config models: the strict base class and name rules."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from swarm_tui.config.errors import looks_like_secret

__all__ = ["ENV_NAME", "NAME", "Strict", "check_env_name"]

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Strict(BaseModel):
    # strict: TOML has real types, so "4" for an integer or true for a weight is a mistake.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
    )


def check_env_name(value: str | None) -> str | None:
    """An environment variable NAME; the message never repeats the value (it may be a key)."""
    if value is not None and (not ENV_NAME.fullmatch(value) or looks_like_secret(value)):
        raise ValueError(
            "must be the NAME of an environment variable (letters, digits, _), such as"
            " OPENROUTER_API_KEY, never the key itself; the value given is not shown"
        )
    return value
