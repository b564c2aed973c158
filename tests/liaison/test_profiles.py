"""Enterprise profiles in the browser (issue 15 item 9): office edits with catalog validation
(inline errors, input kept), history, re-match and notification; liaison only its own; the
enterprise proposes, the office accepts or rejects (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from huiqi.kit.db import unit_of_work
from huiqi.models.audit import AuditLog
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.notification import Notification
from huiqi.models.profile_change import ProfileChange
from huiqi.registry import service as registry
from tests.fixtures.web import csrf_token, login


def _post(c: Any, url: str, data: dict[str, str]) -> Any:
    return c.post(url, data={**data, "csrf_token": csrf_token(c)})


def test_office_edits_profile_rematches_and_notifies(
        app_engine: Engine, logged_in: Callable[..., Any], make_user: Callable[..., Any],
        register: Callable[..., str], client: Any) -> None:
    uscc = register()
    ent_user = make_user("enterprise", enterprise_uscc=uscc)
    office = logged_in("office")
    bad = _post(office, f"/profiles/{uscc}", {"employees": "十几个", "high_tech": "true"})
    assert bad.status_code == 422
    assert "从业人员" in bad.text and 'value="十几个"' in bad.text  # inline, input kept
    with unit_of_work(app_engine) as db:
        assert registry.get_by_uscc(db, uscc).high_tech is False  # nothing half-saved
    ok = _post(office, f"/profiles/{uscc}", {"employees": "35", "high_tech": "true"})
    assert ok.status_code == 303
    with unit_of_work(app_engine) as db:
        ent = registry.get_by_uscc(db, uscc)
        assert ent.high_tech is True and ent.employees == 35
        changes = db.scalars(select(ProfileChange).where(ProfileChange.enterprise_uscc == uscc)
                             ).all()
        assert {(c.field, c.before, c.after, c.source) for c in changes} == {
            ("employees", None, "35", "page"), ("high_tech", "false", "true", "page")}
        notes = db.scalars(select(Notification).where(Notification.user_id == ent_user.id)).all()
        assert len(notes) == 1 and "高新" in notes[0].body
        assert db.scalar(select(AuditLog.id).where(AuditLog.action == "registry.profile_edit"))
    page = office.get(f"/profiles/{uscc}/history")
    assert page.status_code == 200 and "从业人员" in page.text and "页面" in page.text
    login(client, ent_user)
    pack = client.get("/gift-pack")
    assert "高新" in pack.text


def test_liaison_edits_only_its_enterprises(
        app_engine: Engine, logged_in: Callable[..., Any], register: Callable[..., str],
        clock: Any) -> None:
    mine, other = register(), register()
    liaison = logged_in("liaison")
    with unit_of_work(app_engine) as db:
        db.add(LiaisonAssignment(user_id=liaison.creds.id, enterprise_uscc=mine,
                                 created_at=clock.now()))
    assert liaison.get(f"/profiles/{mine}").status_code == 200
    assert liaison.get(f"/profiles/{other}").status_code == 404
    assert _post(liaison, f"/profiles/{other}", {"employees": "3"}).status_code == 404
    assert _post(liaison, f"/profiles/{mine}", {"employees": "3"}).status_code == 303


def test_enterprise_proposes_office_decides(
        app_engine: Engine, logged_in: Callable[..., Any], register: Callable[..., str]) -> None:
    uscc = register()
    ent = logged_in("enterprise", enterprise_uscc=uscc)
    office = logged_in("office")
    # self-declared: saved at once; a verified fact through the form is not accepted directly
    assert _post(ent, f"/profiles/{uscc}", {"employees": "12"}).status_code == 303
    no_reason = _post(ent, f"/profiles/{uscc}/proposals", {"high_tech": "true", "reason": ""})
    assert no_reason.status_code == 422 and "变更理由" in no_reason.text
    assert _post(ent, f"/profiles/{uscc}/proposals",
                 {"high_tech": "true", "reason": "证书 GR2025"}).status_code == 303
    queue = office.get("/profiles/proposals")
    assert "证书 GR2025" in queue.text
    with unit_of_work(app_engine) as db:
        p = registry.proposals(db, _office_actor(), "pending", uscc)[0]
        assert registry.get_by_uscc(db, uscc).high_tech is False
    refused = _post(office, f"/profiles/proposals/{p.id}/decide", {"accept": "0", "note": ""})
    assert refused.status_code == 422
    assert _post(office, f"/profiles/proposals/{p.id}/decide",
                 {"accept": "1", "note": ""}).status_code == 303
    with unit_of_work(app_engine) as db:
        assert registry.get_by_uscc(db, uscc).high_tech is True
        sources = {c.source for c in db.scalars(select(ProfileChange).where(
            ProfileChange.enterprise_uscc == uscc))}
        assert sources == {"page", "proposal"}
        assert db.scalar(select(AuditLog.id).where(AuditLog.action == "registry.profile_accept"))
    again = _post(office, f"/profiles/proposals/{p.id}/decide", {"accept": "1"})
    assert again.status_code == 409


def _office_actor() -> Any:
    from huiqi.auth.actor import Actor
    from huiqi.models.user import Role

    return Actor(1, "o", "o", Role.OFFICE)
