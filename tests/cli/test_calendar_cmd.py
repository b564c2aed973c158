"""`huiqi calendar add-workdays` through the real entry point."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from huiqi.cli.main import app

runner = CliRunner()


def flat(text: str) -> str:
    """Error text without rich's panel borders and line wrapping."""
    return "".join(text.replace("│", "").split())


def test_add_workdays_prints_the_iso_due_date() -> None:
    result = runner.invoke(app, ["calendar", "add-workdays", "2025-09-30", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2025-10-09"
    assert result.stderr == ""


def test_a_provisional_year_is_marked_and_explained() -> None:
    # 2027-01-01 is 元旦 by the 办法; the State Council's 2027 notice is not in the library yet.
    result = runner.invoke(app, ["calendar", "add-workdays", "2026-12-31", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2027-01-04（暂定）"
    assert "暂定：2027年国务院放假安排尚未收录" in flat(result.stderr)
    assert "《全国年节及纪念日放假办法》" in flat(result.stderr)


def test_an_official_year_is_not_marked() -> None:
    result = runner.invoke(app, ["calendar", "add-workdays", "2026-12-30", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-12-31"
    assert result.stderr == ""


def test_overrides_file_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: [2027-01-01]\nworkdays: []\n", encoding="utf-8")
    result = runner.invoke(
        app, ["calendar", "add-workdays", "2026-12-31", "1", "--overrides", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2027-01-04（暂定）"


def test_bad_date_gives_a_clear_error() -> None:
    result = runner.invoke(app, ["calendar", "add-workdays", "2025-02-30", "1"])
    assert result.exit_code == 2
    assert "「2025-02-30」不是有效日期，应为YYYY-MM-DD" in flat(result.stderr)


def test_negative_count_is_refused() -> None:
    result = runner.invoke(app, ["calendar", "add-workdays", "2025-09-30", "--", "-1"])
    assert result.exit_code == 2


def test_bad_overrides_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: [2027-01-32]\n", encoding="utf-8")
    result = runner.invoke(
        app, ["calendar", "add-workdays", "2026-12-31", "1", "--overrides", str(path)]
    )
    assert result.exit_code == 2
    assert "holidays.yaml：holidays中的「2027-01-32」不是有效日期" in flat(result.stderr)


def test_missing_overrides_file_is_reported(tmp_path: Path) -> None:
    missing = str(tmp_path / "x.yaml")
    args = ["calendar", "add-workdays", "2026-12-31", "1", "--overrides", missing]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "无法读取" in flat(result.stderr)


def test_deeply_nested_overrides_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["calendar", "add-workdays", "2026-12-31", "1", "--overrides", str(path)]
    )
    assert result.exit_code == 2
    assert "嵌套层级过深" in flat(result.stderr)
