"""Turning HTTP trouble into :class:`ProviderError` the same way for every HTTP provider.

Every message is passed through the provider's :class:`~swarm_tui.domain.redact.Redactor`
(the swarm's one rule set) before it leaves."""

from __future__ import annotations

import json
import re
import time
from email.utils import parsedate_to_datetime

import httpx

from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ProviderError

__all__ = [
    "body_message",
    "decode_object",
    "error_kind",
    "is_retryable_status",
    "parse_retry_after",
    "retry_info_delay",
    "status_error",
    "stream_error",
    "transport_error",
]

_RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
_MAX_TEXT = 500


def is_retryable_status(status: int) -> bool:
    """429, 529 and server errors may pass; other client errors will not."""
    return status in _RETRYABLE or status >= 500


_SPEND = ("insufficient_quota", "billing", "credit", "spend limit", "payment required")


def error_kind(status: int | None, message: str = "") -> str:
    """What a status (and the backend's words) mean for retrying: see ProviderError.kind."""
    text = message.lower()
    if status == 402 or any(word in text for word in _SPEND):
        return "spend_limit"
    if status in (401, 403) or ("api key" in text and ("invalid" in text or "not valid" in text)):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status == 529 or "overloaded" in text:
        return "overloaded"
    if status in (408, 504):
        return "timeout"
    if status == 404:
        return "not_found"
    if status is not None and status >= 500:
        return "server"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    return "server"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds (``"12"``, ``"1.5"`` or an HTTP date); None if absent/bad."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)s\s*")


def retry_info_delay(error: object) -> float | None:
    """The wait a Google API asks for in its error body (Gemini sends no Retry-After): the
    ``retryDelay`` of a ``google.rpc.RetryInfo`` entry in ``error.details``, a protobuf
    Duration in JSON (``"3s"``, ``"0.5s"``). ``error`` is the parsed body (an object, or the
    one-element list some Google endpoints send) or its inner ``error`` object."""
    if isinstance(error, list) and len(error) == 1:
        error = error[0]
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]
    details = error.get("details") if isinstance(error, dict) else None
    for item in details if isinstance(details, list) else []:
        if not isinstance(item, dict) or item.get("@type") != _RETRY_INFO:
            continue
        delay = item.get("retryDelay")
        match = _DURATION.fullmatch(delay) if isinstance(delay, str) else None
        if match is not None:
            return float(match.group(1))
    return None


def _body_delay(body: bytes) -> float | None:
    try:
        return retry_info_delay(json.loads(body))
    except (ValueError, RecursionError):
        return None


def _longest(*waits: float | None) -> float | None:
    given = [w for w in waits if w is not None]
    return max(given) if given else None


def body_message(body: bytes) -> str:
    """The backend's own error text from an error body (OpenAI, Ollama, FastAPI shapes)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:_MAX_TEXT]
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                inner = value.get("message")
                if isinstance(inner, str):
                    return inner[:_MAX_TEXT]
            elif isinstance(value, str):
                return value[:_MAX_TEXT]
    return text[:_MAX_TEXT]


def status_error(
    provider: str, response: httpx.Response, body: bytes, redact: Redactor
) -> ProviderError:
    """A non-2xx answer as a ProviderError carrying the backend's message."""
    status = response.status_code
    message = body_message(body) or response.reason_phrase or "no message"
    kind = error_kind(status, f"{message} {body[:2000].decode('utf-8', errors='replace')}")
    return ProviderError(
        redact(f"{provider}: HTTP {status}: {message}"),
        retryable=is_retryable_status(status) and kind not in ("spend_limit", "auth"),
        status=status,
        retry_after=_longest(
            parse_retry_after(response.headers.get("retry-after")), _body_delay(body)
        ),
        kind=kind,
    )


def transport_error(provider: str, exc: httpx.HTTPError, redact: Redactor) -> ProviderError:
    """Timeouts, refused connections and dropped streams: all worth another try."""
    kind = "network"
    if isinstance(exc, httpx.TimeoutException):
        kind = "timeout"
        what = {
            httpx.ConnectTimeout: "connecting timed out",
            httpx.ReadTimeout: "timed out waiting for the reply",
            httpx.WriteTimeout: "timed out sending the request",
            httpx.PoolTimeout: "timed out waiting for a free connection",
        }.get(type(exc), "timed out")
    elif isinstance(exc, httpx.ConnectError):
        what = f"cannot connect ({exc or 'refused'})"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        kind = "cut"
        what = f"stream cut: the connection dropped mid-reply ({exc or type(exc).__name__})"
    else:
        what = f"{type(exc).__name__}: {exc}"
    return ProviderError(redact(f"{provider}: {what}"), retryable=True, kind=kind)


def decode_object(provider: str, text: str, redact: Redactor) -> dict[str, object]:
    """One streamed JSON object, or a clear ProviderError quoting (a bit of) the bad line."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else "undecodable"
        why = "nested too deeply" if isinstance(exc, RecursionError) else why
        shown = text if len(text) <= 120 else text[:120] + "..."
        raise ProviderError(
            redact(f"{provider}: the stream sent a line that is not JSON ({why}): {shown!r}"),
            retryable=True,
            kind="malformed",
        ) from None
    if not isinstance(data, dict):
        raise ProviderError(
            redact(f"{provider}: the stream sent {type(data).__name__}, expected a JSON object"),
            retryable=True,
            kind="malformed",
        )
    return data


def stream_error(provider: str, error: object, redact: Redactor) -> ProviderError:
    """An ``{"error": ...}`` object that arrived inside a 200 stream."""
    message: object = error
    status: int | None = None
    if isinstance(error, dict):
        message = error.get("message") or error.get("type") or json.dumps(error)[:_MAX_TEXT]
        code = error.get("code")
        if isinstance(code, int) and 100 <= code <= 599:
            status = code
        if status is None and isinstance(error.get("type"), str):
            status = _TYPE_STATUS.get(str(error["type"]))
    kind = error_kind(
        status, f"{message} {error.get('type', '') if isinstance(error, dict) else ''}"
    )
    retryable = (True if status is None else is_retryable_status(status)) and kind not in (
        "spend_limit",
        "auth",
    )
    return ProviderError(
        redact(f"{provider}: error in the stream: {message}"),
        retryable=retryable,
        status=status,
        retry_after=retry_info_delay(error),
        kind=kind,
    )


_TYPE_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
"""Anthropic's (and OpenAI's) error ``type`` names as the HTTP status they stand for."""
