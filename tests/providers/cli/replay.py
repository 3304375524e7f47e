"""A stand-in agent CLI: records argv, cwd and env, prints a recorded stdout, exits.

Environment: REPLAY_STDOUT (file to print), REPLAY_RECORD (where to write argv/cwd as JSON),
REPLAY_EXIT (exit code), REPLAY_HANG=1 (after printing, spawn a grandchild and sleep),
REPLAY_STDERR (text for stderr).
"""

import json
import os
import subprocess
import sys
import time

record = os.environ.get("REPLAY_RECORD")
if record:
    with open(record, "w") as f:
        json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "pid": os.getpid()}, f)
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
