"""Credit grades per supervision field (A–D), imported from their sources, with history and
信用修复; and 包容期. Officials only. The grade in a plan's field on the plan's start date
decides the enterprise's stratum (N when it has none).

Source mapping (one documented rule per source):
- 纳税信用等级: A→A, B→B, M→B, C→C, D→D;
- 失信 (失信被执行人、严重失信主体名单): 是→D;
- 违法记录 (violations in the last three years, at least 1): 1–2→C, 3 or more→D;
- 评定等级 (a department's own grading): A–D as given.
A 信用修复 restores a grade from a date: a new record (source 信用修复) pointing at the one it
repairs; from that date it is the latest record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.supervision import CreditGrade, GracePeriod
from huiqi.supervision import repository as repo
from huiqi.supervision.sheets import ImportReport, Refused, parse_date, pick, read_rows
from huiqi.supervision.vocab import FIELDS

COLUMNS = ("统一社会信用代码", "监管领域", "来源", "结果", "生效日期")
TAX = {"A": "A", "B": "B", "M": "B", "C": "C", "D": "D"}
RISKS = {"高": "高", "中": "中", "低": "低", "": "-", "-": "-"}


def grade_from(source: str, value: str) -> str:
    value = value.strip().upper()
    if source == "纳税信用等级":
        if value not in TAX:
            raise Refused(f"纳税信用等级“{value}”应为 A、B、M、C、D 之一", "bad_value")
        return TAX[value]
    if source == "失信":
        if value not in ("是", "Y", "YES", "1"):
            raise Refused("失信来源的结果应为“是”（未失信的企业无须导入）", "bad_value")
        return "D"
    if source == "违法记录":
        if not value.isdigit() or int(value) < 1:
            raise Refused(f"违法记录的结果应为近三年违法次数（≥1），收到“{value}”", "bad_value")
        return "C" if int(value) <= 2 else "D"
    if source == "评定等级":
        if value not in ("A", "B", "C", "D"):
            raise Refused(f"评定等级“{value}”应为 A–D 之一", "bad_value")
        return value
    raise Refused(f"来源“{source}”应为 纳税信用等级、失信、违法记录、评定等级 之一",
                  "bad_source")


def _field(text: str) -> str:
    for code, label in FIELDS.items():
        if text in (code, label):
            return code
    raise Refused(f"监管领域“{text}”不在清单内", "unknown_field")


def import_grades(session: Session, actor: Actor, clock: Clock, data: bytes,
                  filename: str) -> ImportReport:
    rows = read_rows(data, filename, COLUMNS)
    known = repo.known_usccs(session, (v["统一社会信用代码"] for _, v in rows))
    report = ImportReport()
    for number, v in rows:
        try:
            uscc = v["统一社会信用代码"].upper()
            if uscc not in known:
                raise Refused(f"统一社会信用代码 {uscc or '（空）'} 不在企业库中", "unknown_uscc")
            risk = pick(v, "风险等级")
            if risk not in RISKS:
                raise Refused(f"风险等级“{risk}”应为 高、中、低 或留空", "bad_risk")
            session.add(CreditGrade(
                uscc=uscc, field=_field(v["监管领域"]), grade=grade_from(v["来源"], v["结果"]),
                risk=RISKS[risk], source=v["来源"], detail=v.get("说明") or None,
                effective_from=parse_date(v["生效日期"], "生效日期"), created_by=actor.user_id,
                created_at=clock.now()))
            report.imported += 1
        except ValidationFailed as exc:
            report.refuse(number, exc)
    audit.record(session, actor, "supervision.grade_import", None, after=report.as_dict())
    session.flush()
    return report


def repair(session: Session, actor: Actor, clock: Clock, grade_id: int, restored: str,
           effective_from: date, reason: str) -> CreditGrade:
    """信用修复: the enterprise's grade in the record's field is `restored` from the date."""
    original = repo.credit_grade(session, grade_id)
    if original is None:
        raise NotFound("信用记录不存在。")
    if restored not in ("A", "B", "C", "D"):
        raise ValidationFailed("修复后的等级应为 A–D 之一。")
    if effective_from < original.effective_from:
        raise ValidationFailed("修复生效日期不能早于被修复记录的生效日期。")
    if not reason.strip():
        raise ValidationFailed("请填写信用修复的依据。")
    row = CreditGrade(uscc=original.uscc, field=original.field, grade=restored,
                      risk=original.risk, source="信用修复", detail=reason.strip()[:200],
                      effective_from=effective_from, repairs_id=original.id,
                      created_by=actor.user_id, created_at=clock.now())
    session.add(row)
    audit.record(session, actor, "supervision.grade_repair", row, before={
        "grade": original.grade, "id": original.id}, after=audit.snapshot(
            row, "uscc", "field", "grade", "effective_from", "detail"))
    return row


def add_grace(session: Session, actor: Actor, uscc: str, starts_on: date, ends_on: date,
              reason: str) -> GracePeriod:
    if uscc not in repo.known_usccs(session, [uscc]):
        raise ValidationFailed(f"统一社会信用代码 {uscc} 不在企业库中。")
    if ends_on < starts_on:
        raise ValidationFailed("包容期结束日期不能早于开始日期。")
    row = GracePeriod(uscc=uscc, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
                      or "“四新”企业包容期")
    session.add(row)
    audit.record(session, actor, "supervision.grace_add", row,
                 after=audit.snapshot(row, "uscc", "starts_on", "ends_on", "reason"))
    return row
