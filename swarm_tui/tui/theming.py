"""Themes: TOML data files turned into Textual ``Theme``s carrying our CSS variables.

Built-in themes live in the repository's ``themes/`` folder (``swarm_tui/_themes`` in a wheel);
users add or replace themes by name in ``$XDG_CONFIG_HOME/swarm-tui/themes``. A broken file
never stops the app: it is skipped with a notice, and an unknown name falls back to
``swarm-dark``.

The app's ``.tcss`` uses the variables in :data:`APP_VARIABLES`. Every theme registered here
carries them; until one is active (or if the app registers themes in ``on_mount``), the app
must return :data:`APP_VARIABLES` from ``App.get_theme_variable_defaults``. Show the notices
:func:`register_themes` returns with ``app.notify``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from swarm_tui.config.toml_lines import decode_error_at, find_key_line

__all__ = [
    "APP_VARIABLES",
    "DEFAULT_THEME",
    "PALETTE_DEFAULTS",
    "ThemeError",
    "ThemeSpec",
    "builtin_theme_dir",
    "load_themes",
    "parse_theme_file",
    "pick_theme",
    "register_themes",
    "user_theme_dir",
    "with_app_variables",
]

DEFAULT_THEME = "swarm-dark"
_LAST_RESORT = "textual-dark"  # always registered by Textual, used if our themes are missing

APP_VARIABLES: dict[str, str] = {
    "state-queued": "#8a8a8a",
    "state-running": "#5fafff",
    "state-paused": "#d7af5f",
    "state-succeeded": "#87af87",
    "state-failed": "#d75f5f",
    "state-cancelled": "#6c6c6c",
    "state-needs-vote": "#af87d7",
    "stream-border": "#444444",
    "stream-border-focus": "#5fafff",
    "status-bar-background": "#121212",
    "status-bar-foreground": "#a8a8a8",
}
"""Our CSS variables (keys without the ``$``) with literal values, safe to return from
``App.get_theme_variable_defaults`` before any of our themes is active. Themes override them
under ``[variables]``; a theme that leaves one out gets it from :data:`PALETTE_DEFAULTS`."""

PALETTE_DEFAULTS: dict[str, str] = {
    "state-queued": "$secondary",
    "state-running": "$primary",
    "state-paused": "$warning",
    "state-succeeded": "$success",
    "state-failed": "$error",
    "state-cancelled": "$foreground-muted",
    "state-needs-vote": "$accent",
    "stream-border": "$border-blurred",
    "stream-border-focus": "$border",
    "status-bar-background": "$panel",
    "status-bar-foreground": "$foreground",
}
"""What each theme gets for an :data:`APP_VARIABLES` key it does not set: a ``$name`` resolved
when the theme is built, against its own variables and Textual's colour system, so the defaults
follow each palette. (Textual's CSS does not resolve ``$name`` inside variable values itself.)"""

_COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
)
_OUR_PREFIXES = ("state-", "stream-", "status-bar-")
_NAME = re.compile(r"[a-z0-9-]+")
_VARIABLE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_ALPHA = re.compile(r"\d+(\.\d+)?%")


class ThemeError(ValueError):
    """A theme file that cannot be used; the message names the file, line, key and problem."""

    def __init__(
        self, path: Path, problem: str, *, key: str | None = None, line: int | None = None
    ) -> None:
        self.path, self.problem, self.key, self.line = path, problem, key, line
        where = (f"line {line}: " if line else "") + (f"{key}: " if key else "")
        super().__init__(f"theme file {path}: {where}{problem}")


def builtin_theme_dir() -> Path:
    """The shipped themes: ``swarm_tui/_themes`` in a wheel, else the repository's ``themes/``."""
    packaged = Path(__file__).resolve().parents[1] / "_themes"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "themes"


def user_theme_dir() -> Path:
    """``$XDG_CONFIG_HOME/swarm-tui/themes``, by default ``~/.config/swarm-tui/themes``."""
    config_home = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if os.path.isabs(config_home) else Path.home() / ".config"
    return base / "swarm-tui" / "themes"


