"""Finding and reading a config file, without the models: the path in use, its text and its
TOML, each failure one clear :class:`ConfigError` with file, line and column. Used by
:mod:`~swarm_tui.config.loading` (which validates) and by :mod:`~swarm_tui.config.quick`
(the one-line commands), so neither pays for the other."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from swarm_tui.config.errors import ConfigError, redact_secrets
from swarm_tui.config.toml_lines import decode_error_at, position

__all__ = ["find_config", "parse_toml", "read_text", "user_config_path"]


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/swarm-tui/config.toml`` (``~/.config`` when the variable is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "swarm-tui" / "config.toml"


def find_config(explicit: str | None) -> Path | None:
    """``--config``, then ``$SWARM_TUI_CONFIG``, then the user config dir; None = built-in.

    An explicit path (option or variable) is returned even when missing, so that
    :func:`load_settings` reports it instead of silently falling back to the default.
    """
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("SWARM_TUI_CONFIG")
    if env:
        return Path(env).expanduser()
    path = user_config_path()
    return path if path.is_file() else None


_TOML_HINTS = {
    "Cannot overwrite a value": "a key is set twice",
    "Invalid value": 'strings need quotes, e.g. name = "text"',
    "Expected '=' after a key in a key/value pair": "write key = value",
}


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a config.toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}: line {line}, column {column}: not UTF-8 text"
            f" (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def parse_toml(path: Path, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = decode_error_at(exc, text)
        at = position(line, column)
        if message in _TOML_HINTS:
            message = f"{message} ({_TOML_HINTS[message]})"
        raise ConfigError(redact_secrets(f"{path}: {at}not valid TOML: {message}")) from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
