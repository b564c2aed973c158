"""`huiqi` command line. Each domain contributes a sub-command module; this file only wires them."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="惠企 Huiqi — 政策即代码、匹配、兑现与诉求闭环")


def _register() -> None:
    from huiqi.cli import commands

    commands.register(app)  # policy items: each engine's own (policies.service.items)


_register()

if __name__ == "__main__":
    app()
