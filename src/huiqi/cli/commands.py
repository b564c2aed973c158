"""Registers every sub-command module. A module that does not exist yet is simply skipped."""

from __future__ import annotations

import importlib

import typer

# (module, attribute, sub-command name or None for top-level commands added by `register(app)`)
MODULES = [
    "huiqi.cli.policy_cmd",
    "huiqi.cli.import_cmd",
    "huiqi.cli.match_cmd",
    "huiqi.cli.demo_cmd",
    "huiqi.cli.calendar_cmd",
    "huiqi.cli.serve_cmd",
    "huiqi.cli.demo_steps",
    "huiqi.cli.user_cmd",
    "huiqi.cli.notify_cmd",
    "huiqi.cli.appeals_cmd",
    "huiqi.cli.grants_cmd",
    "huiqi.cli.report_cmd",
    "huiqi.cli.audit_cmd",
    "huiqi.cli.knowledge_cmd",
    "huiqi.cli.liaison_cmd",
    "huiqi.cli.supervision_cmd",
    "huiqi.cli.ratings_cmd",
    "huiqi.cli.projects_cmd",
    "huiqi.cli.security_cmd",
    "huiqi.cli.insights_cmd",
]


# A command whose module is known is registered alone when it is the one run: `huiqi match`
# on a large file should not first import every domain (seconds of start-up).
ALONE = {"match": "huiqi.cli.match_cmd", "explain": "huiqi.cli.match_cmd"}


def register(app: typer.Typer, command: str | None = None) -> None:
    alone = ALONE.get(command or "")
    for name in [alone] if alone else MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)
