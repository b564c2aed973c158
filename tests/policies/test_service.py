"""The policy library service: save, versions, diff, publish (re-match, notify), withdraw."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import Conflict, NotFound
from huiqi.models.audit import AuditLog
from huiqi.models.match_result import MatchResult
from huiqi.models.policy import PolicyVersion
from huiqi.models.user import Role
from huiqi.policies import diff, service
from tests.policies.conftest import notification_count, notifications, policy_yaml

AS_OF = date(2025, 6, 2)
OFFICE = Actor(user_id=None, username="office-test", display_name="营商办", role=Role.OFFICE)


@pytest.fixture
def db(app_engine):
    def run(fn, *args, **kwargs):
        with unit_of_work(app_engine) as session:
            return fn(session, *args, **kwargs)
    return run


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def save(db, clock, source, filename="p.yaml", **kw):
    return db(lambda s: _ids(service.save(s, OFFICE, clock, source, filename, **kw)))


def _ids(row: PolicyVersion) -> tuple[int, int]:
    return row.document_id, row.number


def test_a_valid_file_is_saved_as_a_draft_and_is_not_yet_an_item(db, clock, doc_id) -> None:
    document_id, number = save(db, clock, policy_yaml(doc_id))
    assert number == 1
    row = db(lambda s: service.version(s, document_id, 1))
    assert row.status == "draft" and row.item_ids == [f"{doc_id}-rent"]
    assert len(row.sha256) == 64
    assert db(lambda s: service.find_item(s, f"{doc_id}-rent")) is None
    actions = db(lambda s: list(s.scalars(select(AuditLog.action).where(
        AuditLog.subject_type == "policy_versions", AuditLog.subject_id == str(row.id)))))
    assert actions == ["policy.upload"]


def test_a_malformed_file_is_refused_and_nothing_is_stored(db, clock, doc_id) -> None:
    bad = policy_yaml(doc_id).replace("monthly_rent >= 20000", "monthly_rent >= '两万'")
    bad = bad.replace("department: 测试区商务委员会", "departmnt: 测试区商务委员会")
    with pytest.raises(service.PolicyRejected) as err:
        save(db, clock, bad, "rent.yaml")
    problems = err.value.result.problems
    assert len(problems) >= 2
    typo = next(p for p in problems if "departmnt" in p.message)
    assert (typo.file, typo.line, typo.item) == ("rent.yaml", line_of(bad, "departmnt"),
                                                 f"{doc_id}-rent")
    compare = next(p for p in problems if p.criterion == "租金达标")
    assert compare.line == line_of(bad, "租金达标") and compare.column is not None
    assert err.value.status_code == 422
    assert all(d.policy_id != doc_id for d, _ in db(service.documents))


@pytest.mark.parametrize("rule", [
    "monthly_rent >= 1; DROP TABLE users",
    "monthly_rent >= (SELECT 1)",
    "load_extension('evil') > 0",
    "random() > 0",
])
def test_an_injection_attempt_in_a_criterion_is_refused(db, clock, doc_id, rule) -> None:
    with pytest.raises(service.PolicyRejected) as err:
        save(db, clock, policy_yaml(doc_id, criterion=rule))
    problem = next(p for p in err.value.result.problems if p.criterion == "租金达标")
    assert problem.line == line_of(policy_yaml(doc_id, criterion=rule), "租金达标")
    assert all(d.policy_id != doc_id for d, _ in db(service.documents))


def test_a_failing_test_case_refuses_the_save(db, clock, doc_id) -> None:
    wrong = policy_yaml(doc_id).replace('amount: "20000.00"', 'amount: "20001.00"')
    with pytest.raises(service.PolicyRejected) as err:
        save(db, clock, wrong)
    assert [t.name for t in err.value.result.failed_tests] == ["达标"]
    assert "1 个测试用例未通过" in err.value.message


def test_versions_number_up_and_the_diff_shows_what_changed(db, clock, doc_id) -> None:
    document_id, _ = save(db, clock, policy_yaml(doc_id))
    extra = f"""  - id: {doc_id}-extra
    title: 追加事项
    department: 测试区商务委员会
    policy_text: 追加。
    criteria:
      承租国有房屋: rents_state_property
    amount: 1000
