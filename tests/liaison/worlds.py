"""A small liaison world whose figures are checked by hand (see `lw`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.liaison import service
from huiqi.matching import service as matching
from huiqi.models.application import Application as GrantApplication
from huiqi.models.department import Department
from huiqi.models.grant import Grant
from huiqi.models.user import Role, User
from huiqi.policies import service as policies
from huiqi.registry.service import load_catalog
from tests.fixtures.web import test_uscc

OFFICE = Actor(None, "office-test", "营商办", Role.OFFICE)


def _official(db: Any, username: str, dept: str) -> Actor:
    d = db.scalar(select(Department).where(Department.name == dept))
    if d is None:
        d = Department(code=f"d{test_uscc()[-6:]}", name=dept)
        db.add(d)
        db.flush()
    u = User(username=username, display_name=username, role="liaison", password_hash="!",
             department_id=d.id)
    db.add(u)
    db.flush()
    return Actor.of(u)


def _grant(db: Any, uscc: str, clock: Any) -> None:
    app = GrantApplication(enterprise_uscc=uscc, enterprise_name="x", item_id="giftville.hi",
                           item_title="高新", policy_version="1", department="科技局", year=2025,
                           as_of=date(2025, 6, 2), status="approved", facts={},
                           submitted_at=clock.now(), updated_at=clock.now())
    db.add(app)
    db.flush()
    db.add(Grant(application_id=app.id, source="apply", enterprise_uscc=uscc,
                 enterprise_name="x", item_id="giftville.hi", item_title="高新",
                 department="科技局", year=2025, amount=Decimal("100000"), status="approved",
                 approved_at=clock.now()))


@pytest.fixture
def lw(app_engine: Engine, register: Callable[..., str], clock: Any) -> dict[str, Any]:
    """E1 high-tech street A: key tier L1, all tier L2; visited by L1 (a policy explained),
       has a grant.
       E2 high-tech street B: all tier L2 only (uncovered at key); no contact.
       E3 plain street A: all tier L2; phoned by L2 (no policy).
       E4 plain street B: nobody (uncovered at all)."""
    e = [register(high_tech=True, street="A街道"), register(high_tech=True, street="B街道"),
         register(street="A街道"), register(street="B街道")]
    with unit_of_work(app_engine) as db:
        key = service.save_tier(db, OFFICE, clock, code="key", name="重点企业",
                                official_label="区领导", rule="high_tech", stale_days=30)
        service.save_tier(db, OFFICE, clock, code="all", name="全部市场主体",
                          official_label="网格专员", rule="TRUE", stale_days=60, position=1)
        l1 = _official(db, f"l1-{e[0][-5:]}", "区经信委")
        l2 = _official(db, f"l2-{e[0][-5:]}", "观音桥街道")
        bad = test_uscc()
        report = service.import_rows(db, OFFICE, clock, [
            (2, {"统一社会信用代码": e[0], "包联干部账号": l1.username, "层级代码": "key"}),
            (3, {"统一社会信用代码": e[0], "包联干部账号": l2.username, "层级代码": "all"}),
            (4, {"统一社会信用代码": e[1], "包联干部账号": l2.username, "层级代码": "all"}),
            (5, {"统一社会信用代码": e[2], "包联干部账号": l2.username, "层级代码": "all"}),
            (6, {"统一社会信用代码": e[3], "包联干部账号": "nobody", "层级代码": "all"}),
            (7, {"统一社会信用代码": bad, "包联干部账号": l2.username, "层级代码": "all"}),
            (8, {"统一社会信用代码": "123", "包联干部账号": l2.username, "层级代码": "all"}),
            (9, {"统一社会信用代码": e[3], "包联干部账号": l2.username, "层级代码": "nope"}),
            (10, {"统一社会信用代码": e[3], "包联干部账号": "", "层级代码": ""}),
        ])
        _grant(db, e[0], clock)
        as_of = date(2025, 6, 2)
        items = policies.in_force(db, as_of, "500105").items
        matching.match_all(db, load_catalog(), items, as_of)
    return {"e": e, "l1": l1, "l2": l2, "key": key.id, "report": report}


def _contacts(app_engine: Engine, lw: dict[str, Any], clock: Any) -> None:
    e, l1, l2 = lw["e"], lw["l1"], lw["l2"]
    today = clock.today_local()
    with unit_of_work(app_engine) as db:
        ent = service.access_enterprise(db, l1, e[0], write=True)
        offer = service.offered(service.pack_for(db, clock, None, ent))
        assert offer, "E1 (high-tech) has eligible items in its 礼包"
        service.log(db, l1, clock, None, e[0], service.VisitIn(
            contacted_on=today.isoformat(), people_met="张总", topics="政策宣讲",
            policies=list(offer)[:1]))
        service.log(db, l2, clock, None, e[2], service.VisitIn(
            channel="phone", contacted_on=(today - timedelta(days=1)).isoformat()))