def _colour_problem(value: str, *, alpha_ok: bool) -> str | None:
    """Why ``value`` is not a colour (``#rrggbb``, a name, ``rgb()``...), or None if it is one.

    With ``alpha_ok``, CSS forms like ``#81a1c1 35%`` and ``auto 90%`` are accepted too.
    """
    first, _, rest = value.strip().partition(" ")
    if alpha_ok and rest:
        if not _ALPHA.fullmatch(rest.strip()):
            return f"{value!r} is not a colour (expected a colour and an optional percentage)"
        if first == "auto":
            return None
    try:
        Color.parse(first if alpha_ok else value)
    except ColorParseError:
        return f"{value!r} is not a colour"
    return None


def _looks_like_colour(value: str) -> bool:
    return value.startswith("#") or value.lower().startswith(("rgb", "hsl"))


def with_app_variables(theme: Theme) -> Theme:
    """A copy of ``theme`` with :data:`PALETTE_DEFAULTS` under its variables, ``$refs`` resolved.

    Raises:
        KeyError: a ``$name`` refers to an unknown variable (or to itself through a cycle).
    """
    merged = {**PALETTE_DEFAULTS, **theme.variables}
    system = replace(theme, variables={}).to_color_system().generate()
    resolved: dict[str, str] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> str:
        if name in resolved:
            return resolved[name]
        if name in chain or (name not in merged and name not in system):
            raise KeyError(name)
        value = merged.get(name, system.get(name, ""))
        if value.startswith("$"):
            value = resolve(value[1:].strip(), (*chain, name))
        if name in merged:
            resolved[name] = value
        return value

    for name in merged:
        resolve(name, ())
    return replace(theme, variables=resolved)


def parse_theme_file(path: Path) -> Theme:
    """Read and validate one theme file; the result carries every :data:`APP_VARIABLES` key.

    Raises:
        ThemeError: the file cannot be read, is not TOML, or breaks the format.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(path, f"cannot be read as UTF-8 text ({exc})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line, column = decode_error_at(exc, text)
        column_text = "" if column is None else f" (column {column})"
        raise ThemeError(path, f"not valid TOML: {reason}{column_text}", line=line) from exc

    try:
        spec = ThemeSpec.model_validate(data)
    except ValidationError as exc:
        raise _theme_error(path, text, exc) from None
    variables = spec.variables
    theme = Theme(name=spec.name, dark=spec.dark, variables=dict(variables), **spec.colours())
    try:
        return with_app_variables(theme)
    except KeyError as exc:
        ref = exc.args[0]
        key = next((k for k, v in variables.items() if v.strip() == f"${ref}"), ref)
        problem = f"${ref} is not a known variable (or refers back to itself)"
        raise ThemeError(
            path, problem, key=key, line=find_key_line(text, ("variables", key))
        ) from None


def _problem(message: str, key: str | None = None) -> PydanticCustomError:
    """A validator's error; ``key`` is the variable inside ``[variables]`` it concerns."""
    return PydanticCustomError("theme", "{message}", {"message": message, "key": key})


