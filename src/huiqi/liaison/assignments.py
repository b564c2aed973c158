"""Who serves which enterprise at which tier: assignment in the browser and by Excel import
(each bad row reported, the good ones imported), handover when an official leaves (history kept
in `liaison_handovers`), and the coverage check (members of a tier with no one assigned)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.imports import RowError
from huiqi.liaison import rates_repository as rr
from huiqi.liaison import repository as repo
from huiqi.models.liaison import LiaisonHandover, LiaisonTier
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role, User
from huiqi.registry.service import ImportFileError, InvalidUSCC, read_table, validate_uscc

HEADERS = {"统一社会信用代码": "uscc", "uscc": "uscc", "包联干部账号": "official",
           "official": "official", "账号": "official", "层级代码": "tier", "tier": "tier",
           "层级": "tier"}


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)  # row number, message, code


def _official(session: Session, username: str) -> User:
    user = repo.user_by_username(session, (username or "").strip())
    if user is None or user.role != Role.LIAISON.value or not user.is_active:
        raise ValidationFailed(f"未找到包联干部账号「{username}」（须为在用的服务专员账号）。",
                               code="unknown_official")
    return user


def _uscc(session: Session, raw: str) -> str:
    try:
        code = validate_uscc((raw or "").strip())
    except InvalidUSCC:
        raise ValidationFailed(f"统一社会信用代码「{raw}」无效。", code="invalid_uscc") from None
    if not repo.existing_usccs(session, [code]):
        raise ValidationFailed(f"企业库中没有统一社会信用代码为 {code} 的企业。",
                               code="unknown_uscc")
    return code


def _tier(session: Session, value: str | int | None) -> LiaisonTier:
    found = None
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and
                                  value.isdigit()):
        found = repo.tier(session, int(value))
    if found is None and value:
        found = repo.tier_by_code(session, str(value).strip())
    if found is None:
        raise ValidationFailed(f"未找到包联层级「{value}」。", code="unknown_tier")
    return found


def assign(session: Session, actor: Actor, clock: Clock, *, uscc: str, official: str,
           tier: str | int, reason: str = "") -> LiaisonAssignment:
    """Assign `official` at `tier`; the official previously assigned at that tier hands over
    (one official per enterprise and tier)."""
    code, user, level = _uscc(session, uscc), _official(session, official), _tier(session, tier)
    current = repo.assignments_at(session, code, level.id)
    if any(a.user_id == user.id for a in current):
        raise Conflict(f"{user.display_name} 已是该企业的{level.name}包联干部。")
    now = clock.now()
    other = repo.assignment(session, user.id, code)  # the same official at another tier
    if other is not None:
        raise Conflict(f"{user.display_name} 已在「{_tier_name(session, other.tier_id)}」包联该"
                       "企业，一名干部对一家企业只在一个层级包联。")
    previous = current[0] if current else None
    for row in current:
        repo.delete_assignment(session, row)
    session.flush()
    row = LiaisonAssignment(user_id=user.id, enterprise_uscc=code, created_at=now,
                            tier_id=level.id)
    session.add(row)
    session.add(LiaisonHandover(enterprise_uscc=code, tier_id=level.id,
                                from_user_id=previous.user_id if previous else None,
                                to_user_id=user.id, reason=reason[:300], by_user_id=actor.user_id,
                                at=now))
    session.flush()
    audit.record(session, actor, "liaison.handover" if previous else "liaison.assign",
                 ("liaison_assignments", row.id),
                 before={"official": previous.user_id} if previous else None,
                 after={"enterprise_uscc": code, "official": user.username,
                        "tier": level.code}, at=now)
    return row


def _tier_name(session: Session, tier_id: int | None) -> str:
    found = repo.tier(session, tier_id) if tier_id else None
    return found.name if found else "未分层"


def handover_all(session: Session, actor: Actor, clock: Clock, *, from_official: str,
                 to_official: str, reason: str) -> int:
    """An official leaves: every enterprise it serves goes to `to_official` at the same tier."""
    old, new = _official(session, from_official), _official(session, to_official)
    if old.id == new.id:
        raise ValidationFailed("交接双方不能是同一人。")
    if not reason.strip():
        raise ValidationFailed("请填写交接原因（如调岗、退休）。", details={"reason": "必填"})
    moved = 0
    for row in [r for r in repo.portfolio(session, old.id)]:
        tier_id = row.tier_id
        if tier_id is None:
            continue
        if repo.assignment(session, new.id, row.uscc) is not None:
            continue  # already serves it at another tier
        assign(session, actor, clock, uscc=row.uscc, official=new.username, tier=tier_id,
               reason=reason)
        moved += 1
    return moved


def unassign(session: Session, actor: Actor, clock: Clock, assignment_id: int,
             reason: str) -> None:
    row = repo.assignment_by_id(session, assignment_id)
    if row is None:
        raise NotFound("未找到该包联关系。")
    now = clock.now()
    session.add(LiaisonHandover(enterprise_uscc=row.enterprise_uscc, tier_id=row.tier_id,
                                from_user_id=row.user_id, to_user_id=None, reason=reason[:300],
                                by_user_id=actor.user_id, at=now))
    audit.record(session, actor, "liaison.unassign", ("liaison_assignments", row.id),
                 before={"official": row.user_id, "enterprise_uscc": row.enterprise_uscc},
                 at=now)
    repo.delete_assignment(session, row)
    session.flush()


def import_file(session: Session, actor: Actor, clock: Clock, filename: str, data: bytes
                ) -> ImportReport:
    """An .xlsx or .csv with columns 统一社会信用代码, 包联干部账号, 层级代码."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationFailed(f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx 或 .csv "
                               "文件。")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"assignments{suffix}"
        path.write_bytes(data)
        try:
            table = read_table(path, is_known=lambda h: h.strip().lower() in HEADERS)
        except ImportFileError as exc:
            raise ValidationFailed(str(exc).replace(path.name, filename)) from None
        header = [h.strip() for h in table.header]
        rows = [(n, dict(zip(header, cells, strict=False))) for n, cells in table.rows]
    if not {"uscc", "official", "tier"} <= {HEADERS.get(h.lower(), "") for h in header}:
        raise ValidationFailed("缺少必需的列：统一社会信用代码、包联干部账号、层级代码。")
    return import_rows(session, actor, clock, rows)


