"""``[notify]`` in a config file: secrets by reference only, clear messages naming the line,
and the URLs read from the environment when a run starts."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.config import NotifyConfig, load_settings
from swarm_tui.core.notify.send import resolve_targets
from tests.test_config_errors import BASE, _assert_reports, _error, _line_of


def test_a_url_with_references_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        BASE + '\n[notify]\nurls = ["ntfy://ntfy.sh/${NTFY_TOPIC}", "json://127.0.0.1:9/x"]\n'
        'events = ["vote", "drained"]\nwindow_seconds = 60.0\n',
        encoding="utf-8",
    )
    notify = load_settings(path).notify
    assert notify.urls[0] == "ntfy://ntfy.sh/${NTFY_TOPIC}"
    assert notify.events == ["vote", "drained"]


def test_a_literal_token_in_a_url_is_refused_without_repeating_it(tmp_path: Path) -> None:
    token = "8a7f0c2e9b4d6f1a3c5e7b9d0f2a4c6e8b"
    text = BASE + f'\n[notify]\nurls = ["tgram://{token}/12345"]\n'
    _, message = _error(tmp_path, text)
    _assert_reports(message, line=_line_of(text, "urls ="), key="notify.urls[0]", expected="${VAR}")
    assert token not in message


def test_a_literal_password_is_refused(tmp_path: Path) -> None:
    text = BASE + '\n[notify]\nurls = ["mailtos://me:hunter2@mail.example"]\n'
    _, message = _error(tmp_path, text)
    assert "notify.urls[0]" in message and "hunter2" not in message


def test_a_password_by_reference_is_fine() -> None:
    NotifyConfig(urls=["mailtos://me:${MAIL_PASSWORD}@mail.example"])


def test_a_bad_reference_and_an_unknown_event_are_named(tmp_path: Path) -> None:
    text = BASE + '\n[notify]\nurls = ["ntfy://host/${not a name}"]\n'
    _, message = _error(tmp_path, text)
    assert "notify.urls[0]" in message and "environment variable" in message
    text = BASE + '\n[notify]\nevents = ["vote", "lunch"]\n'
    _, message = _error(tmp_path, text)
    assert "notify.events[1]" in message and "'drained'" in message


def test_urls_env_must_name_a_variable(tmp_path: Path) -> None:
    text = BASE + '\n[notify]\nurls_env = "ntfy://host/topic"\n'
    _, message = _error(tmp_path, text)
    assert "notify.urls_env" in message and "NAME of an environment variable" in message


def test_targets_come_from_references_and_the_environment() -> None:
    config = NotifyConfig(
        urls=["ntfy://ntfy.sh/${TOPIC}", "json://h:1/${MISSING}"], urls_env="MORE_URLS"
    )
    env = {"TOPIC": "night-shift-7731", "MORE_URLS": "tgram://bot123456:tok/99, json://h:2/p"}
    targets, problems, redact = resolve_targets(config, env)
    assert [t.url for t in targets] == [
        "ntfy://ntfy.sh/night-shift-7731", "tgram://bot123456:tok/99", "json://h:2/p",
    ]  # fmt: skip
    assert [t.label for t in targets] == [
        "[notify] urls[0] (ntfy)", "$MORE_URLS URL 1 (tgram)", "$MORE_URLS URL 2 (json)",
    ]  # fmt: skip
    assert problems == ["[notify] urls[1] (json) needs $MISSING, which is not set: not notified"]
    said = redact("sent to ntfy://ntfy.sh/night-shift-7731 and bot123456")
    assert "night-shift-7731" not in said and "bot123456" not in said
