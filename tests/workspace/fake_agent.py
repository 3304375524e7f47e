"""A scripted agent CLI speaking Claude Code's ``stream-json``: it edits files in its working
directory (the task's worktree) as its script says, turn by turn.

Run as ``fake_agent.py -p PROMPT --output-format stream-json --verbose [--resume SID]``.
``FAKE_AGENT_SCRIPT`` is a JSON file: ``{"MARKER": [turn, turn, ...]}``; the script of the
first marker found in the prompt is played (a resumed session remembers its marker), one
turn per run of the same session (a run with ``--resume SID`` plays the session's next
turn). A turn may:

- ``write``: ``{path: content}`` files to write (folders made);
- ``replace``: ``[[path, old, new], ...]`` text to replace in files;
- ``mark``: a file to create once the edits are under way (a test waits for it), then
  ``hold``: a file whose existence ends the wait (a test kills the orchestrator meanwhile);
- ``say``: the answer's text;
- ``show``: paths whose content (before the edits) goes into the log.

On a consensus ballot it votes for the candidate whose text holds ``FAKE_AGENT_VOTE_FOR``
(no edits). Every run appends ``{"cwd", "prompt", "resume", "turn", "seen"}`` to ``FAKE_AGENT_LOG``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path


def _arg(flag: str) -> str | None:
    args = sys.argv[1:]
    return args[args.index(flag) + 1] if flag in args else None


BALLOT = re.compile(r"Candidate ([A-Z]+):\n<<<\n(.*?)\n>>>", re.DOTALL)


def _vote(prompt: str) -> str | None:
    """On a consensus ballot: a vote for the candidate holding ``FAKE_AGENT_VOTE_FOR``."""
    shown = dict(BALLOT.findall(prompt))
    wanted = os.environ.get("FAKE_AGENT_VOTE_FOR", "")
    if not shown or not wanted:
        return None
    pick = next((k for k, text in shown.items() if wanted in text), sorted(shown)[0])
    rest = [k for k in sorted(shown) if k != pick]
    return json.dumps({"choice": pick, "ranking": [pick, *rest], "rationale": "it is right"})


def main() -> int:
    prompt = _arg("-p") or ""
    vote = _vote(prompt)
    if vote is not None:
        print(json.dumps({"type": "system", "subtype": "init", "session_id": uuid.uuid4().hex}))
        print(
            json.dumps(
                {"type": "assistant", "message": {"content": [{"type": "text", "text": vote}]}}
            )
        )
        print(json.dumps({"type": "result", "subtype": "success", "result": vote, "usage": {}}))
        return 0
    resume = _arg("--resume")
    script = json.loads(Path(os.environ["FAKE_AGENT_SCRIPT"]).read_text())
    state = Path(os.environ["FAKE_AGENT_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    session = resume or uuid.uuid4().hex
    remembered = state / f"{session}.marker"  # a resumed session knows what it works on
    marker = next((m for m in script if m in prompt), None)
    if marker is None and remembered.exists():
        marker = remembered.read_text()
    elif marker is not None:
        remembered.write_text(marker)
    turns = script.get(marker, [{"say": "nothing to do"}]) if marker else [{"say": "no marker"}]
    counter = state / f"{session}.turns"
    turn = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(turn + 1))
    step = turns[min(turn, len(turns) - 1)]
    seen = {p: Path(p).read_text() for p in step.get("show", []) if Path(p).exists()}
    with open(os.environ["FAKE_AGENT_LOG"], "a") as log:
        log.write(json.dumps({"cwd": os.getcwd(), "prompt": prompt, "resume": resume,
                              "turn": turn, "marker": marker, "seen": seen}) + "\n")  # fmt: skip
    print(json.dumps({"type": "system", "subtype": "init", "session_id": session}), flush=True)
    for path, content in step.get("write", {}).items():
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    for path, old, new in step.get("replace", []):
        target = Path(path)
        target.write_text(target.read_text().replace(old, new))
    if "mark" in step:
        Path(step["mark"]).write_text(str(os.getpid()))
    if "hold" in step:
        while not Path(step["hold"]).exists():
            time.sleep(0.05)
    text = step.get("say", "done")
    message = {"content": [{"type": "text", "text": text}]}
    print(json.dumps({"type": "assistant", "message": message}), flush=True)
    usage = {"input_tokens": 100, "output_tokens": 20}
    result = {"type": "result", "subtype": "success", "result": text, "usage": usage,
              "total_cost_usd": 0.001}  # fmt: skip
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
