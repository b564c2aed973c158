"""The 双随机 draw, pure and replayable: published snapshot + commitment + beacon → result bytes.

Order of work (documented on the public page; `replay` runs exactly this):
1. The population and officer snapshots must hash to the commitment's values, and the quotas
   recomputed from them (quotas.py) must equal the published ones.
2. seed = stream.seed_of(commitment hash, beacon value); one HashStream for the whole draw.
3. Enterprises: strata in sorted order; in each, the eligible enterprises (not in a 包容期, below
   the yearly limit) sorted by USCC, and a partial Fisher–Yates shuffle: for i in 0…quota−1,
   j = i + below(n − i), swap, take position i.
4. Dates: the k-th drawn enterprise (from 0) gets days[k mod len(days)].
5. Officers, for each drawn enterprise in draw order: one per plan department (departments in
   ascending id), then any plan officer until the team has `team_size`; candidates hold a
   certificate valid on the inspection day, are certified for every 执法领域 their department's
   items in the plan belong to (the commitment's `fields`; 综合 needs none), are not related to
   the enterprise, not on its previous inspection team, not already on the team; among them
   those with the fewest inspections so far in this draw, sorted by id, and below(count) picks
   one (random, with the load balanced).
6. Result: the header line and one line per inspection, UTF-8, "\n"-terminated; its SHA-256 is
   published.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from huiqi.supervision.quotas import Stratum, Unit, strata
from huiqi.supervision.stream import HashStream, seed_of

FORMAT = "huiqi-draw-v2"  # v2: officers carry certificate dates and 执法领域
POPULATION_HEADER = "#huiqi-population-v1\tuscc\tgrade\trisk\tdone_this_year\tlast_team\tgrace"
OFFICERS_HEADER_V1 = "#huiqi-officers-v1\tid\tdepartment\tcertified\trelated_usccs"
OFFICERS_HEADER = "#huiqi-officers-v2\tid\tdepartment\tvalid_until\tfields\trelated_usccs"
NONE: frozenset[str] = frozenset()
RESULT_HEADER = "#huiqi-draw-v1\tuscc\tstratum\tday\tofficers"


class DrawError(ValueError):
    """The published data do not fit together, or a team cannot be formed."""


@dataclass(frozen=True)
class Officer:
    id: int
    department_id: int
    valid_until: date | None  # the certificate's last day (None: none, or deactivated)
    related: frozenset[str]  # USCCs it must never inspect (回避)
    fields: frozenset[str] | None = None  # 执法领域 (None: a v1 snapshot, fields not recorded)

    def qualified(self, day: date, required: frozenset[str]) -> bool:
        """May inspect on `day` items whose fields are `required`."""
        return (self.valid_until is not None and day <= self.valid_until
                and (self.fields is None or required <= self.fields))


@dataclass(frozen=True)
class Spec:
    ratios: Mapping[str, Decimal]
    risk_ratios: Mapping[str, Decimal]
    year_limit: int
    departments: tuple[int, ...]
    team_size: int
    days: tuple[date, ...]
    required: Mapping[int, frozenset[str]] = field(default_factory=dict)  # department → fields

    def required_of(self, department_id: int) -> frozenset[str]:
        return self.required.get(department_id, NONE)


@dataclass(frozen=True)
class Pick:
    uscc: str
    stratum: str
    day: date
    officers: tuple[int, ...]


@dataclass(frozen=True)
class DrawResult:
    picks: list[Pick]
    text: str
    sha256: str
    draws: int  # u64 values read from the stream


# -- canonical texts -------------------------------------------------------------------------

def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def population_text(units: Iterable[Unit]) -> str:
    rows = sorted(units, key=lambda u: u.uscc)
    lines = [POPULATION_HEADER] + [
        f"{u.uscc}\t{u.grade}\t{u.risk}\t{u.done_this_year}\t"
        f"{','.join(str(i) for i in sorted(u.last_team))}\t{int(u.grace)}" for u in rows]
    return "\n".join(lines) + "\n"


def officers_text(officers: Iterable[Officer]) -> str:
    rows = sorted(officers, key=lambda o: o.id)
    lines = [OFFICERS_HEADER] + [
        f"{o.id}\t{o.department_id}\t{o.valid_until.isoformat() if o.valid_until else '-'}\t"
        f"{','.join(sorted(o.fields or ()))}\t{','.join(sorted(o.related))}" for o in rows]
    return "\n".join(lines) + "\n"


def parse_population(text: str) -> list[Unit]:
    lines = text.split("\n")
    if not lines or lines[0] != POPULATION_HEADER or lines[-1] != "":
        raise DrawError("企业快照格式不符（首行或结尾换行）。")
    units = []
    for line in lines[1:-1]:
        uscc, grade, risk, done, team, grace = line.split("\t")
        units.append(Unit(uscc, grade, risk, int(done),
                          tuple(int(i) for i in team.split(",") if i), grace == "1"))
    return units


def parse_officers(text: str) -> list[Officer]:
    lines = text.split("\n")
    if not lines or lines[0] not in (OFFICERS_HEADER, OFFICERS_HEADER_V1) or lines[-1] != "":
        raise DrawError("执法人员快照格式不符（首行或结尾换行）。")
    out = []
    for line in lines[1:-1]:
        if lines[0] == OFFICERS_HEADER_V1:  # certified over the whole period, fields unknown
            oid, dept, certified, related = line.split("\t")
            out.append(Officer(int(oid), int(dept), date.max if certified == "1" else None,
                               _set(related)))
            continue
        oid, dept, valid, fields, related = line.split("\t")
        out.append(Officer(int(oid), int(dept), None if valid == "-" else date.fromisoformat(
            valid), _set(related), _set(fields)))
    return out


def _set(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def spec_of(commitment: Mapping[str, Any]) -> Spec:
    return Spec({k: Decimal(v) for k, v in commitment["ratios"].items()},
                {k: Decimal(v) for k, v in commitment["risk_ratios"].items()},
                int(commitment["year_limit"]), tuple(commitment["departments"]),
                int(commitment["team_size"]),
                tuple(date.fromisoformat(d) for d in commitment["days"]),
                {int(k): frozenset(v) for k, v in commitment.get("fields", {}).items()})


# -- the draw --------------------------------------------------------------------------------

def check_inputs(commitment: Mapping[str, Any], population: str, officers: str) -> list[Stratum]:
    if sha256_text(population) != commitment["population_sha256"]:
        raise DrawError("企业快照的 SHA-256 与公布的承诺不符。")
    if sha256_text(officers) != commitment["officers_sha256"]:
        raise DrawError("执法人员快照的 SHA-256 与公布的承诺不符。")
    spec = spec_of(commitment)
    found = strata(parse_population(population), spec.ratios, spec.risk_ratios, spec.year_limit)
    if {s.key: s.quota for s in found} != commitment["quotas"]:
        raise DrawError("由快照重算的配额与公布的配额不符。")
    return found


def run(commitment: Mapping[str, Any], population: str, officers: str,
        beacon_value: str) -> DrawResult:
    check_inputs(commitment, population, officers)
    spec = spec_of(commitment)
    units = parse_population(population)
    if not spec.days:
        raise DrawError("没有可安排检查的日期。")
    stream = HashStream(seed_of(sha256_text(canonical_json(commitment)), beacon_value))
    chosen = _enterprises(units, spec, stream)
    staff = [o for o in parse_officers(officers) if o.department_id in spec.departments]
    load = {o.id: 0 for o in staff}
    picks = []
    for k, (unit, stratum) in enumerate(chosen):
        day = spec.days[k % len(spec.days)]
        team = _team(unit, day, staff, spec, load, stream)
        picks.append(Pick(unit.uscc, stratum, day, team))
    text = RESULT_HEADER + "\n" + "".join(
        f"{p.uscc}\t{p.stratum}\t{p.day.isoformat()}\t{','.join(map(str, p.officers))}\n"
        for p in picks)
    return DrawResult(picks, text, sha256_text(text), stream.draws)


def _enterprises(units: list[Unit], spec: Spec, stream: HashStream) -> list[tuple[Unit, str]]:
    pools: dict[str, list[Unit]] = {}
    for unit in units:  # already sorted by USCC (the snapshot's order)
        if not unit.grace and unit.done_this_year < spec.year_limit:
            pools.setdefault(unit.stratum(spec.risk_ratios), []).append(unit)
    chosen = []
    for s in strata(units, spec.ratios, spec.risk_ratios, spec.year_limit):
        pool = pools.get(s.key, [])
        if s.quota > len(pool):
            raise DrawError(f"{s.key} 层配额 {s.quota} 超过可抽企业 {len(pool)} 家。")
        for i in range(s.quota):
            j = i + stream.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
            chosen.append((pool[i], s.key))
    return chosen


def _team(unit: Unit, day: date, staff: list[Officer], spec: Spec, load: dict[int, int],
          stream: HashStream) -> tuple[int, ...]:
    excluded = set(unit.last_team)
    team: list[int] = []
    wanted: list[int | None] = [*sorted(spec.departments)]
    wanted += [None] * max(0, spec.team_size - len(wanted))
    for department in wanted:
        candidates = [o.id for o in staff if o.id not in excluded and o.id not in team
                      and unit.uscc not in o.related
                      and o.qualified(day, spec.required_of(o.department_id))
                      and (department is None or o.department_id == department)]
        if not candidates:
            raise DrawError(f"企业 {unit.uscc} 在 {day.isoformat()} 无法配齐持证且具备执法领域"
                            "资格、无须回避的执法人员。")
        least = min(load[i] for i in candidates)
        tied = sorted(i for i in candidates if load[i] == least)
        officer = tied[stream.below(len(tied))]
        team.append(officer)
        load[officer] += 1
    return tuple(team)
