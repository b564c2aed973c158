"""The provisional calendar (statutory holidays + 补假) against the State Council's notices."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from chinese_calendar.constants import Holiday

from huiqi.kit import workdays
from huiqi.kit.statutory import provisional_holidays, statutory_days

D = date.fromisoformat
LIBRARY = {h.value: h for h in Holiday}
FESTIVAL = {"元旦": Holiday.new_years_day, "春节": Holiday.spring_festival,
            "清明节": Holiday.tomb_sweeping_day, "劳动节": Holiday.labour_day,
            "端午节": Holiday.dragon_boat_festival, "中秋节": Holiday.mid_autumn_festival,
            "国庆节": Holiday.national_day}
OFFICIAL_YEARS = (2024, 2025, 2026)


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=k) for k in range((date(year + 1, 1, 1) - first).days)]


def provisional_is_workday(d: date) -> bool:
    return d.weekday() < 5 and d not in provisional_holidays(d.year)


@pytest.mark.parametrize(
    ("year", "expected", "back_at_work"),
    [
        # 除夕 Fri 02-05, 初一 Sat, 初二 Sun, 初三 Mon: the two weekend days made up Tue and Wed.
        (2027, ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                "2027-02-10"], "2027-02-11"),
        # 除夕 Tue 01-25 … 初三 Fri 01-28: all on weekdays, nothing to make up.
        (2028, ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"], "2028-01-31"),
    ],
)
def test_spring_festival_falls_on_the_statutory_days(
    year: int, expected: list[str], back_at_work: str
) -> None:
    spring = [d.isoformat() for d, name in provisional_holidays(year).items()
              if name.startswith("春节")]
    assert spring == expected
    assert [d.isoformat() for d, name in statutory_days(year) if name == "春节"] == expected[:4]
    for day in expected:
        assert not workdays.is_workday(D(day))
        assert workdays.is_provisional(D(day).year)
    assert workdays.add_workdays(D(expected[0]) - timedelta(days=1), 1) == D(back_at_work)


def test_2027_and_2028_in_full() -> None:
    # Every statutory day of the 办法 (as revised 2024), each weekend one made up the next working
    # day; 2028's 中秋 shares 10-03 with 国庆 and is made up too.
    assert len(statutory_days(2027)) == len(statutory_days(2028)) == 13
    assert {d.isoformat(): n for d, n in provisional_holidays(2028).items()
            if d.month in (1, 5, 10) and not n.startswith("春节")} == {
        "2028-01-01": "元旦", "2028-01-03": "元旦补假",
        "2028-05-01": "劳动节", "2028-05-02": "劳动节",
        "2028-05-28": "端午节", "2028-05-29": "端午节补假",
        "2028-10-01": "国庆节", "2028-10-02": "国庆节", "2028-10-03": "中秋节、国庆节",
        "2028-10-04": "国庆节补假", "2028-10-05": "国庆节补假",
    }
    assert provisional_holidays(2027)[D("2027-04-05")] == "清明节"  # the solar term, a Monday


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_every_provisional_day_off_was_an_official_one(year: int) -> None:
    """What the fallback gives off, the notice gave off, for the same festival."""
    for day, names in provisional_holidays(year).items():
        on_holiday, detail = chinese_calendar.get_holiday_detail(day)
        assert on_holiday, f"{day} ({names}) was a working day in the {year} notice"
        assert any(FESTIVAL[n.removesuffix("补假")].value == detail
                   for n in names.split("、")), (day, names, detail)


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_each_year_has_the_official_number_of_working_days(year: int) -> None:
    """The notice only moves days (a weekday bridge for a weekend 调休), so the counts agree."""
    official = sum(chinese_calendar.is_workday(d) for d in days_of(year))
    assert sum(provisional_is_workday(d) for d in days_of(year)) == official
    # Every day they disagree on is a 调休 pair: an official weekend workday or a bridge day off.
    for d in days_of(year):
        if provisional_is_workday(d) != chinese_calendar.is_workday(d):
            in_lieu = chinese_calendar.is_in_lieu(d)
            assert (d.weekday() >= 5 and chinese_calendar.is_workday(d)) or in_lieu, d


def test_every_day_2024_to_2026_follows_the_official_notice() -> None:
    """5,000+ cases: the public functions on each day and 1–5 working days on, vs. the library
    (but for the last days of 2026, whose answers fall in 2027)."""
    cases = 0
    for year in OFFICIAL_YEARS:
        assert not workdays.is_provisional(year)
        for d in days_of(year):
            assert workdays.is_workday(d) is chinese_calendar.is_workday(d), d
            due = d
            for n in range(1, 6):
                due += timedelta(days=1)
                while due.year <= 2026 and not chinese_calendar.is_workday(due):
                    due += timedelta(days=1)
                if due.year > 2026:
                    break
                assert workdays.add_workdays(d, n) == due, (d, n)
                cases += 1
    assert cases > 5000
