"""Payout lines carry an HMAC (HMAC-SM3 where available): an amount or account changed in the
database by raw SQL stops the bank file and the marking paid, and `huiqi grants verify-payouts`
finds it; key rotation re-signs only intact lines."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from huiqi.cli import grants_cmd
from huiqi.cli.main import app
from huiqi.grants import applications as apps
from huiqi.grants import payout_integrity, payouts, review
from huiqi.grants.applications import BankInfo
from huiqi.kit import payout_mac
from huiqi.kit.errors import Conflict
from huiqi.models.payout_line import PayoutLine
from tests.grants.conftest import World, upload

K1 = "m1:" + base64.b64encode(b"1" * 32).decode()
K2 = "m2:" + base64.b64encode(b"2" * 32).decode()


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(payout_mac.ENV, K1)


def _batch(w: World) -> int:
    for who in ("ent_a", "ent_b"):
        bank = BankInfo("重庆银行", f"{who}公司", "6222 0000 1111 2222")
        app_ = w.do(apps.submit, w.actors[who], item_id="testville.rent", bank=bank,
                    files=[upload("房屋租赁合同"), upload("营业执照")])
        w.do(review.approve, w.dept, app_.id)
    return int(w.do(payouts.create_batch, w.office).id)


def _cli(w: World, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(grants_cmd, "default_engine", lambda: w.engine)
    out = CliRunner().invoke(app, ["grants", "verify-payouts", *args], env={"COLUMNS": "200"})
    return out.exit_code, out.output


def test_lines_are_signed_with_the_algorithm_and_key(world: World) -> None:
    _batch(world)
    with world.tx() as s:
        macs = list(s.scalars(select(PayoutLine.mac)))
    assert len(macs) == 2 and all(m and m.startswith(f"mac:1:{payout_mac.ALGORITHM}:m1:")
                                  for m in macs)
    assert payout_mac.ALGORITHM == "sm3"  # this OpenSSL has SM3 (国密)


@pytest.mark.parametrize("sql", [
    "UPDATE grant_payout_lines SET amount = amount + 100 WHERE id = (SELECT min(id) FROM "
    "grant_payout_lines)",
    "UPDATE grants SET amount = amount * 10 WHERE id = (SELECT min(grant_id) FROM "
    "grant_payout_lines)",
    "UPDATE grant_applications SET bank_account_name = '他人' WHERE id = (SELECT min(id) "
    "FROM grant_applications)",
    "UPDATE grant_payout_lines SET mac = NULL",
    "UPDATE grant_payout_lines SET batch_id = batch_id",  # no change: must still pass
], ids=["line-amount", "grant-amount", "payee", "mac-removed", "untouched"])
def test_a_row_edited_by_raw_sql_blocks_export_and_payment(
        world: World, monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    batch_id = _batch(world)
    with world.tx() as s:
        s.execute(text(sql))
    tampered = "batch_id = batch_id" not in sql
    code, output = _cli(world, monkeypatch)
    assert (code, "失败 0 笔" in output) == ((1, False) if tampered else (0, True))
    if not tampered:
        world.do(payouts.export, world.office, batch_id)
        assert world.do(payouts.mark_paid, world.office2, batch_id).newly_paid == 2
        return
    assert "校验失败：批次" in output and "HQG" in output
    with pytest.raises(Conflict, match="完整性校验未通过"):
        world.do(payouts.export, world.office, batch_id)
    with world.tx() as s:  # exported before the edit: marking paid is refused too
        s.execute(text("UPDATE grant_payout_batches SET status = 'exported'"))
    with pytest.raises(Conflict, match="完整性校验未通过"):
        world.do(payouts.mark_paid, world.office2, batch_id)
    with world.tx() as s:
        assert set(s.scalars(select(PayoutLine.status))) == {"pending"}


def test_an_account_number_swapped_in_ciphertext_is_found(world: World) -> None:
    """Copying another application's (validly encrypted) account number over the first one."""
    batch_id = _batch(world)
    with world.tx() as s:
        ids = list(s.scalars(text("SELECT id FROM grant_applications ORDER BY id")))
        s.execute(text("UPDATE grant_applications SET bank_account = "
                       "(SELECT bank_account FROM grant_applications WHERE id = :b) "
                       "WHERE id = :a"), {"a": ids[0], "b": ids[1]})
        s.execute(text("UPDATE grant_applications SET bank_account = :v WHERE id = :b"),
                  {"v": "6222000099998888", "b": ids[1]})
    with world.tx() as s:
        result = payout_integrity.verify_all(s)
    assert result.checked == 2 and len(result.failed) == 1
    with pytest.raises(Conflict):
        world.do(payouts.export, world.office, batch_id)


def test_rotation_resigns_intact_lines_only(world: World,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _batch(world)
    with world.tx() as s:
        s.execute(text("UPDATE grant_payout_lines SET amount = 1 WHERE id = "
                       "(SELECT max(id) FROM grant_payout_lines)"))
    monkeypatch.setenv(payout_mac.ENV, f"{K2},{K1}")  # new key first, old still verifies
    code, output = _cli(world, monkeypatch, "--resign")
    assert code == 1 and "已校验 2 笔，失败 1 笔，重签 1 笔" in output
    with world.tx() as s:
        macs = dict(s.execute(select(PayoutLine.id, PayoutLine.mac)).all())
    first, last = min(macs), max(macs)
    assert ":m2:" in (macs[first] or "") and ":m1:" in (macs[last] or "")
    monkeypatch.setenv(payout_mac.ENV, K2)  # old key dropped: the re-signed line still verifies
    with world.tx() as s:
        result = payout_integrity.verify_all(s)
    assert [k for _, k in result.failed] == [payouts.idempotency_key(
        _grant_of(world, last))]


def _grant_of(w: World, line_id: int) -> int:
    with w.tx() as s:
        return int(s.scalars(select(PayoutLine.grant_id).where(PayoutLine.id == line_id)).one())


def test_mac_is_over_exact_fields() -> None:
    args = dict(batch_id=1, grant_id=2, application_id=3, key="HQG0000000002",
                line_amount=Decimal("100.00"), grant_amount=Decimal("100"), uscc="X",
                payee="甲", bank_name="银行", account_name=None, account="6222 0000")
    mac = payout_mac.sign(payout_mac.message(**args))  # type: ignore[arg-type]
    assert payout_mac.verify(payout_mac.message(**args), mac)  # type: ignore[arg-type]
    for name, value in [("line_amount", Decimal("100.01")), ("account", "6222 0001"),
                        ("batch_id", 9), ("payee", "乙"), ("account_name", "甲")]:
        changed = payout_mac.message(**{**args, name: value})  # type: ignore[arg-type]
        assert not payout_mac.verify(changed, mac), name
    assert not payout_mac.verify(payout_mac.message(**args), mac[:-1] + "0")  # type: ignore
