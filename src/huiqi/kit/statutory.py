"""The statutory public holidays of a year, for years the State Council has not yet announced.

《全国年节及纪念日放假办法》 (revised 2024, in force from 2025-01-01), article 2, gives every
citizen: 元旦 1 day (1 January), 春节 4 days (除夕 to 正月初三), 清明节 1 day (the solar term
清明), 劳动节 2 days (1–2 May), 端午节 1 day (五月初五), 中秋节 1 day (八月十五), 国庆节 3 days
(1–3 October). Article 6: a holiday that falls on a Saturday or Sunday is made up (补假) on the
next working day. Two holidays on the same date (中秋 on 3 October 2028) are two holidays: the
second is made up like a weekend one, as the 2020 notice did for 中秋 on 1 October.

What this cannot know is the 调休 the annual notice adds (weekday bridges swapped for weekend
workdays), so a year computed here is provisional until `chinesecalendar` publishes the notice.
Lunar dates and the solar term come from lunar-python (6tail/lunar-python: maintained, with the
24 solar terms, which lunardate lacks).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

_ONE_DAY = timedelta(days=1)
MAKE_UP = "补假"


def _solar(lunar: Lunar) -> date:
    s = lunar.getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def statutory_days(year: int) -> list[tuple[date, str]]:
    """(date, festival) for each statutory day of `year`, in date order (a date may repeat).

    By the version of the 办法 in force that year: 2025 on as revised 2024 (除夕 and 2 May added);
    2014–2024 as revised 2013 (春节 正月初一–初三); before, as revised 2007 (除夕–正月初二; the
    library covers those years, so only the shape of a test over them depends on this).
    """
    new_year = _solar(Lunar.fromYmd(year, 1, 1))
    spring = range(-1, 3) if year >= 2025 else range(3) if year >= 2014 else range(-1, 2)
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = [
        (date(year, 1, 1), "元旦"),
        *((new_year + k * _ONE_DAY, "春节") for k in spring),
        (date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节"),
        *((date(year, 5, d), "劳动节") for d in ((1, 2) if year >= 2025 else (1,))),
        (_solar(Lunar.fromYmd(year, 5, 5)), "端午节"),
        (_solar(Lunar.fromYmd(year, 8, 15)), "中秋节"),
        *((date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    return sorted(days, key=lambda pair: pair[0])


@lru_cache(maxsize=64)
def provisional_holidays(year: int) -> dict[date, str]:
    """Every day off of `year` other than ordinary weekends: statutory days and their 补假.

    The value names the festival ("国庆节、中秋节" when two share a day), "国庆节补假" for a
    make-up day.
    """
    off: dict[date, str] = {}
    owed: list[tuple[date, str]] = []  # days that fell on a weekend or on another holiday
    for day, name in statutory_days(year):
        if day.weekday() >= 5 or day in off:
            owed.append((day, name))
        off[day] = f"{off[day]}、{name}" if day in off else name
    for day, name in owed:  # in date order, so earlier make-ups are taken first
        while day.weekday() >= 5 or day in off:
            day += _ONE_DAY
        off[day] = name + MAKE_UP
    return dict(sorted(off.items()))
