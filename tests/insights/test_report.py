"""周报: its figures equal the ledgers for the same period (the grants ledgers' and the appeals
lists' own Excel files, and the rows put in); the week before gives 环比; the PDF renders the
Chinese headings with the font embedded; the Friday tick makes the week's report once and tells
the office; `huiqi report weekly` makes one for any period."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from huiqi.auth.actor import Actor
from huiqi.insights import report, report_service, tasks
from huiqi.insights.dashboard_public import reader
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification
from huiqi.models.user import User
from huiqi.models.weekly_report import WeeklyReport
from tests.fixtures.service_db import *  # noqa: F403 - engine: a fresh database per test
from tests.fixtures.web import *  # noqa: F403 - app, logged_in, make_user (module database)
from tests.insights import data

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def _office(engine: Engine) -> int:
    with unit_of_work(engine) as db:
        user = User(username=f"office-{datetime.now(UTC).timestamp()}", display_name="营商办",
                    role="office", password_hash="!")
        db.add(user)
        db.flush()
        return user.id


def test_figures_equal_what_was_put_in_and_the_week_before(engine: Engine) -> None:
    w = data.seed_weeks(engine)
    p = report.period(w.start, w.end)
    with unit_of_work(engine) as db:
        assert report.measure(db, reader(), p) == w.expected["this"]
        assert report.measure(db, reader(), p.previous()) == w.expected["previous"]
        content = report.build(db, reader(), p, NOW)
    by_key = {f["key"]: f for f in content["figures"]}
    assert by_key["grants_approved_amount"]["value"] == "6234.56"
    # 6234.56 against 300.00: +1978.2%
    assert by_key["grants_approved_amount"]["change"] == "+1978.2%"
    assert by_key["appeals_closed"]["change"] == "新增"
    assert by_key["grants_paid"]["change"] == "持平"
    assert len(content["new_appeals"]) == 3 and len(content["closed_appeals"]) == 2
    # overdue now: the appeal marked overdue (商务委), the application past its 容缺 date (财政局)
    overdue = {r["department"]: (r["appeals"], r["applications"]) for r in content["overdue"]}
    assert overdue == {"江北区商务委员会": (1, 0), "江北区财政局": (0, 1)}


@pytest.mark.parametrize(("now", "before", "expected"), [
    (Decimal(5), Decimal(4), "+25.0%"), (Decimal(3), Decimal(4), "-25.0%"),
    (Decimal(0), Decimal(0), "持平"), (Decimal(2), Decimal(0), "新增"),
    (Decimal("0.00"), Decimal("10.00"), "-100.0%")])
def test_week_on_week_change(now: Decimal, before: Decimal, expected: str) -> None:
    assert report.change(now, before) == expected


def test_a_period_must_be_sensible() -> None:
    with pytest.raises(Exception, match="不能早于"):
        report.period(date(2025, 5, 2), date(2025, 5, 1))
    with pytest.raises(Exception, match="最长"):
        report.period(date(2024, 1, 1), date(2025, 6, 1))
    assert report.week_before(date(2025, 5, 30)) == report.Period(date(2025, 5, 23),
                                                                  date(2025, 5, 29))


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                fd = desc.get_object().get("/FontDescriptor")
                if fd is not None and any(k in fd.get_object() for k in
                                          ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(desc.get_object()["/BaseFont"]))
    return names


def test_generate_stores_files_audits_and_notifies(engine: Engine) -> None:
    w = data.seed_weeks(engine)
    office = _office(engine)
    clock = FixedClock(NOW)
    with unit_of_work(engine) as db:
        row = report_service.generate(db, Actor.system("t"), clock, w.start, w.end)
        rid = row.id
    with unit_of_work(engine) as db:
        row = db.get(WeeklyReport, rid)
        assert row is not None and row.pdf.startswith(b"%PDF")
        text = _pdf_text(row.pdf)
        for heading in ("营商环境工作报告", "一、主要指标", "二、诉求办理质效", "三、超期事项",
                        "新增诉求", "江北区财政局", "6234.56"):
            assert heading in text, heading
        assert any("CJK" in f for f in _fonts(row.pdf)), _fonts(row.pdf)
        book = load_workbook(io.BytesIO(row.xlsx))
        summary = {r[0]: r[1:4] for r in book["周报"].iter_rows(min_row=4, values_only=True)
                   if r and r[0]}
        assert summary["批准金额"][0] == Decimal("6234.56") or \
            float(summary["批准金额"][0]) == 6234.56
        assert summary["新增诉求"][:2] == (3, 1)
        assert db.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == office, Notification.link == f"/insights/reports/{rid}")) == 1
        assert db.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "insights.report_generate",
            AuditLog.subject_id == str(rid))) == 1


def test_friday_tick_makes_the_week_once(engine: Engine) -> None:
    data.seed_weeks(engine)
    thursday = FixedClock(datetime(2025, 5, 29, 9, 0, tzinfo=UTC))
    friday = FixedClock(datetime(2025, 5, 30, 1, 0, tzinfo=UTC))  # 09:00 Beijing
    with unit_of_work(engine) as db:
        assert report_service.friday_due(db, thursday) is None
    with unit_of_work(engine) as db:
        first = tasks.tick(db, friday)
    with unit_of_work(engine) as db:
        again = tasks.tick(db, friday)
        rows = list(db.scalars(select(WeeklyReport)))
    assert first["weekly_report"] is not None and again["weekly_report"] is None
    assert [(r.kind, r.period_start, r.period_end) for r in rows] == [
        ("scheduled", date(2025, 5, 23), date(2025, 5, 29))]
    assert rows[0].figures["figures"][0]["value"] == "3"


def _sheet(content: bytes, header_row: int) -> list[dict[str, Any]]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[header_row - 1]
    return [dict(zip(header, r, strict=False)) for r in rows[header_row:] if any(r)]


def _in(text: str | None, start: date, end: date) -> bool:
    return bool(text) and start <= date.fromisoformat(str(text)[:10]) <= end


def test_report_equals_the_ledger_files(app: Any, app_engine: Engine, logged_in: Any) -> None:
    """The figures against the grants ledgers and the appeals lists as downloaded."""
    w = data.seed_weeks(app_engine)
    office = logged_in("office")
    apps = _sheet(office.get("/grants/ledgers/applications.xlsx").content, 4)
    grants = _sheet(office.get("/grants/ledgers/grants.xlsx").content, 4)
    problems = _sheet(office.get("/appeals/lists/problem.xlsx").content, 1)
    closures = _sheet(office.get("/appeals/lists/closure.xlsx").content, 1)
    with unit_of_work(app_engine) as db:
        got = report.measure(db, reader(), report.period(w.start, w.end))
    new_apps = [r for r in apps if _in(r["提交时间"], w.start, w.end)]
    approved = [r for r in grants if _in(r["批准时间"], w.start, w.end)]
    paid = [r for r in grants if _in(r["兑付时间"], w.start, w.end)]
    assert got["applications_new"] == len(new_apps)
    assert got["applications_estimated"] == sum(Decimal(str(r["测算金额（元）"])) for r in new_apps)
    assert got["grants_approved"] == len(approved)
    assert got["grants_approved_amount"] == sum(Decimal(str(r["金额（元）"])) for r in approved)
    assert got["grants_paid"] == len(paid)
    assert got["grants_paid_amount"] == sum(Decimal(str(r["金额（元）"])) for r in paid)
    assert got["appeals_new"] == sum(_in(r["提交时间"], w.start, w.end) for r in problems)
    assert got["appeals_closed"] == sum(_in(r["销号时间"], w.start, w.end) for r in closures)
    assert got["grants_approved"] > 0 and got["appeals_closed"] > 0


def test_pages_generate_and_download(app: Any, app_engine: Engine, logged_in: Any) -> None:
    office = logged_in("office")
    page = office.get("/insights/reports")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    made = office.post("/insights/reports", data={"csrf_token": token, "start": "2025-05-23",
                                                   "end": "2025-05-29"})
    assert made.status_code == 303
    url = made.headers["location"]
    assert "统计期 2025-05-23 至 2025-05-29" in office.get(url).text
    pdf = office.get(url + "/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "主要指标" in _pdf_text(pdf.content)
    assert office.get(url + "/report.xlsx").content[:2] == b"PK"
    bad = office.post("/insights/reports", data={"csrf_token": token, "start": "2025-05-29",
                                                  "end": "2025-05-01"})
    assert bad.status_code == 422 and "不能早于" in bad.text
    dept = logged_in("department")
    assert dept.get(url).status_code == 404 and dept.get(url + "/report.pdf").status_code == 404


def test_cli_weekly(app_engine: Engine, app_db_url: str, monkeypatch: pytest.MonkeyPatch,
                    tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from huiqi.cli.main import app as cli
    from huiqi.kit.settings import get_settings

    monkeypatch.setenv("HUIQI_DATABASE_URL", app_db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["report", "weekly", "--from", "2025-05-23", "--to",
                                          "2025-05-29", "--out", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "已生成" in result.output and "新增诉求" in result.output
    assert list(tmp_path.glob("*.pdf")) and list(tmp_path.glob("*.xlsx"))
    bad = CliRunner().invoke(cli, ["report", "weekly", "--from", "2025-13-01", "--to", "x"])
    assert bad.exit_code != 0
