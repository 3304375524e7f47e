"""argparse types that check a value where it is given, with a message naming what is wanted."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["port", "port_or_zero", "task_id"]


def _port(lowest: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = -1
        if not lowest <= value <= 65535:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a port: expected a whole number from {lowest} to 65535"
            )
        return value

    parse.__name__ = "port"
    return parse


port = _port(1)
"""A TCP port, 1-65535."""
port_or_zero = _port(0)
"""A TCP port, or 0 for any free one."""


def task_id(text: str) -> int:
    """A task id as the screens show it: ``7`` or ``#7``."""
    digits = text.strip().removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a task id: expected a number like 7")
    return int(digits)
