"""Run an agent CLI as a subprocess in its headless JSON mode and stream its events.

The CLI runs in the task's working directory (``cli.workdir``), in its own session
(``start_new_session``) so that a cancel or a timeout kills its whole process group: SIGTERM,
``kill_grace_seconds``, then SIGKILL. stderr goes to ``<log dir>/<provider>-cli.log`` with
any stdout line that is not JSON (CLIs print banners and warnings); unknown event types are
ignored by the dialects. With ``swarm_mcp`` set, each run also gets the swarm's own MCP
server (``swarm-tui mcp-serve`` on the same ledger) in the CLI's MCP configuration, the way
its dialect knows (see :mod:`~swarm_tui.providers.cli.swarm_mcp`). A missing binary is final
(it will not appear by retrying); a CLI that dies, stalls or reports a failed run is
retryable. A session to resume that the CLI says is gone (before it produced anything) is
replaced by a new one, with a note in the log. A request's ``watch`` is told of each CLI
process (pid, group, start time) when it starts and once it has exited (the orchestrator
records it in the ledger: ``core/orphans.py`` stops one a killed orchestrator left running);
a watched CLI is held at a gate until its watch has been told, so that a CLI nobody recorded
never runs (``gate.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import IO

import psutil

from swarm_tui.config import ProviderConfig
from swarm_tui.domain.children import ChildProcess
from swarm_tui.domain.private_files import open_append
from swarm_tui.providers.base import ProviderError, StreamEvent, StreamRequest
from swarm_tui.providers.cli.dialect import Dialect, cli_error
from swarm_tui.providers.cli.gate import Gate, find_program
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer

__all__ = ["CLIProvider"]

_LINE_LIMIT = 16 * 1024 * 1024


class CLIProvider:
    def __init__(
        self,
        name: str,
        config: ProviderConfig,
        dialect: Callable[[str], Dialect],
        *,
        log_dir: Path,
        swarm_mcp: SwarmServer | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.dialect = dialect
        self.log_path = log_dir / f"{name}-cli.log"
        self.running: set[asyncio.subprocess.Process] = set()
        self.swarm_mcp = swarm_mcp
        """The swarm's MCP server to add to every run (None: the CLI's own config only)."""

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for proc in list(self.running):
            await self._stop(proc)

    async def check(self) -> list[str]:
        binary = self.config.binary
        if shutil.which(binary) is None:
            return [f"{self.name}: {binary!r} is not on PATH (install it or set cli.binary)"]
        workdir = self._workdir(None)
        if not workdir.is_dir():
            return [f"{self.name}: workdir {workdir} is not a directory"]
        return self.dialect(self.name).problems(list(self.config.launch.args), self._env())

    def _workdir(self, requested: str | None) -> Path:
        raw = requested or self.config.launch.workdir
        return Path(os.path.expandvars(raw)).expanduser() if raw else Path.cwd()

    def _env(self) -> dict[str, str]:
        return {**os.environ, **self.config.launch.env}

    async def _spawn(
        self,
        argv: list[str],
        cwd: Path,
        log: IO[bytes],
        env: dict[str, str],
        gate: Gate | None = None,
    ) -> asyncio.subprocess.Process:
        """Start the CLI (``gate``: held at it until :meth:`Gate.open`)."""
        try:
            if gate is not None and not find_program(argv[0], cwd, env):
                raise FileNotFoundError(argv[0])
            return await asyncio.create_subprocess_exec(
                *(argv if gate is None else gate.argv(argv)),
                cwd=cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL if gate is None else gate.read_end,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                limit=_LINE_LIMIT,
            )
        except FileNotFoundError:
            raise ProviderError(
                f"{self.name}: cannot start {argv[0]!r} in {cwd}: not found"
                " (install the CLI, set cli.binary, or check cli.workdir)",
                retryable=False,
                kind="not_found",
            ) from None
        except OSError as exc:
            message = f"cannot start {argv[0]!r}: {exc}"
            raise cli_error(self.name, message, retryable=False) from None

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        lost: list[str] = []
        started = False
        try:
            async for event in self._run(request, lost):
                started = True
                yield event
            return
        except ProviderError:
            if not (request.resume and lost and not started):
                raise
        # The CLI no longer has the session (cleaned up, another machine or directory):
        # start a new one rather than fail every retry on the same id.
        with self.log_path.open("ab") as log:
            note = f"[swarm-tui] session {request.resume} is gone ({lost[0]}): starting a new one"
            log.write(note.encode() + b"\n")
        async for event in self._run(replace(request, resume=None), []):
            yield event

    async def _run(self, request: StreamRequest, lost: list[str]) -> AsyncIterator[StreamEvent]:
        """One run of the CLI; when it fails after saying (on stderr) that the session to
        resume does not exist, what it said is put in ``lost``."""
        launch = self.config.launch
        dialect = self.dialect(self.name)
        scratch = Path(tempfile.mkdtemp(prefix=f"swarm-{self.name}-"))
        env = self._env()
        hookup = Hookup()
        if self.swarm_mcp is not None:
            try:
                hookup = dialect.swarm_hookup(self.swarm_mcp, scratch, env)
            except OSError as exc:  # the run goes ahead without it, and the log says why
                hookup = Hookup(note=f"swarm MCP server not added: {exc}")
            env.update(hookup.env)
        extra = [*dialect.launch_args(request, list(launch.args), env), *hookup.args, *launch.args]
        argv = dialect.argv(self.config.binary, request, extra, scratch)
        with open_append(self.log_path, binary=True) as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {argv[0]}\n".encode())
            if hookup.note:
                log.write(f"[swarm-tui] {hookup.note}\n".encode())
            log.flush()
            errors_from = log.tell()
            # a watched CLI is held until its record is written (see providers/cli/gate.py)
            gate = Gate() if request.watch is not None else None
            try:
                proc = await self._spawn(argv, self._workdir(request.workdir), log, env, gate)
            except BaseException:
                if gate is not None:
                    gate.close()
                raise
            self.running.add(proc)
            child = _identify(proc.pid, argv[0]) if request.watch is not None else None
            try:
                if gate is not None:
                    gate.started()
                if child is not None and request.watch is not None:
                    try:
                        await request.watch.started(child)
                    except Exception as exc:  # never a CLI that no one recorded: not run
                        message = f"the CLI was not run: its record could not be written ({exc})"
                        raise cli_error(self.name, message) from None
                if gate is not None:
                    gate.open()
                assert proc.stdout is not None
                deadline = time.monotonic() + launch.timeout_seconds
                while True:
                    line = await self._readline(proc.stdout, deadline)
                    if not line:
                        break
                    obj = _decode(line)
                    if obj is None:
                        log.write(b"[stdout, not JSON] " + line.rstrip(b"\n") + b"\n")
                        log.flush()
                        continue
                    for event in dialect.feed(obj):
                        yield event
                code = await proc.wait()
                for event in dialect.finish(code, scratch):
                    yield event
            except ProviderError:
                if request.resume:
                    lost += _lost_session(self.log_path, errors_from)
                raise
            finally:
                if gate is not None:
                    gate.close()  # not opened (cancelled while recording): it ends unrun
                await self._stop(proc)
                shutil.rmtree(scratch, ignore_errors=True)
                if child is not None and request.watch is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.shield(request.watch.ended(child))

    async def _readline(self, stdout: asyncio.StreamReader, deadline: float) -> bytes:
        launch = self.config.launch
        left = deadline - time.monotonic()
        wait = min(launch.idle_timeout_seconds, max(0.0, left))
        try:
            return await asyncio.wait_for(stdout.readline(), wait)
        except TimeoutError:
            what = (
                f"ran longer than {launch.timeout_seconds:g}s"
                if left <= launch.idle_timeout_seconds
                else f"was silent for {launch.idle_timeout_seconds:g}s"
            )
            raise cli_error(self.name, f"the CLI {what}; its process group was killed") from None
        except ValueError:  # a line longer than the limit
            raise cli_error(self.name, "the CLI wrote a line over 16 MiB") from None

    async def _stop(self, proc: asyncio.subprocess.Process) -> None:
        """SIGTERM the process group, wait the grace period, then SIGKILL it."""
        self.running.discard(proc)
        pgid = proc.pid  # start_new_session: the group id is the leader's pid
        if proc.returncode is None:
            _signal_group(pgid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.shield(
                    asyncio.wait_for(proc.wait(), self.config.launch.kill_grace_seconds)
                )
        _signal_group(pgid, signal.SIGKILL)  # stragglers the CLI left behind
        if proc.returncode is None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(proc.wait())


def _identify(pid: int, program: str) -> ChildProcess | None:
    """The started CLI as its watch records it (None: it is already gone)."""
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        return None
    return ChildProcess(pid, pid, started, Path(program).name)  # its own session: pgid = pid


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


_LOST = re.compile(
    r"no conversation found|no saved session found|no rollout found|no previous sessions"
    r" found|invalid session"
    r" identifier|no session, task, or name matched",
    re.IGNORECASE,
)
"""How Claude Code, Qwen Code, Codex, Gemini CLI and Copilot say a session to resume is not
there (on stderr)."""


def _lost_session(log_path: Path, start: int) -> list[str]:
    try:
        with log_path.open("rb") as f:
            f.seek(start)
            text = f.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return []
    match = _LOST.search(text)
    return [text[match.start() :].splitlines()[0][:200]] if match else []


def _decode(line: bytes) -> dict[str, object] | None:
    text = line.decode("utf-8", errors="replace").strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return None
    return value if isinstance(value, dict) else None
