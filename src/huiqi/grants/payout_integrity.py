"""The payout lines' MACs (kit.payout_mac): signed when a batch is made, checked before the bank
file is produced and before a batch is marked paid, and over all lines by
`huiqi grants verify-payouts`. A line whose amount, payee or account was changed behind the
application's back (raw SQL, a restored old copy) fails, and the batch cannot go on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huiqi.grants.repositories import money as money_repo
from huiqi.kit import payout_mac
from huiqi.kit.errors import Conflict
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout_line import PayoutLine


def message(line: PayoutLine, grant: Grant, app: Application) -> bytes:
    return payout_mac.message(
        batch_id=line.batch_id, grant_id=line.grant_id, application_id=grant.application_id,
        key=line.idempotency_key, line_amount=line.amount, grant_amount=grant.amount,
        uscc=grant.enterprise_uscc, payee=grant.enterprise_name, bank_name=app.bank_name,
        account_name=app.bank_account_name, account=app.bank_account)


def sign(line: PayoutLine, grant: Grant, app: Application) -> None:
    line.mac = payout_mac.sign(message(line, grant, app))


def intact(line: PayoutLine, grant: Grant, app: Application) -> bool:
    return payout_mac.verify(message(line, grant, app), line.mac)


def require_intact(rows: list[tuple[PayoutLine, Grant, Application]]) -> None:
    """409 naming the lines whose data no longer match their MAC."""
    bad = [line.idempotency_key for line, grant, app in rows if not intact(line, grant, app)]
    if bad:
        raise Conflict(f"兑付数据完整性校验未通过（{'、'.join(bad)}）：金额、收款人或账号"
                       "与制作批次时不一致，已停止办理。请勿导出或标记兑付，联系系统管理员核查数据库。",
                       details={"lines": bad})


@dataclass
class Verification:
    checked: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (batch id, business key)
    resigned: int = 0


def verify_all(session: Session, *, resign: bool = False) -> Verification:
    """Check every line; with `resign`, lines that verify under an old key are signed again
    under the current one (key rotation). A failing line is reported, never re-signed."""
    out = Verification()
    for line, grant, app in money_repo.payout_rows(session, for_update=resign):
        out.checked += 1
        if not intact(line, grant, app):
            out.failed.append((line.batch_id, line.idempotency_key))
        elif resign and payout_mac.needs_resign(line.mac):
            sign(line, grant, app)
            out.resigned += 1
    return out
