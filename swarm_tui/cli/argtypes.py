"""argparse types that check a value where it is given, with a message naming what is wanted."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["port", "port_or_zero"]


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
