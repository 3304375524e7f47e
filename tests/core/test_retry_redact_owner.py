"""Back-off, secret redaction and owner liveness."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys

import pytest

from swarm_tui.core.owner import is_dead, owner_id
from swarm_tui.core.retry import backoff_seconds
from swarm_tui.domain.redact import Redactor

# ------------------------------------------------------------------ back-off


@pytest.mark.parametrize(
    ("failures", "ceiling"),
    [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (40, 60.0)],
)
def test_backoff_stays_within_its_ceiling(failures: int, ceiling: float) -> None:
    rng = random.Random(failures)
    waits = [backoff_seconds(failures, rng=rng) for _ in range(400)]
    assert all(0.0 <= w <= ceiling for w in waits)
    # Full jitter: the waits spread over the whole range, not just near the top.
    assert min(waits) < 0.1 * ceiling and max(waits) > 0.9 * ceiling


def test_backoff_base_and_cap() -> None:
    rng = random.Random(1)
    waits = [backoff_seconds(5, base=0.5, cap=3.0, rng=rng) for _ in range(200)]
    assert all(0.0 <= w <= 3.0 for w in waits) and max(waits) > 2.5
    waits = [backoff_seconds(2, base=0.25, rng=rng) for _ in range(200)]
    assert all(0.0 <= w <= 0.5 for w in waits)


def test_backoff_is_reproducible_with_a_seed() -> None:
    one = [backoff_seconds(4, rng=random.Random(9)) for _ in range(3)]
    two = [backoff_seconds(4, rng=random.Random(9)) for _ in range(3)]
    assert one == two
    assert backoff_seconds(4, rng=random.Random(9)) == random.Random(9).uniform(0, 8.0)


def test_retry_after_wins_when_longer() -> None:
    assert backoff_seconds(1, retry_after=30.0, rng=random.Random(0)) == 30.0
    assert backoff_seconds(1, retry_after=120.0, rng=random.Random(0)) == 120.0  # above cap
    assert backoff_seconds(1, retry_after=1e9, rng=random.Random(0)) == 3600.0


def test_shorter_retry_after_keeps_the_jittered_wait() -> None:
    jittered = random.Random(5).uniform(0, 60.0)
    assert jittered > 1.0
    assert backoff_seconds(10, retry_after=0.5, rng=random.Random(5)) == jittered


def test_backoff_survives_huge_failure_counts() -> None:
    assert 0.0 <= backoff_seconds(5000, rng=random.Random(0)) <= 60.0


# ------------------------------------------------------------------ redaction


def test_redactor_masks_configured_values_longest_first() -> None:
    env = {"KEY_A": "sk-abcdef", "KEY_B": "sk-abcdef-extended", "OTHER": "visible-value"}
    redact = Redactor(["KEY_A", "KEY_B"], environ=env)
    text = "a=sk-abcdef b=sk-abcdef-extended c=visible-value"
    assert redact(text) == "a=[redacted] b=[redacted] c=visible-value"
    assert "extended" not in redact("Bearer sk-abcdef-extended")


def test_redactor_skips_missing_empty_and_short_values() -> None:
    env = {"EMPTY": "", "SHORT": "abc12", "LONG": "abc123"}
    redact = Redactor(["EMPTY", "SHORT", "LONG", "MISSING"], environ=env)
    assert redact("abc12 abc123 abc1234") == "abc12 [redacted] [redacted]4"
    assert redact("") == ""


def test_redactor_of_values_follows_the_same_rules() -> None:
    """Providers mask their key with the same redactor: one marker, one minimum length."""
    redact = Redactor.of("sk-provider-key", None, "", "abc12")
    assert redact("key sk-provider-key, short abc12") == "key [redacted], short abc12"


def test_redactor_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARM_TEST_SECRET", "s3cr3t-from-env")
    redact = Redactor(["SWARM_TEST_SECRET"])
    assert (
        redact("got s3cr3t-from-env twice: s3cr3t-from-env") == "got [redacted] twice: [redacted]"
    )


# ------------------------------------------------------------------ owners


def test_own_process_is_alive() -> None:
    me = owner_id()
    host, pid, started = me.rsplit(":", 2)
    assert host == socket.gethostname() and int(pid) == os.getpid() and float(started) > 0
    assert is_dead(me) is False


def test_finished_subprocess_is_dead() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        owner = owner_id(proc.pid)
    finally:
        proc.wait()
    assert is_dead(owner) is True


def test_reused_pid_is_not_the_old_owner() -> None:
    host, pid, started = owner_id().rsplit(":", 2)
    assert is_dead(f"{host}:{pid}:{float(started) - 100:.3f}") is True


def test_owner_on_another_host_is_never_declared_dead() -> None:
    other = "not-" + socket.gethostname()
    assert is_dead(f"{other}:999999:1.000") is False
    assert is_dead(f"{other}:{os.getpid()}:1.000") is False


@pytest.mark.parametrize(
    "owner", ["", "garbage", "a:b", "test:1:1", ":::", "x:y:z:w", "{host}:abc:1.0", "{host}:1:x"]
)
def test_garbage_owner_is_not_dead(owner: str) -> None:
    assert is_dead(owner.format(host=socket.gethostname())) is False


def test_negative_pid_owner_is_not_dead() -> None:
    assert is_dead(f"{socket.gethostname()}:-1:1.0") is False


def test_stream_redactor_masks_a_secret_split_across_chunks() -> None:
    from swarm_tui.domain.redact import Redactor

    secret = "sk-live-0123456789abcdef"
    masks = Redactor(["K"], {"K": secret}).stream()
    text = f"before {secret} middle {secret} end"
    out = "".join(masks.feed(text[i : i + 3]) for i in range(0, len(text), 3)) + masks.flush()
    assert out == "before [redacted] middle [redacted] end"


def test_stream_redactor_without_secrets_passes_text_at_once() -> None:
    from swarm_tui.domain.redact import Redactor

    masks = Redactor([], {}).stream()
    assert masks.feed("abc") == "abc" and masks.flush() == ""
