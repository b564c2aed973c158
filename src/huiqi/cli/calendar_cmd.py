"""`huiqi calendar`: working-day arithmetic on the Chinese calendar (调休 included)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
import yaml

from huiqi.kit.errors import ValidationFailed
from huiqi.kit.workdays import HolidayOverrides, add_workdays, provisional_note

_HINT = "--overrides"
calendar_app = typer.Typer(no_args_is_help=True, help="工作日计算（按国务院节假日安排，含调休）")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"「{value}」不是有效日期，应为 YYYY-MM-DD，例如 2025-09-26", param_hint="DATE"
        ) from None


def _load_overrides(path: Path | None) -> HolidayOverrides | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"无法读取 {path}：{exc.strerror}", param_hint=_HINT) from None
    try:
        # BaseLoader builds only str/list/dict (no objects, so safe) and keeps dates as text,
        # so a bad date reaches our own, clearer message.
        data = yaml.load(text, Loader=yaml.BaseLoader) or {}  # noqa: S506
        if not isinstance(data, dict):
            raise ValidationFailed("应为 holidays / workdays 两个日期列表")
        return HolidayOverrides.from_mapping(data)
    except yaml.YAMLError as exc:
        raise typer.BadParameter(f"{path} 不是有效的 YAML：{exc}", param_hint=_HINT) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise typer.BadParameter(f"{path} 嵌套层级过深，应为两个日期列表",
                                 param_hint=_HINT) from None
    except ValidationFailed as exc:
        raise typer.BadParameter(f"{path}：{exc.message}", param_hint=_HINT) from None


@calendar_app.command("add-workdays")
def add_workdays_cmd(
    start: str = typer.Argument(..., metavar="DATE", help="起算日期，如 2025-09-26"),
    n: int = typer.Argument(..., metavar="N", min=0, help="工作日数，从下一个工作日起算"),
    overrides: Path | None = typer.Option(
        None, "--overrides", help="人工维护的节假日 YAML：holidays: [...]，workdays: [...]"
    ),
) -> None:
    """打印 DATE 之后第 N 个工作日（ISO 日期）；尚无国务院放假安排的年份标注「（暂定）」。"""
    begin = _parse_date(start)
    due = add_workdays(begin, n, _load_overrides(overrides))
    note = provisional_note(begin, due)
    typer.echo(due.isoformat() + ("（暂定）" if note else ""))
    if note:
        typer.echo(note, err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
