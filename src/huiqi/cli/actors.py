"""Who a command acts as: the office, named after the login running it (for audit rows)."""

from __future__ import annotations

import getpass

from huiqi.auth.actor import Actor
from huiqi.models.user import Role


def office_actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(None, f"cli:{who}"[:64], "营商办（命令行）", Role.OFFICE, via="cli")
