"""Reading and validating ``config.toml`` into :class:`Settings`: clear errors with file,
line and key (finding and reading the file: :mod:`~swarm_tui.config.files`)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from pydantic import ValidationError

from swarm_tui.config.errors import ConfigError, format_validation_error
from swarm_tui.config.files import find_config, parse_toml, read_text, user_config_path
from swarm_tui.config.settings import Settings, default_settings

__all__ = ["find_config", "load_settings", "user_config_path", "validate_text"]


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
    return validate_text(path, read_text(path))


def validate_text(path: Path, text: str) -> Settings:
    """:func:`load_settings` of ``text``, already read from ``path``."""
    data = _extend_default(path, parse_toml(path, text))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid configuration: nested too deeply") from None
    settings._source = str(path)
    return settings
