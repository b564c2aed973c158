"""`huiqi` command line. Each domain contributes a sub-command module; this file only wires them."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="惠企 Huiqi — 政策即代码、匹配、兑现与诉求闭环")


def _register() -> None:
    from huiqi.cli import commands

    # run as the `huiqi` script: only the command asked for is imported when that is enough
    run = Path(sys.argv[0]).stem in ("huiqi", "main") and len(sys.argv) > 1
    commands.register(app, sys.argv[1] if run else None)


_register()

if __name__ == "__main__":
    app()