"""
    again = save(db, clock, policy_yaml(doc_id, min_rent=15000, extra_items=extra),
                 note="降低门槛")
    assert again == (document_id, 2)
    with pytest.raises(Conflict):  # the same text again is not a new version
        save(db, clock, policy_yaml(doc_id, min_rent=15000, extra_items=extra))
    old, new = (db(lambda s, n=n: service.version(s, document_id, n)) for n in (1, 2))
    d = diff.compare(old, new)
    assert d.added_items == [f"{doc_id}-extra"] and d.removed_items == []
    assert any(ln.kind == "del" and "monthly_rent >= 20000" in ln.text for ln in d.lines)
    assert any(ln.kind == "add" and "monthly_rent >= 15000" in ln.text for ln in d.lines)
    assert "-      租金达标: monthly_rent >= 20000" in d.unified()
    assert new.note == "降低门槛"


def test_editing_a_document_cannot_change_its_policy_id(db, clock, doc_id) -> None:
    document_id, _ = save(db, clock, policy_yaml(doc_id))
    with pytest.raises(service.PolicyRejected) as err:
        save(db, clock, policy_yaml(doc_id + "x"), document_id=document_id)
    assert "policy.id" in err.value.result.problems[0].message


def test_publish_rematches_and_notifies_only_the_newly_eligible(
        db, clock, doc_id, enterprise, app_engine) -> None:
    rich = enterprise(monthly_rent=30000)    # eligible under v1 and v2
    modest = enterprise(monthly_rent=10000)  # eligible under v2 only
    none = enterprise(monthly_rent=50000, rents_state_property=False)
    document_id, _ = save(db, clock, policy_yaml(doc_id, min_rent=20000))
    report = db(lambda s: service.publish(s, OFFICE, clock, document_id, 1, as_of=AS_OF))
    assert report.rematch.enterprises >= 3 and report.rematch.newly_eligible >= 1
    assert [notification_count(app_engine, u.id) for u in (rich, modest, none)] == [1, 0, 0]

    save(db, clock, policy_yaml(doc_id, min_rent=5000))
    report = db(lambda s: service.publish(s, OFFICE, clock, document_id, 2, as_of=AS_OF))
    assert report.superseded == 1 and "取代第 1 版" in report.summary()
    assert [notification_count(app_engine, u.id) for u in (rich, modest, none)] == [1, 1, 0]
    note = notifications(app_engine, modest.id)[0]
    assert doc_id in note.title and note.link == "/gift-pack"
    versions = db(lambda s: service.document(s, document_id)[1])
    assert [(v.number, v.status) for v in versions] == [(2, "published"), (1, "superseded")]
    found = db(lambda s: service.find_item(s, f"{doc_id}-rent"))
    assert found.number == 2 and found.version.startswith(f"{doc_id}@")


def test_item_ids_are_unique_across_published_documents(db, clock, doc_id) -> None:
    first, _ = save(db, clock, policy_yaml(doc_id))
    db(lambda s: service.publish(s, OFFICE, clock, first, 1, as_of=AS_OF))
    clash = policy_yaml(doc_id).replace(f"id: {doc_id}\n", f"id: {doc_id}-other\n", 1)
    with pytest.raises(service.PolicyRejected) as err:
        save(db, clock, clash)
    assert "已被已发布的政策文件" in err.value.result.problems[0].message
    assert err.value.result.problems[0].line == line_of(clash, f"- id: {doc_id}-rent")


def test_withdraw_takes_items_out_of_matching_and_applying(
        db, clock, doc_id, enterprise, library_source) -> None:
    enterprise(monthly_rent=30000)
    document_id, _ = save(db, clock, policy_yaml(doc_id))
    db(lambda s: service.publish(s, OFFICE, clock, document_id, 1, as_of=AS_OF))
    item_id = f"{doc_id}-rent"
    assert db(lambda s: service.get_item(s, item_id)).item.title.startswith("房租补贴")
    assert db(lambda s: s.scalars(select(MatchResult).where(
        MatchResult.item_id == item_id, MatchResult.eligible.is_(True))).all())

    row, _ = db(lambda s: _ids_of(service.withdraw(s, OFFICE, clock, document_id, as_of=AS_OF,
                                                   reason="政策到期")))
    assert row == ("withdrawn", 1)
    with pytest.raises(NotFound):
        db(lambda s: service.get_item(s, item_id))
    assert all(iv.item.id != item_id for iv in db(library_source.all))
    assert db(lambda s: s.scalars(select(MatchResult).where(
        MatchResult.item_id == item_id)).all()) == []
    with pytest.raises(Conflict):
        db(lambda s: service.withdraw(s, OFFICE, clock, document_id, as_of=AS_OF))


def _ids_of(result):
    row, report = result
    return (row.status, row.number), report


def test_import_of_the_seed_policies_publishes_them_once(db, clock, app_engine) -> None:
    from huiqi.kit.settings import get_settings

    folder = get_settings().policies_dir
    changed, report = db(lambda s: service.import_files(s, OFFICE, clock, [folder], as_of=AS_OF))
    assert changed == 4 and report is not None and report.items >= 1
    assert db(lambda s: service.import_files(s, OFFICE, clock, [folder], as_of=AS_OF)) == (0, None)
    ids = {i.id for i in db(service.library_items)}
    assert {"dongbao.ecommerce-loan", "dongbao.tech-upgrade", "jiangbei.state-rent-relief",
            "jiangbei.job-retention-refund"} <= ids


def test_the_library_hands_out_the_same_items_until_the_published_set_changes(
        db, clock, doc_id, library_source) -> None:
    # Caches downstream (the 政策礼包 views) are keyed on the very tuple `all` returns: it must
    # be the same object while nothing changed, and a new one after each publication change.
    first, _ = save(db, clock, policy_yaml(doc_id))
    db(lambda s: service.publish(s, OFFICE, clock, first, 1, as_of=AS_OF))
    before = db(library_source.all)
    assert db(library_source.all) is before
    assert f"{doc_id}-rent" in {iv.item.id for iv in before}

    save(db, clock, policy_yaml(doc_id, min_rent=5000))  # a draft changes nothing published
    assert db(library_source.all) is before
    db(lambda s: service.publish(s, OFFICE, clock, first, 2, as_of=AS_OF))  # supersedes v1
    after = db(library_source.all)
    assert after is not before
    assert [iv.number for iv in after if iv.item.id == f"{doc_id}-rent"] == [2]

    db(lambda s: service.withdraw(s, OFFICE, clock, first, as_of=AS_OF))
    assert all(iv.item.id != f"{doc_id}-rent" for iv in db(library_source.all))
