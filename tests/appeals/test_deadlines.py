"""Appeal deadlines: Beijing-time dates, 调休, extension, clock colours."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from huiqi.appeals.deadlines import (
    SHANGHAI,
    CategoryRule,
    ClockColour,
    clock,
    compute_deadlines,
    deadline_end,
    extend_resolve_due,
    local_date,
    met_deadline,
)
from huiqi.kit.errors import ValidationFailed

D = date.fromisoformat
RULE = CategoryRule(sign_within_workdays=1, resolve_within_workdays=5)


def bj(text: str) -> datetime:
    """A Beijing wall-clock time, as the UTC timestamp we would store."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def test_deadlines_count_working_days_from_the_dispatch_date() -> None:
    # Fri 09-26; Sun 09-28 is a 调休 workday: sign by 09-28; resolve 28, 29, 30, 10-09, 10-10.
    dues = compute_deadlines(bj("2025-09-26 10:00"), RULE)
    assert (dues.sign_due, dues.resolve_due) == (D("2025-09-28"), D("2025-10-10"))


def test_the_dispatch_date_is_the_beijing_date() -> None:
    # 2025-09-28 16:30 UTC is Monday 09-29 00:30 in Beijing: the clock starts on Monday.
    dispatched = datetime(2025, 9, 28, 16, 30, tzinfo=UTC)
    assert local_date(dispatched) == D("2025-09-29")
    assert compute_deadlines(dispatched, RULE).sign_due == D("2025-09-30")
    # Had we used the UTC date (Sun 09-28, a workday) the due date would be 09-29.


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2025, 9, 26, 10, 0))


def test_extension_adds_working_days_to_the_current_due_date() -> None:
    assert extend_resolve_due(D("2025-09-30"), 2) == D("2025-10-10")
    with pytest.raises(ValidationFailed):
        extend_resolve_due(D("2025-09-30"), 0)


def test_rule_limits_are_checked() -> None:
    with pytest.raises(ValidationFailed, match="办结时限不能短于签收时限"):
        CategoryRule(sign_within_workdays=3, resolve_within_workdays=2)


def test_a_due_date_ends_at_midnight_beijing_time() -> None:
    assert deadline_end(D("2025-10-09")) == datetime(2025, 10, 9, 16, 0, tzinfo=UTC)
    assert met_deadline(bj("2025-10-09 23:59:59"), D("2025-10-09"))
    assert not met_deadline(bj("2025-10-10 00:00"), D("2025-10-09"))


@pytest.mark.parametrize(
    ("now", "colour", "left", "label"),
    [
        ("2025-09-29 09:00", ClockColour.GREEN, 2, "剩余2个工作日"),  # 09-30, 10-09
        ("2025-09-30 09:00", ClockColour.YELLOW, 1, "剩余1个工作日"),
        ("2025-10-05 09:00", ClockColour.YELLOW, 1, "剩余1个工作日"),  # holiday week
        ("2025-10-09 23:59", ClockColour.YELLOW, 0, "今日到期"),
        ("2025-10-10 00:01", ClockColour.RED, -1, "已超期1个工作日"),
        ("2025-10-11 12:00", ClockColour.RED, -2, "已超期2个工作日"),  # Sat 10-11 is 调休
    ],
)
def test_clock_colours(now: str, colour: ClockColour, left: int, label: str) -> None:
    c = clock(bj(now), D("2025-10-09"))
    assert (c.colour, c.remaining_workdays, c.label) == (colour, left, label)


def test_overdue_over_a_weekend_is_still_red() -> None:
    # Due Fri 10-17; on Sat 10-18 no working day has passed, but the deadline has.
    c = clock(bj("2025-10-18 10:00"), D("2025-10-17"))
    assert (c.colour, c.remaining_workdays, c.label) == (ClockColour.RED, 0, "已超期")


def test_a_finished_step_shows_whether_it_was_in_time() -> None:
    due = D("2025-10-09")
    on_time = clock(bj("2025-10-20 09:00"), due, done_at=bj("2025-10-09 18:00"))
    assert (on_time.colour, on_time.label) == (ClockColour.GREEN, "按时完成")
    late = clock(bj("2025-10-20 09:00"), due, done_at=bj("2025-10-10 09:00"))
    assert (late.colour, late.label) == (ClockColour.RED, "超期1个工作日完成")
