"""The drand path offline: a recorded mainnet response (round 1416669, the League of Entropy's
default chain) is verified — round, randomness = SHA-256(signature), BLS signature — before a
plan accepts it; any change to it is refused. The offline path (a public drawing entered by two
officials) is covered in test_plans."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from huiqi.kit.clock import FixedClock
from huiqi.kit.errors import ValidationFailed
from huiqi.models.audit import AuditLog
from huiqi.models.supervision import Plan
from huiqi.supervision import beacon, plans
from tests.supervision.test_plans import make_plan

RECORDED = (Path(__file__).parent / "data" / "drand-mainnet-1416669.json").read_text("utf-8")
ROUND = 1416669
RANDOMNESS = "f6be4bf1fa229f22340c1a5b258f809ac4af558200775a67dacb05f0cb258a11"


def _changed(**kw: object) -> str:
    return json.dumps({**json.loads(RECORDED), **kw})


def test_recorded_response_verifies_and_any_change_is_refused() -> None:
    assert beacon.verify_drand(RECORDED, ROUND) == RANDOMNESS
    with pytest.raises(ValidationFailed, match="第 1416669 轮，本计划承诺的是第 1416670 轮"):
        beacon.verify_drand(RECORDED, ROUND + 1)
    with pytest.raises(ValidationFailed, match="SHA-256"):
        beacon.verify_drand(_changed(randomness="0" * 64), ROUND)
    data = json.loads(RECORDED)
    other = data["previous_signature"]  # a well-formed G2 point, the wrong signature
    import hashlib
    forged = _changed(signature=other, randomness=hashlib.sha256(bytes.fromhex(other))
                      .hexdigest())
    with pytest.raises(ValidationFailed, match="BLS 签名验证失败"):
        beacon.verify_drand(forged, ROUND)
    with pytest.raises(ValidationFailed, match="JSON"):
        beacon.verify_drand("{not json", ROUND)


def test_a_plan_committed_to_the_round_draws_from_the_verified_response(world) -> None:
    plan_id = make_plan(world)
    before = FixedClock(beacon.drand_time(ROUND) - timedelta(minutes=20))
    world.do(lambda s: plans.commit(s, world.office, before, plan_id, "drand", str(ROUND)))
    after = FixedClock(beacon.drand_time(ROUND) + timedelta(minutes=1))
    world.do(lambda s: plans.enter_beacon(s, world.office, after, plan_id, RECORDED))
    world.do(lambda s: plans.enter_beacon(s, world.office2, after, plan_id, RANDOMNESS))
    with world.tx() as s:
        plan = s.get(Plan, plan_id)
        assert (plan.status, plan.beacon_value) == ("drawn", RANDOMNESS)
        assert plan.beacon_ref.endswith(f":round:{ROUND}")
        first = s.scalars(select(AuditLog).where(AuditLog.action == "supervision.beacon_first")
                          .order_by(AuditLog.id.desc())).first()
        assert first.after == {"value": RANDOMNESS}
