"""The one-line commands' view of the config (swarm_tui.config.quick): the same values as the
validated models, the same errors, and no model built for a config already seen valid."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from swarm_tui.config import ConfigError, load_settings
from swarm_tui.config.checked import cache_dir, digest, remember_valid
from swarm_tui.config.quick import CommandSettings, command_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.toml.example"

CONFIGS = {
    "example": EXAMPLE.read_text(encoding="utf-8"),
    "settings only": "[orchestrator]\nmax_concurrent = 2\n",
    "storage and timing": (
        '[storage]\npath = "$SWARM_QUICK/l.db"\n[orchestrator]\ncommit_interval_ms = 20\n'
    ),
    "projects": (
        '[projects.api]\nrepo = "/srv/api"\n[projects.web]\nrepo = "/srv/web"\n'
        '[providers.p]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[providers.p.models.m]\n[agents.coder]\nmix = { "p/m" = 1 }\nproject = "api"\n'
        '[agents.writer]\nmix = { "p/m" = 1 }\n'
    ),
    "own agents": (
        '[providers.p]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[providers.p.models.m]\n[agents.first]\nmix = { "p/m" = 1 }\n'
        '[agents.second]\nmix = { "p/m" = 1 }\n[orchestrator]\ndefault_agent = "second"\n'
    ),
}

BROKEN = (
    '[providers.p]\nkind = "openai"\nbase_url = "http://x/v1"\n[providers.p.models.m]\n\n'
    '[agents.a]\nmix = { "p/m" = 0 }\n'
)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SWARM_QUICK", "/data/quick")
    monkeypatch.delenv("SWARM_TUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "cache"


def _same_as_models(view: CommandSettings, path: Path | None) -> None:
    full = load_settings(path)
    assert view.db_path() == full.db_path()
    assert view.commit_interval_ms == full.orchestrator.commit_interval_ms
    assert view.agents == tuple(full.agents)
    assert view.default_agent == full.default_agent
    assert view.projects == tuple(full.projects)
    assert dict(view.agent_projects) == full.agent_projects
    assert view.source == full.source
    assert view.full() == full


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_first_and_later_reads_give_the_models_values(tmp_path: Path, name: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIGS[name], encoding="utf-8")
    first = command_settings(str(path))  # validated by the models, then remembered
    later = command_settings(str(path))  # read from the TOML: no model built
    assert first._full is not None and later._full is None
    for view in (first, later):
        _same_as_models(view, path)
    assert first == later


def test_no_file_is_the_built_in_default() -> None:
    view = command_settings(None)
    _same_as_models(view, None)


def test_a_broken_config_says_what_the_models_say_every_time(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as expected:
        load_settings(path)
    for _ in range(2):  # never remembered: the second read is checked in full again
        with pytest.raises(ConfigError) as got:
            command_settings(str(path))
        assert str(got.value) == str(expected.value)
        assert "line 7" in str(got.value) and "must be > 0" in str(got.value)


def test_an_edited_config_is_checked_again(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIGS["own agents"], encoding="utf-8")
    assert command_settings(str(path)).default_agent == "second"
    path.write_text(CONFIGS["own agents"] + "max_concurrent = 0\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"line 11: orchestrator.max_concurrent: Input should be greater than 0"
    ):
        command_settings(str(path))


def test_toml_and_file_errors_are_the_loaders(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[storage\n", encoding="utf-8")
    for path in (bad, tmp_path / "missing.toml", tmp_path):
        with pytest.raises(ConfigError) as expected:
            load_settings(path)
        with pytest.raises(ConfigError) as got:
            command_settings(str(path))
        assert str(got.value) == str(expected.value)


def test_a_mark_that_lies_still_gets_the_models_message(tmp_path: Path) -> None:
    """A mark for a config that is not valid (made by hand): the values it reads are checked,
    and one that does not fit sends the config through the models."""
    path = tmp_path / "c.toml"
    text = '[storage]\npath = 7\n[orchestrator]\ncommit_interval_ms = "fast"\n'
    path.write_text(text, encoding="utf-8")
    remember_valid(digest(text))
    with pytest.raises(ConfigError, match=r"line 2: storage.path: Input should be a valid string"):
        command_settings(str(path))


def test_marks_are_private(tmp_path: Path, own_cache: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIGS["settings only"], encoding="utf-8")
    command_settings(str(path))
    where = cache_dir()
    assert where is not None and where.parent.parent == own_cache
    [mark] = list(where.iterdir())
    assert mark.name == digest(CONFIGS["settings only"])
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    assert stat.S_IMODE(mark.stat().st_mode) == 0o600


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = tmp_path / "c.toml"
    path.write_text(CONFIGS["storage and timing"], encoding="utf-8")
    for _ in range(2):
        assert command_settings(str(path)).commit_interval_ms == 20.0


PROBE = """
import json, sys
from swarm_tui.config.quick import command_settings
view = command_settings(sys.argv[1])
print(json.dumps({"pydantic": "pydantic" in sys.modules, "db": str(view.db_path())}))
"""


def test_a_config_seen_valid_is_read_without_pydantic(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIGS["example"], encoding="utf-8")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))

    def run() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)],
            capture_output=True, text=True, env=env, timeout=600, check=True,
        )  # fmt: skip
        out: dict[str, object] = json.loads(done.stdout)
        return out

    first, second = run(), run()
    assert first["pydantic"] is True  # new to this cache: validated by the models
    assert second["pydantic"] is False
    assert first["db"] == second["db"] == str(load_settings(path).db_path())
