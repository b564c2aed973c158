"""Who a command acts as (the office, or the system), named after the login running it (for
audit rows)."""

from __future__ import annotations

import getpass

from huiqi.auth.actor import Actor
from huiqi.models.user import Role


def _login() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"cli:{who}"[:64]


def office_actor() -> Actor:
    return Actor(None, _login(), "营商办（命令行）", Role.OFFICE, via="cli")


def system_actor() -> Actor:
    """The system itself (account and key administration from the command line)."""
    return Actor.system(_login(), via="cli")
