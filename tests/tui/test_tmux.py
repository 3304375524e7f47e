"""The real ``swarm-tui`` in a real terminal (tmux) on the embedded local model.

Keys go in with ``send-keys``, the screen comes back with ``capture-pane``: add a task through
the new-task form, watch it stream and succeed, check the ledger, quit; and resize the
terminal while streams run: every character a stream panel shows is the ledger's output.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.llama,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SWARM_TUI = Path(sys.executable).with_name("swarm-tui")
PROMPT = "Name three colours of the rainbow."
WIDTH, HEIGHT = 120, 40


class Tmux:
    """One tmux server on a private socket (in the test's temp dir), one session, one pane."""

    def __init__(self, tmp: Path) -> None:
        self.socket = str(tmp / "tmux.sock")
        self.conf = tmp / "tmux.conf"
        # The pane (and its last screen, for failure messages) stays after the program exits.
        self.conf.write_text("set -g remain-on-exit on\nset -g history-limit 100\n")
        self.status_file: Path | None = None

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, "-f", str(self.conf), *args],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return done.stdout

    def start(self, command: list[str], cwd: Path, status_file: Path) -> None:
        """Run ``command`` in the pane; a shell around it writes its exit status to
        ``status_file`` (more reliable than tmux's own view of a dead pane)."""
        self.status_file = status_file
        wrapped = ["sh", "-c", f'"$@"; echo $? > {shlex.quote(str(status_file))}', "sh", *command]
        self.tmux(
            "new-session", "-d", "-s", "room", "-x", str(WIDTH), "-y", str(HEIGHT),
            "-c", str(cwd), shlex.join(wrapped),
        )  # fmt: skip

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", "room", "-x", str(width), "-y", str(height))

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "room", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "room")

    def exited(self) -> bool:
        return self.status_file is not None and self.status_file.exists()

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    term = Tmux(tmp_path)
    try:
        yield term
    finally:
        term.kill()


def wait_for(
    tmux: Tmux, check: Callable[[str], bool], what: str, timeout: float, frames: list[str]
) -> str:
    """Poll the screen until ``check`` holds (bounded); keep every frame seen."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux.screen()
        frames.append(screen)
        if check(screen):
            return screen
        if tmux.exited():
            pytest.fail(f"swarm-tui exited while waiting for {what}; last screen:\n{screen}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {timeout:.0f} s; last screen:\n{screen}")
        time.sleep(0.25)


def task_row(screen: str) -> str:
    rows = [line for line in screen.splitlines() if PROMPT[:20] in line and " 1 " in line]
    return rows[0] if rows else ""


def test_add_a_task_watch_it_stream_and_succeed(tmp_path: Path, tmux: Tmux) -> None:
    assert SWARM_TUI.exists(), f"{SWARM_TUI} is missing: run make setup"
    config_home = tmp_path / "xdg"  # empty: the built-in embedded-model config is used
    config_home.mkdir()
    db = tmp_path / "ledger.db"
    command = [
        # COLUMNS/LINES (set under pytest) would override the pane's real size.
        "env", "-u", "SWARM_TUI_CONFIG", "-u", "SWARM_TUI_DB", "-u", "COLUMNS", "-u", "LINES",
        f"XDG_CONFIG_HOME={config_home}", "TERM=xterm-256color",
        str(SWARM_TUI), "--db", str(db),
    ]  # fmt: skip
    frames: list[str] = []
    status_file = tmp_path / "exit-status"
    tmux.start(command, tmp_path, status_file)

    # The control room is up (the embedded server starts in the background).
    room = wait_for(tmux, lambda s: "running" in s and "n new" in s, "control room", 60, frames)
    assert "? help q quit" in room  # the footer keeps help and quit

    tmux.keys("n")
    wait_for(tmux, lambda s: "New task — ctrl+s submits" in s, "new-task form", 20, frames)
    tmux.keys(PROMPT, literal=True)
    wait_for(tmux, lambda s: PROMPT in s, "typed prompt", 10, frames)
    tmux.keys("C-s")

    wait_for(tmux, lambda s: task_row(s) != "", "task in the queue", 20, frames)
    final = wait_for(tmux, lambda s: "succeeded" in task_row(s), "task succeeded", 120, frames)
    assert "generalist" in task_row(final)
    # The status bar catches up (and shows the full 120x40 layout's "done" count).
    final = wait_for(tmux, lambda s: "1 done" in s.splitlines()[0], "status: 1 done", 10, frames)

    # The ledger: the task succeeded, its attempt has output and counted tokens.
    with sqlite3.connect(db) as conn:
        state, result = conn.execute("SELECT state, result FROM tasks WHERE id = 1").fetchone()
        output, tokens_out = conn.execute(
            "SELECT output, tokens_out FROM attempts WHERE task_id = 1 AND state = 'succeeded'"
        ).fetchone()
        usage_out = conn.execute("SELECT SUM(tokens_out) FROM usage WHERE task_id = 1").fetchone()
    conn.close()
    assert state == "succeeded"
    assert output.strip() and result
    assert tokens_out and tokens_out > 0
    assert usage_out[0] == tokens_out

    # The stream panel showed the model's text: its border names task #1, and the start of
    # the output (as stored in the ledger) was on screen inside it.
    assert any("╭─ #1 attempt 1 · generalist" in f for f in frames), final
    start = output.strip().splitlines()[0][:12]
    assert any(start in f for f in frames), f"{start!r} never on screen; last:\n{final}"
    assert "succeeded ·" in final and " tok" in final  # the ended panel's border

    # Quit; nothing is running, but answer the question if one comes.
    tmux.keys("q")
    for _ in range(120):  # bounded: about 30 s
        if status_file.exists() and status_file.read_text().strip():
            break
        if "Quit?" in tmux.screen():
            tmux.keys("y")
        time.sleep(0.25)
    else:
        pytest.fail(f"swarm-tui did not exit:\n{tmux.screen()}")
    assert status_file.read_text().strip() == "0", tmux.screen()


RESIZE_TASKS = """
[[task]]
title = "lighthouse story"
prompt = "Write a long story about a lighthouse keeper and a storm."

