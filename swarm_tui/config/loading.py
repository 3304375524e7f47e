"""Finding and reading ``config.toml``: clear errors with file, line and key."""

from __future__ import annotations

import copy
import functools
import os
import tomllib
from pathlib import Path

from pydantic import ValidationError

from swarm_tui.config.errors import ConfigError, format_validation_error, redact_secrets
from swarm_tui.config.settings import Settings, default_settings
from swarm_tui.config.toml_lines import decode_error_at, position

__all__ = ["find_config", "load_settings", "user_config_path"]


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


def _read_text(path: Path) -> str:
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


def _parse_toml(path: Path, text: str) -> dict[str, object]:
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


_BACKENDS = ("providers", "agents")


def _extend_default(path: Path, data: dict[str, object]) -> dict[str, object]:
    """A file without ``[providers]`` and ``[agents]`` changes settings of the built-in
    default (one agent on the embedded model): ``[orchestrator] max_concurrent = 2`` alone
    is a whole config. A file with one of the two must have both."""
    missing = [key for key in _BACKENDS if key not in data]
    if not missing:
        return data
    if len(missing) == 1:
        [absent] = missing
        [present] = [key for key in _BACKENDS if key != absent]
        raise ConfigError(
            f"{path}: [{absent}] is missing: a file that defines [{present}] must define"
            f" [{absent}] too (leave both out to keep the built-in agent on the embedded model)"
        )
    return {**data, **copy.deepcopy(_builtin_backends())}


@functools.cache
def _builtin_backends() -> dict[str, object]:
    """The built-in default's providers and agents, as a config file would write them."""
    return default_settings().model_dump(include=set(_BACKENDS), exclude_unset=True)


def load_settings(path: Path | None) -> Settings:
    """Read and validate a config file; raise :class:`ConfigError` with file, line and key.

    ``None`` means no file was found: the built-in :func:`default_settings` apply. A file
    that defines neither providers nor agents keeps the built-in ones and changes the rest.
    """
    if path is None:
        return default_settings()
    text = _read_text(path)
    data = _extend_default(path, _parse_toml(path, text))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid configuration: nested too deeply") from None
    settings._source = str(path)
    return settings
