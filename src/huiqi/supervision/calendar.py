"""企业安静期 (seeds/004: the 1st–22nd of every month by default, office-configurable) and the
office's yearly limit of inspections per enterprise. An inspection on a quiet day needs one of
the exception categories and a reason; both are audited and shown in the 公示."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.workdays import HolidayOverrides, is_workday
from huiqi.models.supervision import SupervisionSettings
from huiqi.supervision import repository as repo
from huiqi.supervision.vocab import QUIET_EXCEPTIONS


@dataclass(frozen=True)
class Calendar:
    quiet_from: int = 1
    quiet_to: int = 22
    year_limit: int = 2

    def is_quiet(self, day: date) -> bool:
        return self.quiet_from <= day.day <= self.quiet_to

    @property
    def text(self) -> str:
        return f"每月 {self.quiet_from}–{self.quiet_to} 日"


def current(session: Session) -> Calendar:
    row = repo.settings_row(session)
    if row is None:
        return Calendar()
    return Calendar(row.quiet_from_day, row.quiet_to_day, row.year_limit)


def update(session: Session, actor: Actor, clock: Clock, quiet_from: int, quiet_to: int,
           year_limit: int) -> Calendar:
    if not 1 <= quiet_from <= quiet_to <= 31:
        raise ValidationFailed("安静期应为每月 1–31 日之间的连续日期，起始日不晚于结束日。")
    if not 1 <= year_limit <= 12:
        raise ValidationFailed("每家企业每年受检上限应在 1–12 次之间。")
    before = current(session)
    row = repo.settings_row(session) or SupervisionSettings(id=1)
    row.quiet_from_day, row.quiet_to_day, row.year_limit = quiet_from, quiet_to, year_limit
    row.updated_at = clock.now()
    session.add(row)
    audit.record(session, actor, "supervision.settings_update", ("sv_settings", 1),
                 before=before.__dict__, after={"quiet_from": quiet_from, "quiet_to": quiet_to,
                                                "year_limit": year_limit})
    session.flush()
    return current(session)


def check_exception(day: date | None, cal: Calendar, exception: str | None,
                    reason: str | None) -> None:
    """Refuse a quiet day without an exception and a reason (`day` None: a whole plan)."""
    if exception:
        if exception not in QUIET_EXCEPTIONS:
            raise ValidationFailed("安静期例外情形不在清单内。")
        if not (reason or "").strip():
            raise ValidationFailed("选择安静期例外情形时须填写具体理由。")
        return
    if day is not None and cal.is_quiet(day):
        raise ValidationFailed(
            f"{day.isoformat()} 在企业安静期（{cal.text}）内，原则上不开展执法检查；"
            "确需检查请选择例外情形并填写理由。")


def allowed_days(session: Session, start: date, end: date, cal: Calendar,
                 exception: str | None) -> list[date]:
    """Working days of the period an inspection may be scheduled on."""
    return working_days(start, end, cal, exception, repo.holiday_overrides(session))


def working_days(start: date, end: date, cal: Calendar, exception: str | None,
                 overrides: HolidayOverrides | None = None) -> list[date]:
    """Working days from start to end, quiet days only with an exception (pure)."""
    days, day = [], start
    while day <= end:
        if is_workday(day, overrides) and (exception or not cal.is_quiet(day)):
            days.append(day)
        day += timedelta(days=1)
    return days
