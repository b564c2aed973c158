"""The countdown table's arithmetic: planned dates and clocks on the Chinese working-day calendar
(国庆 2025 with its 调休), the order rule, progress — checked by hand and by property."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.kit.workdays import workdays_between
from huiqi.projects import countdown, templates
from huiqi.projects.countdown import Colour, DateOrderError


@dataclass
class S:
    key: str
    name: str
    planned_due: date
    after: list[str] = field(default_factory=list)
    kind: str = "milestone"
    started_on: date | None = None
    done_on: date | None = None


def test_plan_counts_the_sunday_adjusted_workday() -> None:
    types = templates.load()
    due = countdown.plan(types["industrial"].steps, date(2025, 9, 22))
    assert due["sign"] == date(2025, 9, 22)
    # 5 working days after Mon 22 Sep: 23, 24, 25, 26 and Sunday 28 (调休 for 国庆).
    assert due["register"] == date(2025, 9, 28)
    # every step is its limit after the latest of its predecessors
    for step in types["industrial"].steps[1:]:
        base = max(due[k] for k in step.after)
        assert workdays_between(base, due[step.key]) == step.workdays


def test_countdown_across_the_national_day_holiday() -> None:
    due = date(2025, 10, 10)  # Friday after the 1–8 October holiday
    # 30 Sep: working days left are 9 and 10 October only → green, 2 left
    c = countdown.clock(date(2025, 9, 30), due, None)
    assert (c.colour, c.remaining_workdays, c.label) == (Colour.GREEN, 2, "剩余2个工作日")
    c = countdown.clock(date(2025, 10, 9), due, None)
    assert (c.colour, c.remaining_workdays) == (Colour.YELLOW, 1)
    assert countdown.clock(due, due, None).label == "今日到期"
    # Saturday 11 October is a 调休 working day: one working day overdue already
    c = countdown.clock(date(2025, 10, 11), due, None)
    assert (c.colour, c.label) == (Colour.RED, "已超期1个工作日")
    assert countdown.clock(date(2025, 10, 20), due, date(2025, 10, 9)).colour is Colour.GREEN
    assert countdown.clock(date(2025, 10, 20), due, date(2025, 10, 13)).label \
        == "超期2个工作日完成"


def _chain() -> list[S]:
    return [S("sign", "签约", date(2025, 9, 22), done_on=date(2025, 9, 22)),
            S("register", "注册", date(2025, 9, 28), ["sign"]),
            S("land", "拿地", date(2025, 12, 1), ["register"])]


def test_a_date_before_the_previous_step_is_refused() -> None:
    steps = _chain()
    with pytest.raises(DateOrderError, match="早于前一环节「签约」的完成日期 2025-09-22"):
        countdown.check_dates(steps[1], None, date(2025, 9, 20), steps, date(2025, 10, 1))
    with pytest.raises(DateOrderError, match="前一环节「注册」尚未登记完成日期"):
        countdown.check_dates(steps[2], None, date(2025, 9, 30), steps, date(2025, 10, 1))
    with pytest.raises(DateOrderError, match="晚于今天"):
        countdown.check_dates(steps[1], None, date(2025, 10, 2), steps, date(2025, 10, 1))
    with pytest.raises(DateOrderError, match="早于开始日期"):
        countdown.check_dates(steps[1], date(2025, 9, 26), date(2025, 9, 25), steps,
                              date(2025, 10, 1))
    countdown.check_dates(steps[1], date(2025, 9, 23), date(2025, 9, 26), steps,
                          date(2025, 10, 1))
    steps[1].done_on, steps[2].done_on = date(2025, 9, 26), date(2025, 9, 29)
    with pytest.raises(DateOrderError, match="晚于后一环节「拿地」"):
        countdown.check_dates(steps[1], None, date(2025, 9, 30), steps, date(2025, 10, 1))
    assert DateOrderError("x").status_code == 422


@given(st.lists(st.booleans(), min_size=1, max_size=14))
def test_progress_is_the_share_of_steps_with_a_date(done: list[bool]) -> None:
    steps = [S(f"k{i}", f"环节{i}", date(2025, 1, 1),
               done_on=date(2025, 1, 1) + timedelta(days=i) if d else None)
             for i, d in enumerate(done)]
    p = countdown.progress(steps)
    assert (p.done, p.total) == (sum(done), len(done))
    assert abs(p.percent - 100 * sum(done) / len(done)) <= 0.5


def test_stage_is_the_last_main_line_step_done() -> None:
    power = S("power", "供电", date(2025, 12, 1), ["register"], "utility",
              done_on=date(2025, 10, 9))
    steps = [*_chain(), power]
    steps[1].done_on = date(2025, 9, 26)
    assert countdown.stage(steps) == "注册"
    assert countdown.stage([]) == "未签约"


def test_a_bad_template_is_refused_naming_the_step() -> None:
    raw = {"types": {"t": {"label": "x", "steps": [
        {"key": "sign", "name": "签约", "department": "招商", "workdays": 0},
        {"key": "start", "name": "开工", "department": "住建", "workdays": 5,
         "after": ["nowhere"]}]}}}
    with pytest.raises(Exception, match="「nowhere」不是排在它前面的环节"):
        templates.parse(raw)
