"""Theme files, fuzzed: a broken theme is skipped with a notice naming the file, never a crash;
the good themes beside it still load, and an unknown name falls back to swarm-dark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from textual.theme import Theme

from swarm_tui.tui.theming import (
    APP_VARIABLES,
    DEFAULT_THEME,
    ThemeError,
    builtin_theme_dir,
    load_themes,
    parse_theme_file,
    pick_theme,
)

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
KEYS = ["name", "dark", "primary", "secondary", "accent", "warning", "error", "success",
        "foreground", "background", "surface", "panel", "variables", "colour", "Name"]  # fmt: skip
VARIABLE_KEYS = [*APP_VARIABLES, "block-cursor-foreground", "state-unknown", "$primary", "a b"]
COLOURISH = ["#5fafff", "#fff", "#12345", "red", "rgb(1,2,3)", "hsl(400, 50%, 50%)",
             "rgb(999,0,0)", "auto 90%", "#81a1c1 35%", "#81a1c1 lots", "$primary", "$nope",
             "$state-failed", "", " ", "nonsense", "rgba(1,2,3,0.5)",
             "hsl(1e999,0%,0%)"]  # fmt: skip

_value = st.one_of(
    st.sampled_from(COLOURISH),
    st.text(max_size=20),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(["swarm-fuzz", "Bad Name", "x"]),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    return json.dumps(value)


@st.composite
def theme_text(draw: st.DrawFn) -> str:
    top = draw(st.dictionaries(st.sampled_from(KEYS), _value, max_size=8))
    if draw(st.booleans()):
        top.setdefault("name", "swarm-fuzz")
        top.setdefault("dark", True)
        top.setdefault("primary", "#5fafff")
    variables = draw(st.dictionaries(st.sampled_from(VARIABLE_KEYS), _value, max_size=5))
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in top.items() if k != "variables"]
    if variables or "variables" in top:
        lines.append("[variables]")
        lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in variables.items()]
    if draw(st.integers(0, 9)) == 0:  # now and then a broken line
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=15)))
    return "\n".join(lines)


def _parse_or_theme_error(path: Path) -> Theme | None:
    try:
        theme = parse_theme_file(path)
    except ThemeError as exc:
        assert str(exc).startswith(f"theme file {path}: ") and exc.problem
        return None
    assert set(APP_VARIABLES) <= set(theme.variables)  # every CSS variable the app uses
    assert all(not v.startswith("$") for v in theme.variables.values())  # all resolved
    theme.to_color_system().generate()  # usable by Textual as it is
    return theme


@FUZZ
@given(text=theme_text())
def test_random_theme_files_load_or_say_why(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    _parse_or_theme_error(path)


@FUZZ
@given(raw=st.binary(max_size=120))
def test_random_bytes_as_a_theme_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bytes.toml"
    path.write_bytes(raw)
    _parse_or_theme_error(path)


@FUZZ
@given(text=theme_text())
def test_a_broken_theme_never_hides_the_good_ones(tmp_path: Path, text: str) -> None:
    user = tmp_path / "user-themes"
    user.mkdir(exist_ok=True)
    (user / "a-fuzzed.toml").write_text(text, encoding="utf-8")
    (user / "b-good.toml").write_text('name = "good-one"\ndark = false\nprimary = "#336699"\n')
    themes, notices = load_themes([builtin_theme_dir(), user])
    names = {t.name for t in themes}
    assert {DEFAULT_THEME, "good-one"} <= names
    try:
        parse_theme_file(user / "a-fuzzed.toml")
    except ThemeError as exc:
        assert str(exc) in notices  # skipped, with the reason shown to the user
    chosen, notice = pick_theme("no-such-theme", names)
    assert chosen == DEFAULT_THEME and notice is not None and "no-such-theme" in notice


@pytest.mark.parametrize(
    "value", ["hsl(1e999,0%,0%)", "rgb(1e400, 0, 0)", "#" + "f" * 10_000, "rgb(" * 500]
)
def test_extreme_colours_are_refused_clearly(tmp_path: Path, value: str) -> None:
    path = tmp_path / "extreme.toml"
    path.write_text(f'name = "x"\ndark = true\nprimary = {json.dumps(value)}\n')
    assert _parse_or_theme_error(path) is None


def test_the_fuzzed_themes_include_good_ones(tmp_path: Path) -> None:
    """Guard: the strategy above reaches themes that load, not only broken ones."""

    def loads(text: str) -> bool:
        path = tmp_path / "probe.toml"
        path.write_text(text, encoding="utf-8")
        return _parse_or_theme_error(path) is not None

    good = find(
        theme_text(),
        loads,
        settings=settings(
            max_examples=2000, database=None, phases=[Phase.generate], derandomize=True
        ),
    )
    assert "name" in good
