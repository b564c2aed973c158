"""Can every inspection of a plan be staffed? Checked before the commitment is published (pure).

An officer qualifies on a day when the certificate is valid that day and the officer holds every
执法领域 of the department's items in the plan (draw.Officer.qualified). A team needs one
qualified officer per plan department and `team_size` in all, none related to the enterprise
nor on its previous team (回避). When that fails on some day, or for some enterprise, the
refusal says where and proposes the smallest relaxations: end the period earlier (certificates
that expire), a smaller team, or how many qualified officers each department must add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from huiqi.supervision.draw import Officer, Spec
from huiqi.supervision.quotas import Unit


def qualified_on(officers: Iterable[Officer], spec: Spec, day: date) -> list[Officer]:
    return [o for o in officers if o.department_id in spec.departments
            and o.qualified(day, spec.required_of(o.department_id))]


def enough(free: Iterable[Officer], departments: Iterable[int], team_size: int) -> bool:
    free = list(free)
    present = {o.department_id for o in free}
    return len(free) >= team_size and all(d in present for d in departments)


@dataclass(frozen=True)
class Shortage:
    bad_days: tuple[date, ...]  # inspection days on which no team can be formed at all
    worst_day: date | None
    per_department: dict[int, int]  # on the worst day: department → qualified officers
    qualified: int  # on the worst day, in all
    blocked: tuple[str, ...]  # enterprises that 回避 leaves without a team on some day
    latest_end: date | None  # ending the period on this day leaves only feasible days
    team_size: int | None  # the smallest team (≥ 2, ≥ departments) that suffices, if smaller
    add: dict[int, int]  # department → qualified officers to add so every day suffices

    def text(self, spec: Spec, departments: Mapping[int, str],
             fields: Mapping[str, str]) -> str:
        def name(d: int) -> str:
            return departments.get(d, str(d))

        def need(d: int) -> str:
            wanted = sorted(spec.required_of(d))
            return f"持有效执法证且具备「{'、'.join(fields.get(f, f) for f in wanted)}」执法资格" \
                if wanted else "持有效执法证"

        parts = []
        if self.worst_day is not None:
            counts = "；".join(f"{name(d)}{need(d)}的 {n} 人"
                              for d, n in sorted(self.per_department.items()))
            parts.append(f"{len(self.bad_days)} 个检查日（最早 {self.bad_days[0].isoformat()}）"
                         f"无法组成检查组：{self.worst_day.isoformat()} {counts}，合计 "
                         f"{self.qualified} 人（每个参加部门至少 1 人，每组 {spec.team_size} 人）")
        if self.blocked:
            parts.append(f"{len(self.blocked)} 家企业回避后无法配齐执法人员"
                         f"（如 {self.blocked[0]}）")
        relax = []
        if self.latest_end is not None:
            relax.append(f"将计划结束日期提前到 {self.latest_end.isoformat()}")
        if self.team_size is not None:
            relax.append(f"每组人数减至 {self.team_size} 人")
        relax += [f"为{name(d)}增补 {n} 名{need(d)}的执法人员"
                  for d, n in sorted(self.add.items()) if n]
        text = "执法人员不足：" + "；".join(parts) + "。"
        return text + ("最小放宽：" + "，或".join(relax) + "。" if relax else
                       "请增加执法人员或减少每组人数。")

    def details(self) -> dict[str, object]:
        return {"bad_days": [d.isoformat() for d in self.bad_days],
                "latest_end": self.latest_end.isoformat() if self.latest_end else None,
                "team_size": self.team_size, "add": {str(k): v for k, v in self.add.items()},
                "blocked": len(self.blocked)}


def _check(units: list[Unit], officers: list[Officer], spec: Spec, team_size: int
           ) -> tuple[list[date], list[str]]:
    """(days without any team, enterprises 回避 leaves without a team on a good day)."""
    groups: dict[frozenset[int], list[date]] = {}
    by_id = {o.id: o for o in officers}
    for day in spec.days:
        groups.setdefault(frozenset(o.id for o in qualified_on(officers, spec, day)),
                          []).append(day)
    bad: list[date] = []
    blocked: set[str] = set()
    eligible = [u for u in units if not u.grace and u.done_this_year < spec.year_limit]
    related: dict[str, set[int]] = {}
    for o in officers:
        for uscc in o.related:
            related.setdefault(uscc, set()).add(o.id)
    for ids, days in groups.items():
        free = [by_id[i] for i in sorted(ids)]
        if not enough(free, spec.departments, team_size):
            bad += days
            continue
        for unit in eligible:
            excluded = (related.get(unit.uscc, set()) | set(unit.last_team)) & ids
            if excluded and not enough([o for o in free if o.id not in excluded],
                                       spec.departments, team_size):
                blocked.add(unit.uscc)
    return sorted(bad), sorted(blocked)


def shortage(units: list[Unit], officers: list[Officer], spec: Spec) -> Shortage | None:
    bad, blocked = _check(units, officers, spec, spec.team_size)
    if not bad and not blocked:
        return None
    worst = min(bad, key=lambda d: (len(qualified_on(officers, spec, d)), d)) if bad else None
    on_worst = qualified_on(officers, spec, worst) if worst else []
    per_department = {d: sum(o.department_id == d for o in on_worst) for d in spec.departments}
    latest_end = None
    if bad and bad[0] > spec.days[0]:
        earlier = max(d for d in spec.days if d < bad[0])
        if _check(units, officers, replace(spec, days=tuple(
                d for d in spec.days if d <= earlier)), spec.team_size) == ([], []):
            latest_end = earlier
    smaller = None
    for size in range(max(2, len(spec.departments)), spec.team_size):
        if _check(units, officers, spec, size) == ([], []):
            smaller = size
            break
    add: dict[int, int] = {}
    if worst is not None:
        add = {d: 0 if n else 1 for d, n in per_department.items()}
        add_total = spec.team_size - len(on_worst) - sum(add.values())
        if add_total > 0:  # the rest may come from any department: the first one
            first = min(spec.departments)
            add[first] += add_total
    return Shortage(tuple(bad), worst, per_department, len(on_worst), tuple(blocked),
                    latest_end, smaller, add)
