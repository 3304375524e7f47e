"""``[notify]``: telling a person when the swarm needs them or goes wrong (votes, approvals,
budget stops, agents behind open breakers, tasks failing again and again, the queue drained):
push notifications through apprise URLs, and the control room's terminal title.

A URL often carries a token (a Telegram bot key, a Slack webhook, an ntfy password), so the
config file names secrets instead of holding them: ``${VAR}`` in a URL is read from the
environment when a run starts, and ``urls_env`` names a variable that holds whole URLs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from swarm_tui.config.base import ENV_NAME, Strict, check_env_name
from swarm_tui.config.errors import config_problems, looks_like_secret

__all__ = ["EVENTS", "REFERENCE", "NotifyConfig", "NotifyEvent"]

NotifyEvent = Literal["vote", "approval", "budget", "breakers", "failing", "drained"]
EVENTS: tuple[NotifyEvent, ...] = ("vote", "approval", "budget", "breakers", "failing", "drained")
REFERENCE = re.compile(r"\$\{([^{}]*)\}")
"""``${VAR}`` in a URL: the value of the environment variable ``VAR``."""


class NotifyConfig(Strict):
    """Push notifications (apprise) and the control room's bell and title."""

    urls: list[str] = Field(default_factory=list)
    """Apprise URLs to notify (``ntfy://``, ``json://``, ``mailto://``, ``tgram://``,
    ``slack://``...). Write a token or password as ``${VAR}``: it is read from the
    environment when the run starts; a literal key or ``user:password@`` is refused."""
    urls_env: str | None = "SWARM_TUI_NOTIFY_URLS"
    """Environment variable holding more URLs (separated by spaces, commas or new lines), so
    a URL full of secrets stays out of the file. Unset or empty: none from there."""
    events: list[NotifyEvent] = Field(default_factory=lambda: list(EVENTS))
    """What is worth telling: ``vote`` (a consensus waits for you), ``approval`` (a tool call
    waits), ``budget`` (a budget stop), ``breakers`` (every model of an agent behind an open
    breaker), ``failing`` (a task failed ``failing_after`` times), ``drained`` (nothing left
    to run)."""
    window_seconds: Annotated[float, Field(gt=0)] = 300.0
    """At most one notification per window: what comes within it is folded into one digest
    sent when the window ends; the same thing again within it is not repeated."""
    failing_after: Annotated[int, Field(ge=1)] = 3
    """Failed attempts of one task before it counts as failing again and again."""
    title: bool = True
    """Set the terminal title of the control room to what waits ("swarm-tui: 1 vote
    waits"). The bell is ``[ui] bell``."""

    @field_validator("urls")
    @classmethod
    def _no_literal_secrets(cls, urls: list[str]) -> list[str]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for i, url in enumerate(urls):
            names = REFERENCE.findall(url)
            literal = REFERENCE.sub("", url)
            if any(not ENV_NAME.fullmatch(name) for name in names):
                problems.append(((i,), "a ${...} reference must name an environment variable"))
            elif "://" not in literal:
                problems.append(((i,), "must be an apprise URL such as ntfy://host/topic"))
            elif looks_like_secret(literal) or _literal_password(url):
                message = (
                    "holds a literal secret: write it as ${VAR} and set VAR in the environment"
                    " (the value given is not shown)"
                )
                problems.append(((i,), message))
        if problems:
            raise config_problems(problems)
        return urls

    @field_validator("urls_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        return check_env_name(v)


def _literal_password(url: str) -> bool:
    """``user:password@`` written out (a ``${VAR}`` password is fine)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return False
    return bool(password) and not REFERENCE.fullmatch(password or "")
