"""``mcp-serve --http PORT``: the swarm's MCP server over streamable HTTP, for local clients.

Every request must carry ``Authorization: Bearer <token>`` (checked in constant time; the
token is per ledger, see :mod:`swarm_tui.mcp.serve_token`): another local user can reach a
loopback port too, and would otherwise run tasks on the owner's keys and read their results
and memory. The SDK's Host/Origin checks stay on (a page that rebinds a name to 127.0.0.1
gets 421/403 before the token is even looked at). A non-loopback address is refused without
a token. The socket is bound here, before the server starts, so a port in use is one clear
message rather than a server log.
"""

from __future__ import annotations

import errno
import hmac
import logging
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import psutil
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from swarm_tui.hw.probe import check_bind, is_loopback

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "BearerAuth",
    "BindError",
    "allowed_hosts",
    "bearer_ok",
    "bind_socket",
    "serve_http",
]

_LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
_IP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class BindError(Exception):
    """The address cannot be listened on; the message says which and why."""


def bearer_ok(header: str, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (constant-time compare)."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


class BearerAuth:
    """ASGI middleware: HTTP requests without the bearer token get 401 and go no further."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("authorization", "")
            if not bearer_ok(header, self.token):
                response = JSONResponse(
                    {
                        "error": "invalid_token",
                        "error_description": "bearer token required (see mcp-serve's output"
                        " for where it is kept)",
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="swarm-tui"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; :class:`BindError` with the reason otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BindError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            why = "it is in use (another program listens there); pick another --http PORT"
        elif exc.errno == errno.EACCES:
            why = "not allowed (ports below 1024 need privileges)"
        elif exc.errno == errno.EADDRNOTAVAIL:
            why = f"{host} is not an address of this machine"
        else:
            why = exc.strerror or str(exc)
        raise BindError(f"cannot listen on {host} port {port}: {why}") from None
    return sock


def _this_host_names() -> set[str]:
    """Names and addresses other machines may use for this one (a non-loopback bind)."""
    names = {socket.gethostname(), socket.getfqdn()}
    for addresses in psutil.net_if_addrs().values():
        names |= {a.address.partition("%")[0] for a in addresses if a.family in _IP_FAMILIES}
    return names


def allowed_hosts(host: str, extra: Sequence[str] = ()) -> list[str]:
    """``Host`` patterns answered: loopback names, the bound address, ``extra`` names and,
    when bound beyond loopback, this machine's own names and addresses (any port)."""
    names = {host, *extra} | (set() if is_loopback(host) else _this_host_names())
    hosts = list(_LOOPBACK_HOSTS)
    for name in sorted(n for n in names if n):
        pattern = f"[{name}]:*" if ":" in name else f"{name}:*"
        if pattern not in hosts:
            hosts.append(pattern)
    return hosts


def _security(hosts: list[str]) -> TransportSecuritySettings:
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h[:-2]}:*" for h in hosts],
    )


async def serve_http(
    server: MCPServer, host: str, port: int, token: str, where: str, extra_hosts: Sequence[str] = ()
) -> int:
    """Serve until stopped (SIGINT/SIGTERM); 0, or 2 with one message if it cannot listen.
    ``extra_hosts``: more names the ``Host`` header may give (``--allow-host``)."""
    import uvicorn

    check_bind(host, token)
    try:
        sock = bind_socket(host, port)
    except BindError as exc:
        print(f"swarm-tui mcp-serve: {exc}", file=sys.stderr)
        return 2
    hosts = allowed_hosts(host, extra_hosts)
    app = server.streamable_http_app(host=host, transport_security=_security(hosts))
    shown = f"[{host}]" if ":" in host else host
    print(
        f"swarm-tui mcp-serve: http://{shown}:{port}/mcp; clients send"
        f" 'Authorization: Bearer <token>', the token is in {where}",
        file=sys.stderr,
        flush=True,
    )
    # The SDK and uvicorn log every start, session and request at INFO: keep warnings only.
    logging.getLogger("mcp").setLevel(logging.WARNING)
    if not is_loopback(host):
        print(
            f"swarm-tui mcp-serve: note: {host} is reachable from the network over plain HTTP;"
            " the token and all traffic can be read on the way (put TLS in front of it)",
            file=sys.stderr,
        )
    config = uvicorn.Config(BearerAuth(app, token), log_level="warning", access_log=False)
    try:
        await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        sock.close()
    return 0
