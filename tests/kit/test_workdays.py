"""Working days on the Chinese calendar: hand-checked 调休 cases, fallback years, properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.kit.errors import ValidationFailed
from huiqi.kit.workdays import (
    HolidayOverrides,
    add_workdays,
    calendar_coverage,
    coverage_note,
    fallback_years,
    is_workday,
    remaining_workdays,
    workdays_between,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Fri; Sat 27 off, Sun 28 is a 调休 workday (1), Mon 29 (2), Tue 30 (3).
        ("2025-09-26", 3, "2025-09-30"),
        # National Day + Mid-Autumn: 10-01..10-08 off.
        ("2025-09-30", 1, "2025-10-09"),
        # Thu 10-09 (1), Fri 10-10 (2), Sat 10-11 is a 调休 workday (3).
        ("2025-09-30", 3, "2025-10-11"),
        # Spring Festival 2025: Sun 01-26 worked, 01-28..02-04 off, Sat 02-08 worked.
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-26", 1, "2025-01-27"),
        ("2025-01-27", 1, "2025-02-05"),
        ("2025-02-07", 1, "2025-02-08"),
        ("2025-01-24", 5, "2025-02-07"),  # 26, 27, 02-05, 02-06, 02-07
        ("2025-09-26", 0, "2025-09-26"),
    ],
)
def test_add_workdays_follows_the_state_council_arrangement(start: str, n: int, due: str) -> None:
    assert add_workdays(D(start), n) == D(due)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-01-26", True),  # Sunday, 调休
        ("2025-02-08", True),  # Saturday, 调休
        ("2025-01-28", False),
        ("2025-02-04", False),  # Tuesday, still holiday
        ("2025-02-05", True),
        ("2025-02-09", False),  # ordinary Sunday
    ],
)
def test_is_workday_spring_festival_2025(day: str, expected: bool) -> None:
    assert is_workday(D(day)) is expected


def test_coverage_library_then_fallback() -> None:
    assert calendar_coverage(2025) == "library"
    assert calendar_coverage(2026) == "library"
    assert calendar_coverage(2027) == "fallback"
    assert calendar_coverage(1999) == "fallback"
    assert coverage_note(2025) is None
    note = coverage_note(2027)
    assert note is not None and note.startswith("暂定：2027年国务院放假安排尚未收录")
    assert "《全国年节及纪念日放假办法》" in note
    assert fallback_years(D("2026-12-30"), D("2027-01-05")) == [2027]
    assert fallback_years(D("2025-01-01"), D("2026-12-31")) == []


def test_fallback_applies_the_statutory_holidays_with_office_overrides_winning() -> None:
    # 2027-01-01 (Friday) is 元旦 by the 办法, although no notice for 2027 is in the library.
    assert D("2027-01-01").weekday() == 4
    assert not is_workday(D("2027-01-01"))
    assert add_workdays(D("2026-12-31"), 1) == D("2027-01-04")
    # The office's own entries still win: it opens on Sat 01-02 and keeps 01-01 closed.
    office = HolidayOverrides.of(holidays=[D("2027-01-01")], workdays=[D("2027-01-02")])
    assert add_workdays(D("2026-12-31"), 1, office) == D("2027-01-02")
    assert add_workdays(D("2026-12-31"), 2, office) == D("2027-01-04")
    # …and can open a statutory day (say the notice, once out, swaps it) before the library knows.
    assert add_workdays(D("2026-12-31"), 1, HolidayOverrides.of(workdays=[D("2027-01-01")])) \
        == D("2027-01-01")


def test_overrides_also_correct_covered_years() -> None:
    # The office closes on Mon 2025-09-29 (say, a local emergency) and works Sat 2025-09-27.
    office = HolidayOverrides.of(holidays=[D("2025-09-29")], workdays=[D("2025-09-27")])
    assert add_workdays(D("2025-09-26"), 3, office) == D("2025-09-30")  # 27, 28, 30
    assert add_workdays(D("2025-09-26"), 2, office) == D("2025-09-28")
    assert not is_workday(D("2025-09-29"), office)
    assert is_workday(D("2025-09-29"))


def test_overrides_reject_a_date_marked_both_ways() -> None:
    with pytest.raises(ValidationFailed, match="2027-01-01"):
        HolidayOverrides.of(holidays=[D("2027-01-01")], workdays=[D("2027-01-01")])


def test_overrides_from_mapping_gives_clear_messages() -> None:
    ov = HolidayOverrides.from_mapping({"holidays": ["2027-01-01"], "workdays": [D("2027-02-06")]})
    assert ov.holidays == {D("2027-01-01")} and ov.workdays == {D("2027-02-06")}
    with pytest.raises(ValidationFailed, match="「2027-13-01」不是有效日期"):
        HolidayOverrides.from_mapping({"holidays": ["2027-13-01"]})
    with pytest.raises(ValidationFailed, match="holidays 和 workdays"):
        HolidayOverrides.from_mapping({"holiday": ["2027-01-01"]})


def test_add_workdays_rejects_negative_n() -> None:
    with pytest.raises(ValueError):
        add_workdays(D("2025-09-26"), -1)


def test_workdays_between_and_remaining() -> None:
    assert workdays_between(D("2025-09-30"), D("2025-10-09")) == 1
    assert workdays_between(D("2025-10-09"), D("2025-09-30")) == -1
    assert workdays_between(D("2025-09-26"), D("2025-09-26")) == 0
    # One working day left: on Tue 09-30 with due Thu 10-09 (the holiday week in between).
    assert remaining_workdays(D("2025-09-30"), D("2025-10-09")) == 1
    assert remaining_workdays(D("2025-10-09"), D("2025-10-09")) == 0
    # Overdue by two working days (10-10, 10-11 调休).
    assert remaining_workdays(D("2025-10-11"), D("2025-10-09")) == -2


dates = st.dates(min_value=date(2003, 6, 1), max_value=date(2028, 6, 30))
counts = st.integers(min_value=0, max_value=40)
override_sets = st.builds(
    lambda hs, ws: HolidayOverrides.of(set(hs), set(ws) - set(hs)),
    st.lists(dates, max_size=20),
    st.lists(dates, max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=1, max_value=40), ov=st.none() | override_sets)
def test_result_is_a_workday_strictly_after_start(
    d: date, n: int, ov: HolidayOverrides | None
) -> None:
    due = add_workdays(d, n, ov)
    assert is_workday(due, ov)
    assert due > d


@settings(max_examples=300, deadline=None)
@given(d=dates, n=counts, m=counts, ov=st.none() | override_sets)
def test_monotonic_in_n(d: date, n: int, m: int, ov: HolidayOverrides | None) -> None:
    lo, hi = sorted((n, m))
    assert add_workdays(d, lo, ov) <= add_workdays(d, hi, ov)
    if lo < hi:
        assert add_workdays(d, lo, ov) < add_workdays(d, hi, ov)


@settings(max_examples=300, deadline=None)
@given(d=dates, n=counts, ov=st.none() | override_sets)
def test_workdays_between_agrees_with_add_workdays(
    d: date, n: int, ov: HolidayOverrides | None
) -> None:
    due = add_workdays(d, n, ov)
    assert workdays_between(d, due, ov) == n
    assert workdays_between(due, d, ov) == -n
    # The day before the due date still has one working day to go (for n >= 1).
    if n >= 1:
        assert workdays_between(d, due - timedelta(days=1), ov) == n - 1


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates, c=dates)
def test_workdays_between_is_additive(a: date, b: date, c: date) -> None:
    assert workdays_between(a, b) + workdays_between(b, c) == workdays_between(a, c)