def import_rows(session: Session, actor: Actor, clock: Clock,
                rows: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
    """(row number, {column: value}) with columns uscc/official/tier (or their Chinese
    headers); a bad row is reported by its number and skipped, the rest imported — each row in
    a savepoint."""
    report = ImportReport()
    for number, raw in rows:
        values = {HEADERS.get(str(k).strip().lower(), ""): v for k, v in raw.items()}
        columns = (("统一社会信用代码", "uscc"), ("包联干部账号", "official"), ("层级代码", "tier"))
        missing = [(n, k) for n, k in columns if not str(values.get(k) or "").strip()]
        if missing:  # the code names the first missing column
            report.errors.append(RowError(number, f"缺少{'、'.join(n for n, _ in missing)}",
                                          f"missing_{missing[0][1]}"))
            continue
        try:
            with session.begin_nested():
                assign(session, actor, clock, uscc=str(values["uscc"]),
                       official=str(values["official"]), tier=str(values["tier"]).strip(),
                       reason="名单导入")
            report.imported += 1
        except Conflict:
            report.unchanged += 1
        except ValidationFailed as exc:
            report.errors.append(RowError(number, exc.message, exc.code))
    audit.record(session, actor, "liaison.import", None,
                 after={"imported": report.imported, "unchanged": report.unchanged,
                        "errors": len(report.errors)}, at=clock.now())
    return report


@dataclass(frozen=True)
class TierCoverage:
    tier: LiaisonTier
    members: int
    assigned: int
    uncovered: list[Any]  # a page of (uscc, name, street)
    uncovered_total: int
    stale: int  # assigned members with no contact for tier.stale_days

    @property
    def percent(self) -> str:
        return f"{self.assigned / self.members:.1%}" if self.members else "—"


def coverage(session: Session, clock: Clock, *, page: int = 1, per_page: int = 20,
             tier_id: int | None = None) -> list[TierCoverage]:
    """Per tier: members, those assigned at the tier, a page of the unassigned (only for
    `tier_id`, else for the first tier) and the assigned ones not contacted for the tier's
    N days — one GROUP BY over the kept members and flags (rates_repository)."""
    from huiqi.liaison.rates import tier_sql

    levels = tier_sql(session, clock.today_local())
    counts = rr.coverage_counts(session, {t.id: t.since for _, t in levels})
    shown = tier_id if tier_id is not None else (levels[0][1].id if levels else None)
    found = []
    for tier, t in levels:
        c = counts.get(t.id, rr.Counts())
        rows = rr.uncovered(session, t.id, (page - 1) * per_page, per_page) \
            if t.id == shown else []
        found.append(TierCoverage(tier, c.members, c.assigned, rows, c.members - c.assigned,
                                  c.stale))
    return found