class ThemeSpec(BaseModel):
    """A theme file's keys as validated: TOML's own types, colours Textual can parse."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str
    dark: bool
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    variables: dict[str, str] = {}

    def colours(self) -> dict[str, Any]:
        """The palette keys the file sets, for ``Theme(**...)``."""
        return {key: value for key in _COLOUR_KEYS if (value := getattr(self, key)) is not None}

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise _problem(f"{name!r} is not a valid name (expected lowercase a-z, 0-9 and '-')")
        return name

    @field_validator(*_COLOUR_KEYS)
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        problem = None if value is None else _colour_problem(value, alpha_ok=False)
        if problem:
            raise _problem(problem)
        return value

    @field_validator("variables", mode="before")
    @classmethod
    def _variables(cls, variables: object) -> object:
        if isinstance(variables, dict):
            _check_variables(variables)
        return variables


_EXPECTED = {
    "name": "a name of lowercase a-z, 0-9 and '-'",
    "dark": "true or false",
    "variables": "a [variables] table",
    **{key: "a colour string" for key in _COLOUR_KEYS},
}
_TYPE_ERRORS = {"string_type", "bool_type", "dict_type"}
_FIRST = {"extra_forbidden": 0, "missing": 1}  # which problem a file with several reports


def _theme_error(path: Path, text: str, exc: ValidationError) -> ThemeError:
    """The first problem of ``exc`` as a :class:`ThemeError` at its key and line."""
    errors = sorted(exc.errors(include_url=False), key=lambda e: _FIRST.get(e["type"], 2))
    err = errors[0]
    loc = [str(part) for part in err["loc"]]
    kind = err["type"]
    if kind == "theme" and err.get("ctx", {}).get("key") is not None:
        loc.append(err["ctx"]["key"])
    if kind == "extra_forbidden":
        problem = f"unknown key (expected one of: {', '.join(ThemeSpec.model_fields)})"
    elif kind == "missing":
        return ThemeError(path, "required key is missing", key=loc[0])
    elif kind in _TYPE_ERRORS and loc[0] in _EXPECTED and len(loc) == 1:
        problem = f"expected {_EXPECTED[loc[0]]}, got {err['input']!r}"
    elif kind in _TYPE_ERRORS:  # a variable's value
        problem = f"expected a string, got {err['input']!r}"
    else:
        problem = str(err["msg"])
    return ThemeError(path, problem, key=loc[-1], line=find_key_line(text, loc))


def _check_variables(variables: dict[Any, Any]) -> None:
    for key, value in variables.items():
        if not _VARIABLE.fullmatch(key):
            raise _problem("not a CSS variable name (write it without '$')", key)
        if key.startswith(_OUR_PREFIXES) and key not in APP_VARIABLES:
            raise _problem(f"unknown variable (ours are: {', '.join(APP_VARIABLES)})", key)
        if not isinstance(value, str):
            raise _problem(f"expected a string, got {value!r}", key)
        if value.startswith("$"):
            continue  # checked when resolved
        if key in APP_VARIABLES or _looks_like_colour(value):
            problem = _colour_problem(value, alpha_ok=True)
            if problem:
                raise _problem(problem, key)


def load_themes(dirs: Sequence[Path]) -> tuple[list[Theme], list[str]]:
    """Every ``*.toml`` theme in ``dirs``; later dirs replace earlier themes of the same name.

    Missing dirs are skipped; a broken file is skipped with a notice, never an exception.
    """
    themes: dict[str, Theme] = {}
    notices: list[str] = []
    for directory in dirs:
        seen: dict[str, Path] = {}
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            try:
                theme = parse_theme_file(path)
            except ThemeError as exc:
                notices.append(str(exc))
                continue
            if theme.name in seen:
                notices.append(
                    f"theme file {path}: name: '{theme.name}' is also defined in "
                    f"{seen[theme.name]}; using {path.name}"
                )
            seen[theme.name] = path
            themes[theme.name] = theme
    return list(themes.values()), notices


def pick_theme(wanted: str, available: set[str]) -> tuple[str, str | None]:
    """``wanted`` if available, else ``swarm-dark`` and a notice saying so."""
    if wanted in available:
        return wanted, None
    fallback = DEFAULT_THEME if DEFAULT_THEME in available else _LAST_RESORT
    return fallback, f"theme '{wanted}' not found; using {fallback}"


def register_themes(app: App[Any], wanted: str, extra_dirs: Sequence[Path] = ()) -> list[str]:
    """Register the built-in, user and ``extra_dirs`` themes, activate one; return notices.

    Textual's own themes are re-registered with our variables too, so picking
    ``textual-dark`` or ``nord`` works with the app's CSS.
    """
    themes, notices = load_themes([builtin_theme_dir(), user_theme_dir(), *extra_dirs])
    for theme in list(app.available_themes.values()):
        app.register_theme(with_app_variables(theme))
    for theme in themes:
        app.register_theme(theme)
    name, notice = pick_theme(wanted, set(app.available_themes))
    if notice:
        notices.append(notice)
    app.theme = name
    return notices
