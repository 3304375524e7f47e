"""A stand-in agent CLI: records argv, cwd and env, prints a recorded stdout, exits.

The record also holds the text of every file an argument names (``@path`` too) and, when
GEMINI_CLI_HOME is set, its ``.gemini`` (settings text, and where each other entry links):
the per-run MCP configs live in a scratch directory that is gone once the run ends.

Environment: REPLAY_STDOUT (file to print), REPLAY_RECORD (where to write argv/cwd as JSON),
REPLAY_EXIT (exit code), REPLAY_HANG=1 (after printing, spawn a grandchild and sleep),
REPLAY_STDERR (text for stderr).
"""

import json
import os
import subprocess
import sys
import time


def _files() -> dict[str, str]:
    out = {}
    for arg in sys.argv[1:]:
        path = arg.removeprefix("@")
        if path.startswith("/") and os.path.isfile(path):
            with open(path) as f:
                out[path] = f.read()
    return out


def _gemini_home() -> dict[str, str] | None:
    home = os.environ.get("GEMINI_CLI_HOME")
    if not home:
        return None
    base = os.path.join(home, ".gemini")
    out = {}
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if os.path.islink(path):
            out[name] = "-> " + os.readlink(path)
        else:
            with open(path) as f:
                out[name] = f.read()
    return out


record = os.environ.get("REPLAY_RECORD")
if record:
    with open(record, "w") as f:
        json.dump(
            {
                "argv": sys.argv[1:],
                "cwd": os.getcwd(),
                "pid": os.getpid(),
                "env": dict(os.environ),
                "files": _files(),
                "gemini_home": _gemini_home(),
            },
            f,
        )
sys.stderr.write(os.environ.get("REPLAY_STDERR", "replay: starting\n"))
sys.stderr.flush()
with open(os.environ["REPLAY_STDOUT"]) as f:
    for line in f:
        sys.stdout.write(line)
        sys.stdout.flush()
if os.environ.get("REPLAY_HANG") == "1":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    if record:
        with open(record + ".child", "w") as f:
            f.write(str(child.pid))
    time.sleep(600)
sys.exit(int(os.environ.get("REPLAY_EXIT", "0")))
