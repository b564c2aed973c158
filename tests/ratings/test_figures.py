"""The figures on a hand-checked fixture, and properties over random records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiqi.ratings.figures import RatingRecord, figures, figures_by

T0 = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)  # Tuesday 30 Sep 2025, 10:00 Beijing
DUE = date(2025, 10, 11)  # 3 working days later across 国庆 (11 Oct is a 调休 workday)


def r(level: int, **kw: object) -> RatingRecord:
    base: dict[str, object] = {"rated_at": T0, "department": "区市场监管局", "channel": "window"}
    return RatingRecord(level=level, **{**base, **kw})  # type: ignore[arg-type]


def hand_fixture() -> list[RatingRecord]:
    on_time, late = T0 + timedelta(days=1), datetime(2025, 10, 13, 2, tzinfo=UTC)
    return [
        r(5), r(5), r(4), r(4), r(3, department="区人力社保局"),  # five 好评
        # 差评 1: verified in time (属实), rectified, revisited satisfied
        r(2, verified_at=on_time, verify_due=DUE, verify_result="founded",
          rectified_at=on_time, revisited_at=on_time, revisit_result="satisfied"),
        # 差评 2: verified late (部分属实), rectified, not yet revisited
        r(1, verified_at=late, verify_due=DUE, verify_result="partly", rectified_at=late),
        # 差评 3: verified 不属实 (no rectification due), revisited unsatisfied
        r(2, verified_at=on_time, verify_due=DUE, verify_result="unfounded",
          revisited_at=late, revisit_result="unsatisfied", department="区人力社保局"),
        # 差评 4: not yet verified
        r(1, verify_due=DUE),
        # 差评 5: excluded by an upheld 申诉复核 — in no figure
        r(1, verify_due=DUE, excluded=True),
    ]


def test_hand_checked_figures() -> None:
    f = figures(hand_fixture())
    assert (f.total, f.excluded, f.negatives) == (9, 1, 4)
    assert f.counts == {5: 2, 4: 2, 3: 1, 2: 2, 1: 2}
    assert (f.good.numerator, f.good.denominator, f.good.percent) == (5, 9, "55.6%")
    assert (f.bad.percent) == "44.4%"
    # (5+5+4+4+3+2+1+2+1) / 9 = 27/9 = 3.00
    assert f.average == Decimal("3.00")
    # 三个100%: verified 3 of 4, rectified 2 of the 2 due (属实, 部分属实), revisited 2 of 4
    assert (f.verified.numerator, f.verified.denominator, f.verified.percent) == (3, 4, "75.0%")
    assert (f.rectified.numerator, f.rectified.denominator, f.rectified.percent) == \
        (2, 2, "100.0%")
    assert (f.revisited.numerator, f.revisited.denominator, f.revisited.percent) == \
        (2, 4, "50.0%")
    assert (f.verified_on_time.numerator, f.verified_on_time.denominator) == (2, 4)
    assert (f.revisit_satisfied.numerator, f.revisit_satisfied.denominator) == (1, 2)
    assert not f.hundred_percent


def test_by_department_and_channel() -> None:
    by = figures_by(hand_fixture(), "department")
    assert list(by) == ["区人力社保局", "区市场监管局"]
    hr = by["区人力社保局"]
    assert (hr.total, hr.good.percent, hr.negatives, hr.verified.percent) == (2, "50.0%", 1,
                                                                              "100.0%")
    assert hr.rectified.percent == "—"  # nothing due: 不属实
    assert figures_by(hand_fixture(), "channel")["窗口"].total == 9
    assert figures_by(hand_fixture(), "month")["2025-09"].total == 9


def test_nothing_to_measure() -> None:
    f = figures([])
    assert f.good.percent == "—" and f.average is None and f.hundred_percent


records = st.builds(
    RatingRecord, level=st.integers(1, 5), rated_at=st.just(T0), department=st.just("D"),
    channel=st.sampled_from(["window", "online", "phone"]), excluded=st.booleans(),
    verified_at=st.none() | st.just(T0),
    verify_result=st.sampled_from(["founded", "partly", "unfounded"]),
    rectified_at=st.none() | st.just(T0), revisited_at=st.none() | st.just(T0))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine
@given(st.lists(records, max_size=40))
def test_properties(rows: list[RatingRecord]) -> None:
    f = figures(rows)
    valid = [x for x in rows if not x.excluded]
    assert f.total == len(valid) == sum(f.counts.values())
    assert f.good.numerator + f.bad.numerator == f.total
    assert f.negatives == sum(x.level <= 2 for x in valid)
    for share in (f.verified, f.rectified, f.revisited):
        assert 0 <= share.numerator <= share.denominator <= f.negatives
    # grouping partitions the valid ratings
    assert sum(g.total for g in figures_by(rows, "channel").values()) == f.total
