"""The pure draw: quotas per stratum, 回避, fresh randomness, replay byte for byte, and speed."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import event, given, reject, settings
from hypothesis import strategies as st

from huiqi.supervision import calendar, draw, quotas, staffing
from huiqi.supervision.draw import Officer, Spec
from huiqi.supervision.quotas import Unit
from huiqi.supervision.stream import HashStream, seed_of

RATIOS = {"A": Decimal("3"), "B": Decimal("5"), "C": Decimal("10"), "D": Decimal("100"),
          "N": Decimal("5")}
DAYS = (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 25))


def commitment(units: list[Unit], officers: list[Officer], spec: Spec) -> dict:
    found = quotas.strata(units, spec.ratios, spec.risk_ratios, spec.year_limit)
    return {"format": draw.FORMAT,
            "population_sha256": draw.sha256_text(draw.population_text(units)),
            "officers_sha256": draw.sha256_text(draw.officers_text(officers)),
            "ratios": {k: str(v) for k, v in spec.ratios.items()},
            "risk_ratios": {k: str(v) for k, v in spec.risk_ratios.items()},
            "year_limit": spec.year_limit, "departments": list(spec.departments),
            "team_size": spec.team_size, "days": [d.isoformat() for d in spec.days],
            "quotas": {s.key: s.quota for s in found}, "beacon": {"kind": "test", "id": "1"},
            "fields": {str(d): sorted(f) for d, f in spec.required.items()}}


def run(units, officers, spec, beacon="beacon-1"):
    c = commitment(units, officers, spec)
    return c, draw.run(c, draw.population_text(units), draw.officers_text(officers), beacon)


def test_stream_is_the_documented_counter_mode_generator() -> None:
    import hashlib
    seed = seed_of("ab" * 32, " 42 ")
    assert seed == hashlib.sha256(("ab" * 32 + "\n42").encode()).digest()
    block0 = hashlib.sha256(b"huiqi-draw-v1\x00" + seed + (0).to_bytes(8, "big")).digest()
    s = HashStream(seed)
    assert [s.u64() for _ in range(4)] == [
        int.from_bytes(block0[i:i + 8], "big") for i in range(0, 32, 8)]
    assert all(0 <= s.below(7) < 7 for _ in range(200))


def test_hand_checked_grade_ratio_table() -> None:
    # A: 40 × 3% = 1.2 → 1; B: 30 × 5% = 1.5 → 2 (half up); C: 25 × 10% = 2.5 → 3;
    # D: 4 × 100% = 4; N: 9 × 5% = 0.45 → 0. A 包容期 enterprise is neither counted nor drawn.
    counts = {"A": 40, "B": 30, "C": 25, "D": 4, "N": 9}
    units = [Unit(f"9150{g}{i:013d}", g, "-", 0, (), False)
             for g, n in counts.items() for i in range(n)]
    units.append(Unit("9150D9999999999999", "D", "-", 0, (), True))
    found = quotas.strata(units, RATIOS, {}, 1)
    assert [(s.key, s.population, s.quota) for s in found] == [
        ("A", 40, 1), ("B", 30, 2), ("C", 25, 3), ("D", 4, 4), ("N", 9, 0)]
    officers = [Officer(i, 1, date.max, frozenset()) for i in range(1, 5)]
    _, result = run(units, officers, Spec(RATIOS, {}, 1, (1,), 2, DAYS))
    assert len(result.picks) == 10
    assert {p.uscc for p in result.picks if p.stratum == "D"} == {
        u.uscc for u in units if u.grade == "D" and not u.grace}


def test_risk_ratio_takes_the_larger_of_grade_and_risk() -> None:
    units = [Unit(f"U{i:04d}", "A", "高" if i < 20 else "低", 0, (), False) for i in range(100)]
    found = quotas.strata(units, RATIOS, {"高": Decimal("50")}, 1)
    assert {s.key: s.quota for s in found} == {"A/低": 2, "A/高": 10}  # 80×3%=2.4; 20×50%


def test_shortfall_proposes_the_smallest_relaxation() -> None:
    # C: 10 enterprises, ratio 50% → quota 5, but 7 already reached the yearly limit of 1.
    units = [Unit(f"U{i:03d}", "C", "-", 1 if i < 7 else 0, (), False) for i in range(10)]
    ratios = {"C": Decimal("50")}
    found = quotas.strata(units, ratios, {}, 1)
    relax = quotas.relaxation(units, found, ratios, {}, 1)
    assert relax is not None and relax.shortfall == 2
    assert relax.lowered == {"C": Decimal("30.0")}  # 10 × 30% = 3 = available
    assert relax.year_limit == 2
    assert "提高到 2 次" in relax.text(1)


def test_tampered_snapshot_or_quotas_are_refused() -> None:
    units = [Unit(f"U{i:03d}", "B", "-", 0, (), False) for i in range(50)]
    officers = [Officer(i, 1, date.max, frozenset()) for i in range(1, 4)]
    spec = Spec(RATIOS, {}, 1, (1,), 2, DAYS)
    c = commitment(units, officers, spec)
    pop, off = draw.population_text(units), draw.officers_text(officers)
    for bad_pop, bad_c in ((pop.replace("\tB\t", "\tA\t", 1), c),
                           (pop, {**c, "quotas": {"B": 9}})):
        try:
            draw.run(bad_c, bad_pop, off, "x")
        except draw.DrawError:
            continue
        raise AssertionError("tampered input accepted")


unit_st = st.builds(
    lambda i, g, r, d, grace, team: Unit(f"U{i:05d}", g, r, d, team, grace),
    st.integers(0, 99999), st.sampled_from(quotas.GRADES), st.sampled_from(("高", "中", "低", "-")),
    st.sampled_from((0, 0, 0, 1, 2)), st.booleans(),
    st.lists(st.integers(1, 8), max_size=2, unique=True).map(lambda t: tuple(sorted(t))))


officer_st = st.tuples(
    st.one_of(st.none(), st.just(date.max), st.dates(date(2026, 1, 1), date(2028, 2, 1))),
    st.frozensets(st.sampled_from(("food", "market")), max_size=2))


@settings(max_examples=80, deadline=None)
@given(units=st.lists(unit_st, min_size=1, max_size=120, unique_by=lambda u: u.uscc),
       related=st.lists(st.tuples(st.integers(1, 8), st.integers(0, 119)), max_size=30),
       staff=st.lists(officer_st, min_size=8, max_size=8),
       required=st.fixed_dictionaries({d: st.frozensets(st.sampled_from(("food", "market")),
                                                        max_size=1) for d in (1, 2)}),
       team_size=st.integers(2, 4),
       ratios=st.fixed_dictionaries({g: st.integers(0, 60).map(Decimal)
                                     for g in quotas.GRADES}),
       risk_ratios=st.dictionaries(st.sampled_from(quotas.RISKS),
                                   st.decimals(0, 100, places=1), max_size=3),
       quiet=st.tuples(st.integers(1, 28), st.integers(0, 27)),
       start=st.dates(date(2026, 1, 1), date(2027, 12, 1)),
       exception=st.sampled_from([None, "complaint"]),
       beacon=st.text(min_size=1, max_size=20).filter(str.strip))
def test_property_ratios_avoidance_fields_replay(units, related, staff, required, team_size,
                                                 ratios, risk_ratios, quiet, start, exception,
                                                 beacon) -> None:
    rel: dict[int, set[str]] = {}
    for officer, index in related:
        rel.setdefault(officer, set()).add(units[index % len(units)].uscc)
    officers = [Officer(i, 1 + i % 2, valid, frozenset(rel.get(i, ())), fields)
                for i, (valid, fields) in enumerate(staff, start=1)]
    cal = calendar.Calendar(quiet[0], min(28, quiet[0] + quiet[1]), 2)
    days = tuple(calendar.working_days(start, start + timedelta(days=40), cal, exception))
    if not days:
        reject()  # refused when the plan is made (tested in the service)
    spec = Spec(ratios, risk_ratios, 2, (1, 2), team_size, days, required)
    by_id = {o.id: o for o in officers}

    def fits(o: Officer, day: date) -> bool:  # the rule, restated
        return (o.valid_until is not None and o.valid_until >= day
                and required[o.department_id] <= (o.fields or frozenset()))

    short = staffing.shortage(units, officers, spec)
    event("refused: too few qualified officers" if short else "staffed")
    if short is not None:  # the refusal is true, and each proposed relaxation suffices
        for day in short.bad_days:
            ok = [o for o in officers if fits(o, day)]
            assert len(ok) < team_size or {o.department_id for o in ok} != {1, 2}
        if short.latest_end is not None:
            assert staffing.shortage(units, officers, replace(spec, days=tuple(
                d for d in days if d <= short.latest_end))) is None
        if short.team_size is not None:
            assert short.team_size < team_size
            assert staffing.shortage(units, officers, replace(spec, team_size=short.team_size)
                                     ) is None
        assert short.bad_days or short.blocked
        return
    found = quotas.strata(units, ratios, risk_ratios, 2)
    if any(s.shortfall for s in found):
        reject()  # refused with the smallest relaxation (tested above and in the service)
    c, result = run(units, officers, spec, beacon)
    by_uscc = {u.uscc: u for u in units}
    drawn: dict[str, int] = {}
    for pick in result.picks:
        unit = by_uscc[pick.uscc]
        drawn[pick.stratum] = drawn.get(pick.stratum, 0) + 1
        assert not unit.grace and unit.done_this_year < 2
        assert len(pick.officers) == team_size == len(set(pick.officers))
        assert {1, 2} <= {by_id[o].department_id for o in pick.officers}  # one per department
        assert all(fits(by_id[o], pick.day) for o in pick.officers)  # certified, in the field
        assert not set(pick.officers) & set(unit.last_team)  # not twice running
        assert all(pick.uscc not in rel.get(o, ()) for o in pick.officers)  # never related
        assert pick.day in days and (exception or not cal.is_quiet(pick.day))
    for s in found:
        assert abs(drawn.get(s.key, 0) - s.population * s.ratio / 100) <= 1
    assert len({p.uscc for p in result.picks}) == len(result.picks)
    again = draw.run(c, draw.population_text(units), draw.officers_text(officers), beacon)
    assert again.text.encode() == result.text.encode()


def test_too_few_officers_in_the_field_says_so_with_the_smallest_relaxation() -> None:
    units = [Unit(f"U{i:03d}", "D", "-", 0, (), False) for i in range(6)]
    days = (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 28))
    officers = [Officer(1, 1, date(2027, 1, 1), frozenset(), frozenset({"food"})),
                Officer(2, 1, date(2026, 12, 24), frozenset(), frozenset({"food"})),  # expires
                Officer(3, 1, date(2027, 1, 1), frozenset(), frozenset({"market"})),  # wrong field
                Officer(4, 2, date(2027, 1, 1), frozenset(), frozenset()),
                Officer(5, 2, None, frozenset(), frozenset())]  # no certificate
    spec = Spec(RATIOS, {}, 1, (1, 2), 3, days, {1: frozenset({"food"})})
    short = staffing.shortage(units, officers, spec)
    assert short is not None
    assert short.bad_days == (date(2026, 12, 28),)  # officer 2's certificate has expired
    assert short.per_department == {1: 1, 2: 1} and short.qualified == 2
    assert short.latest_end == date(2026, 12, 24)
    assert short.team_size == 2 and short.add == {1: 1, 2: 0}
    text = short.text(spec, {1: "市场监管局", 2: "生态环境局"}, {"food": "食品卫生"})
    assert "2026-12-28" in text and "「食品卫生」" in text
    assert "将计划结束日期提前到 2026-12-24" in text and "每组人数减至 2 人" in text
    assert "为市场监管局增补 1 名" in text
    _, result = run(units, officers, replace(spec, team_size=2))
    assert all(3 not in p.officers and 5 not in p.officers for p in result.picks)
    assert all(2 not in p.officers for p in result.picks if p.day > date(2026, 12, 24))


def test_fifty_thousand_enterprises_forty_officers_fast_and_replayable(tmp_path) -> None:
    grades = "AAAAABBBBCCD"
    units = [Unit(f"91500000{i:010d}", grades[i % len(grades)], "-", 0,
                  (1 + i % 40, 1 + (i + 7) % 40) if i % 3 == 0 else (), i % 97 == 0)
             for i in range(50_000)]
    officers = [Officer(i, 1 + i % 3, date.max, frozenset({units[i * 11].uscc}))
                for i in range(1, 41)]
    spec = Spec(RATIOS, {}, 1, (1, 2, 3), 3, DAYS)
    started = time.perf_counter()
    assert staffing.shortage(units, officers, spec) is None
    c, result = run(units, officers, spec, "a3f1" * 16)
    elapsed = time.perf_counter() - started
    found = quotas.strata(units, RATIOS, {}, 1)
    counts: dict[str, int] = {}
    for p in result.picks:
        counts[p.stratum] = counts.get(p.stratum, 0) + 1
    for s in found:
        assert abs(counts.get(s.key, 0) - s.population * s.ratio / 100) <= 1
    assert sum(counts.values()) == sum(s.quota for s in found) > 5000
    assert elapsed < 20, elapsed
    related = {o.id: o.related for o in officers}
    by_uscc = {u.uscc: u for u in units}
    quiet = calendar.Calendar(1, 22, 2)  # the default 企业安静期: 1st–22nd
    for p in result.picks:
        assert all(p.uscc not in related[o] for o in p.officers)  # never a related officer
        assert not set(p.officers) & set(by_uscc[p.uscc].last_team)  # not twice running
        assert not quiet.is_quiet(p.day) and p.day in DAYS
        assert {1 + o % 3 for o in p.officers} == {1, 2, 3}  # one officer per department
    again = draw.run(c, draw.population_text(units), draw.officers_text(officers), "a3f1" * 16)
    assert again.sha256 == result.sha256
    other = draw.run(c, draw.population_text(units), draw.officers_text(officers), "b" * 64)
    assert other.sha256 != result.sha256
    # `huiqi supervision replay-files` from the published files alone, byte for byte
    import json

    from typer.testing import CliRunner

    from huiqi.cli.main import app
    (tmp_path / "commitment.json").write_text(json.dumps(c), "utf-8")
    (tmp_path / "population.tsv").write_bytes(draw.population_text(units).encode())
    (tmp_path / "officers.tsv").write_bytes(draw.officers_text(officers).encode())
    replayed = CliRunner().invoke(app, [
        "supervision", "replay-files", *(str(tmp_path / n) for n in (
            "commitment.json", "population.tsv", "officers.tsv")),
        "--beacon", "a3f1" * 16, "--expect", result.sha256])
    assert replayed.exit_code == 0, replayed.output[-500:]
    assert f"结果 SHA-256：{result.sha256}" in replayed.output
