"""Theme files, the loader's notices and fallbacks, and the themes inside a real Textual app."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from swarm_tui.tui.theming import (
    APP_VARIABLES,
    DEFAULT_THEME,
    PALETTE_DEFAULTS,
    ThemeError,
    builtin_theme_dir,
    load_themes,
    parse_theme_file,
    pick_theme,
    register_themes,
    user_theme_dir,
)

SHIPPED = sorted(builtin_theme_dir().glob("*.toml"))
GOOD = 'name = "good"\ndark = true\nprimary = "#5fafff"\n'


@pytest.fixture(autouse=True)
def _private_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the developer's own ~/.config/swarm-tui/themes out of every test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def write(directory: Path, filename: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(text, encoding="utf-8")
    return path


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two opaque colours."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in Color.parse(colour).rgb]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- the shipped themes ---------------------------------------------------------------------


def test_builtin_dir_is_the_repository_themes_folder() -> None:
    assert builtin_theme_dir() == Path(__file__).resolve().parents[2] / "themes"


def test_shipped_themes_parse_with_distinct_names() -> None:
    names = [parse_theme_file(path).name for path in SHIPPED]
    assert len(names) == len(set(names))
    assert {"swarm-dark", "swarm-light", "swarm-contrast"} <= set(names)
    themes, notices = load_themes([builtin_theme_dir()])
    assert notices == []
    assert sorted(theme.name for theme in themes) == sorted(names)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_theme_dark_flag_matches_its_background(path: Path) -> None:
    theme = parse_theme_file(path)
    assert theme.background is not None
    assert theme.dark == (Color.parse(theme.background).brightness < 0.5)
    assert theme.dark == (theme.name != "swarm-light")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_theme_is_readable(path: Path) -> None:
    theme = parse_theme_file(path)
    assert theme.foreground is not None and theme.background is not None
    minimum = 15.0 if theme.name == "swarm-contrast" else 7.0
    assert contrast(theme.foreground, theme.background) >= minimum
    status = theme.variables["status-bar-foreground"], theme.variables["status-bar-background"]
    assert contrast(*status) >= minimum
    for name in APP_VARIABLES:
        if name.startswith("state-"):
            assert contrast(theme.variables[name], theme.background) >= 3.0, name


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_theme_carries_every_app_variable_as_a_colour(path: Path) -> None:
    variables = parse_theme_file(path).variables
    for name in APP_VARIABLES:
        Color.parse(variables[name])  # raises if missing or not a colour


# --- defaults and references ----------------------------------------------------------------


def test_app_variables_are_literal_colours_matching_swarm_dark() -> None:
    """Literal, because Textual's CSS cannot resolve `$name` inside a variable's value."""
    assert set(PALETTE_DEFAULTS) == set(APP_VARIABLES)
    for value in APP_VARIABLES.values():
        Color.parse(value)
    swarm_dark = parse_theme_file(builtin_theme_dir() / "swarm-dark.toml")
    assert {k: swarm_dark.variables[k] for k in APP_VARIABLES} == APP_VARIABLES


def test_app_variable_defaults_follow_the_palette(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bare.toml",
        'name = "bare"\ndark = false\nprimary = "#112233"\nerror = "#aa0000"\n'
        'foreground = "#101010"\n[variables]\nborder = "#00aa00"\n'
        'status-bar-background = "$error"\n',
    )
    theme = parse_theme_file(path)
    variables = theme.variables
    textual = theme.to_color_system().generate()  # what `$primary` etc. mean in Textual CSS
    assert set(APP_VARIABLES) <= set(variables)
    assert not any(value.startswith("$") for value in variables.values())
    assert variables["state-running"] == textual["primary"]
    assert variables["state-failed"] == textual["error"]
    assert variables["state-paused"] == textual["warning"]
    assert variables["status-bar-foreground"] == textual["foreground"]
    assert Color.parse(variables["state-running"]).hex == Color.parse("#112233").hex
    assert variables["stream-border-focus"] == "#00aa00"  # follows the theme's own border
    assert variables["status-bar-background"] == textual["error"]


# --- broken files ---------------------------------------------------------------------------

BROKEN = [
    pytest.param(
        'name = "x"\ndark = true\nprimary = #zz\n', ["line 3", "not valid TOML"], id="toml"
    ),
    pytest.param('name = "x"\ndark = true\n', ["primary: required key is missing"], id="missing"),
    pytest.param('dark = true\nprimary = "red"\n', ["name: required key is missing"], id="no-name"),
    pytest.param(
        'name = "Bad Name"\ndark = true\nprimary = "red"\n',
        ["line 1: name: 'Bad Name' is not a valid name"],
        id="bad-name",
    ),
    pytest.param(
        GOOD.replace("good", "x") + 'colour = "red"\n', ["line 4: colour: unknown key"], id="key"
    ),
    pytest.param(
        'name = "x"\ndark = "yes"\nprimary = "red"\n',
        ["line 2: dark: expected true or false, got 'yes'"],
        id="dark-type",
    ),
    pytest.param(
        'name = "x"\ndark = true\nprimary = 42\n',
        ["line 3: primary: expected a colour string, got 42"],
        id="colour-type",
    ),
    pytest.param(
        'name = "x"\ndark = true\nprimary = "red"\nsurface = "blurple"\n',
        ["line 4: surface: 'blurple' is not a colour"],
        id="colour-name",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\nstate-running = "#12345g"\n',
        ["line 5: state-running: '#12345g' is not a colour"],
        id="variable-colour",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\nfooter-background = "rgb(1,2)"\n',
        ["line 5: footer-background: 'rgb(1,2)' is not a colour"],
        id="textual-variable-colour",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\nstate-runing = "red"\n',
        ["line 5: state-runing: unknown variable"],
        id="variable-typo",
    ),
    pytest.param(
        GOOD.replace("good", "x") + "[variables]\nstate-failed = 3\n",
        ["line 5: state-failed: expected a string, got 3"],
        id="variable-type",
    ),
    pytest.param(
        GOOD.replace("good", "x") + 'variables = "red"\n',
        ["line 4: variables: expected a [variables] table"],
        id="variables-type",
    ),
    pytest.param(
        GOOD.replace("good", "x") + "variables = { state-failed = 3 }\n",
        ["line 4: state-failed: expected a string, got 3"],
        id="inline-variables",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]  # ours\n"state-failed" = "#12345g"\n',
        ["line 5: state-failed: '#12345g' is not a colour"],
        id="commented-header-quoted-key",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\n"status-bar.background" = "red"\n',
        ["line 5: status-bar.background: not a CSS variable name"],
        id="dotted-quoted-variable",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\nstate-failed = "$nope"\n',
        ["line 5: state-failed: $nope is not a known variable"],
        id="unknown-ref",
    ),
    pytest.param(
        GOOD.replace("good", "x") + '[variables]\nborder = "$stream-border-focus"\n',
        ["border: $", "is not a known variable (or refers back to itself)"],
        id="cyclic-ref",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_file_is_skipped_with_a_notice_naming_file_and_problem(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    broken = write(tmp_path, "a-broken.toml", text)
    write(tmp_path, "z-good.toml", GOOD)
    with pytest.raises(ThemeError):
        parse_theme_file(broken)
    themes, notices = load_themes([tmp_path])
    assert [theme.name for theme in themes] == ["good"]
    assert len(notices) == 1
    assert notices[0].startswith(f"theme file {broken}: ")
    for fragment in expected:
        assert fragment in notices[0]


def test_bad_colour_notice_has_the_documented_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "y.toml", 'name = "y"\ndark = true\nprimary = "#zzz"\n')
    assert load_themes([tmp_path]) == (
        [],
        [f"theme file {path}: line 3: primary: '#zzz' is not a colour"],
    )


def test_unreadable_file_is_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\ndark = true\nprimary = "red"\n')
    themes, notices = load_themes([tmp_path])
    assert themes == []
    assert len(notices) == 1
    assert notices[0].startswith(f"theme file {path}: cannot be read as UTF-8 text")


def test_alpha_and_non_colour_variables_pass(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ok.toml",
        GOOD + '[variables]\ninput-selection-background = "#81a1c1 35%"\n'
        'status-bar-foreground = "auto 90%"\nbutton-focus-text-style = "reverse"\n',
    )
    variables = parse_theme_file(path).variables
    assert variables["input-selection-background"] == "#81a1c1 35%"
    assert variables["status-bar-foreground"] == "auto 90%"
    assert variables["button-focus-text-style"] == "reverse"


# --- directories and overrides --------------------------------------------------------------


def test_user_theme_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_theme_dir() == tmp_path / "swarm-tui" / "themes"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # the XDG spec says: ignore it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_theme_dir() == tmp_path / "home" / ".config" / "swarm-tui" / "themes"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert user_theme_dir() == tmp_path / "home" / ".config" / "swarm-tui" / "themes"


def test_later_dir_overrides_a_builtin_by_name(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", 'name = "swarm-dark"\ndark = true\nprimary = "#ff8700"\n')
    builtin, _ = load_themes([builtin_theme_dir()])
    themes, notices = load_themes([builtin_theme_dir(), tmp_path, tmp_path / "missing"])
    assert notices == []
    assert len(themes) == len(builtin)
    by_name = {theme.name: theme for theme in themes}
    assert by_name["swarm-dark"].primary == "#ff8700"
    mine = by_name["swarm-dark"]
    assert mine.variables["state-running"] == mine.to_color_system().generate()["primary"]


def test_broken_override_keeps_the_builtin(tmp_path: Path) -> None:
    write(tmp_path, "swarm-dark.toml", 'name = "swarm-dark"\ndark = true\nprimary = "nope"\n')
    themes, notices = load_themes([builtin_theme_dir(), tmp_path])
    assert {theme.name: theme for theme in themes}["swarm-dark"].primary == "#5fafff"
    assert len(notices) == 1 and "primary: 'nope' is not a colour" in notices[0]


def test_same_name_twice_in_one_dir_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    second = write(tmp_path, "b.toml", GOOD.replace("#5fafff", "#00ff00"))
    themes, notices = load_themes([tmp_path])
    assert [(theme.name, theme.primary) for theme in themes] == [("good", "#00ff00")]
    assert len(notices) == 1 and notices[0].startswith(f"theme file {second}: name: 'good'")


# --- picking --------------------------------------------------------------------------------


def test_pick_theme() -> None:
    available = {"swarm-dark", "swarm-light", "textual-dark"}
    assert pick_theme("swarm-light", available) == ("swarm-light", None)
    assert pick_theme("textual-dark", available) == ("textual-dark", None)
    assert pick_theme("nope", available) == (
        DEFAULT_THEME,
        "theme 'nope' not found; using swarm-dark",
    )
    assert pick_theme("nope", {"textual-dark"}) == (
        "textual-dark",
        "theme 'nope' not found; using textual-dark",
    )


# --- inside a real Textual app --------------------------------------------------------------


class Host(App[None]):
    """Uses our variables in its CSS, as the real app does, so it needs themes before start."""

    CSS = "Static { color: $state-running; background: $status-bar-background; }"

    def __init__(self, wanted: str, extra_dirs: tuple[Path, ...] = ()) -> None:
        super().__init__()
        self.notices = register_themes(self, wanted, extra_dirs)

    def compose(self) -> ComposeResult:
        yield Static("running")


class LateHost(App[None]):
    """Registers themes in on_mount; its CSS parses first against APP_VARIABLES."""

    CSS = "Static { color: $state-running; border: solid $stream-border-focus; }"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **APP_VARIABLES}

    def compose(self) -> ComposeResult:
        yield Static("running")

    def on_mount(self) -> None:
        self.notices = register_themes(self, "swarm-light")


async def test_themes_registered_on_mount_over_app_variable_defaults() -> None:
    app = LateHost()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert (app.theme, app.notices) == ("swarm-light", [])
        assert app.query_one(Static).styles.color == Color.parse("#005faf")


async def test_register_themes_in_a_running_app() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        notices = register_themes(app, "swarm-light")
        await pilot.pause()
        assert notices == []
        assert app.theme == "swarm-light"
        assert {"swarm-dark", "swarm-light", "swarm-contrast"} <= set(app.available_themes)
        variables = app.get_css_variables()
        assert variables["state-running"] == "#005faf"
        assert variables["primary"].lower() == "#005faf"
        assert set(APP_VARIABLES) <= set(app.theme_variables)


async def test_app_css_uses_the_theme_values_and_survives_theme_switches() -> None:
    app = Host("swarm-contrast")
    async with app.run_test() as pilot:
        static = app.query_one(Static)
        assert app.notices == []
        assert static.styles.color == Color.parse("#00ffff")
        assert static.styles.background == Color.parse("#ffffff")
        app.theme = "swarm-dark"
        await pilot.pause()
        assert static.styles.color == Color.parse("#5fafff")
        app.theme = "nord"  # a Textual built-in: re-registered with our defaults
        await pilot.pause()
        assert app.current_theme.name == "nord"
        assert static.styles.color == Color.parse(app.get_css_variables()["primary"])


async def test_broken_user_theme_falls_back_to_swarm_dark(
    _private_config_home: Path,
) -> None:
    path = write(
        _private_config_home / "swarm-tui" / "themes",
        "mine.toml",
        'name = "mine"\ndark = true\nprimary = "#zzz"\n',
    )
    app = Host("mine")
    async with app.run_test():
        assert app.theme == "swarm-dark"
        assert app.notices == [
            f"theme file {path}: line 3: primary: '#zzz' is not a colour",
            "theme 'mine' not found; using swarm-dark",
        ]
        assert app.query_one(Static).styles.color == Color.parse("#5fafff")


async def test_extra_dir_theme_is_picked(tmp_path: Path) -> None:
    write(tmp_path, "ops.toml", 'name = "ops"\ndark = true\nprimary = "#ff8700"\n')
    app = Host("ops", (tmp_path,))
    async with app.run_test():
        assert (app.theme, app.notices) == ("ops", [])
        # no [variables]: state-running defaults to Textual's own $primary for this palette
        assert app.query_one(Static).styles.color == Color.parse(app.get_css_variables()["primary"])
        assert app.query_one(Static).styles.color.rgb[1:] == (135, 0)