[[task]]
title = "bridge essay"
prompt = "Write a long essay about how bridges are built."

[[task]]
title = "garden guide"
prompt = "Write a long guide to planting a vegetable garden."
"""
BLOCKS = "".join(chr(c) for c in range(0x2580, 0x25A0))
"""Block elements: what a scrollbar is drawn with (never in SmolLM2's answers here)."""


def panels(screen: str) -> dict[int, list[str]]:
    """The stream panels on a captured screen: task id -> the text lines inside each box
    (the box's border and the scrollbar beside the text taken off)."""
    lines = screen.splitlines()
    found: dict[int, list[str]] = {}
    for row, line in enumerate(lines):
        for match in re.finditer(r"╭─ #(\d+) ", line):
            left = match.start()
            right = line.find("╮", left)
            body: list[str] = []
            for below in lines[row + 1 :]:
                if below[left : left + 1] != "│":
                    break
                body.append(below[left + 1 : right].rstrip(BLOCKS + " "))
            found[int(match.group(1))] = body
    return found


def laid_out(screen: str, width: int, height: int) -> bool:
    """The room is drawn at this size: as many lines, and the footer's palette hint pinned to
    its right edge (the last key keeps its one-cell margin)."""
    lines = screen.splitlines()
    return len(lines) == height and any(
        line.rstrip().endswith("^p palette") and width - 1 <= len(line.rstrip()) <= width
        for line in lines
    )


def squeezed(text: str) -> str:
    """The characters without the white space (a wrapped line's break may stand for one)."""
    return "".join(text.split())


def test_a_resize_while_streams_run_loses_no_character(tmp_path: Path, tmux: Tmux) -> None:
    assert SWARM_TUI.exists(), f"{SWARM_TUI} is missing: run make setup"
    config_home = tmp_path / "xdg"
    config_home.mkdir()
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(RESIZE_TASKS)
    db = tmp_path / "ledger.db"
    command = [
        "env", "-u", "SWARM_TUI_CONFIG", "-u", "SWARM_TUI_DB", "-u", "COLUMNS", "-u", "LINES",
        f"XDG_CONFIG_HOME={config_home}", "TERM=xterm-256color",
        str(SWARM_TUI), "--db", str(db), "--tasks", str(tasks),
    ]  # fmt: skip
    frames: list[str] = []
    status_file = tmp_path / "exit-status"
    tmux.start(command, tmp_path, status_file)

    # One stream ended (its lines wrapped for 120 columns), the next runs: re-lay the room out
    # under them (a column narrower, one column, and two narrower columns to end with).
    wait_for(
        tmux, lambda s: "succeeded · " in s and "running · " in s and "tok/s" in s,
        "an ended stream and a running one", 180, frames,
    )  # fmt: skip
    for width, height in [(119, 40), (80, 24), (100, 40)]:
        tmux.resize(width, height)
        wait_for(
            tmux, lambda s, w=width, h=height: laid_out(s, w, h),
            f"the room drawn at {width}x{height}", 20, frames,
        )  # fmt: skip

    def all_done(screen: str) -> bool:
        with sqlite3.connect(db) as conn:
            states = [r[0] for r in conn.execute("SELECT state FROM tasks")]
        conn.close()
        return len(states) == 3 and all(s == "succeeded" for s in states)

    wait_for(tmux, all_done, "three tasks succeeded", 300, frames)

    def still(screen: str) -> bool:  # three panels, and the same screen twice in a row
        return len(panels(screen)) == 3 and len(frames) > 1 and frames[-2] == screen

    final = wait_for(tmux, still, "three panels, drawn", 30, frames)

    with sqlite3.connect(db) as conn:
        outputs = dict(conn.execute("SELECT task_id, output FROM attempts"))
    conn.close()
    for task_id, body in panels(final).items():
        shown = squeezed("".join(body))
        assert len(shown) > 40, f"#{task_id}'s panel shows too little:\n{final}"
        expected = squeezed(outputs[task_id])
        assert shown in expected, (
            f"#{task_id}'s panel lost characters: it shows {body!r}, the ledger's output ends"
            f" {outputs[task_id][-300:]!r}\n{final}"
        )
    tmux.keys("q")
