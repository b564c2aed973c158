"""Policy library pages: upload, refused upload with inline errors, the editor's check, publish
and withdraw through the pages, version and diff pages, and who may see them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from huiqi.kit.db import unit_of_work
from huiqi.models.audit import AuditLog
from huiqi.models.policy import PolicyDocument
from tests.fixtures.web import csrf_token, post_form
from tests.policies.conftest import notification_count, policy_yaml


def upload(client, text: str, filename: str = "rent.yaml"):
    return client.post("/policies/upload", data={"csrf_token": csrf_token(client), "note": ""},
                       files={"file": (filename, text.encode("utf-8"), "text/yaml")})


def document_id(engine, policy_id: str) -> int | None:
    with unit_of_work(engine) as db:
        return db.scalar(select(PolicyDocument.id).where(PolicyDocument.policy_id == policy_id))


def test_upload_saves_a_draft_and_shows_the_document(logged_in, app_engine, doc_id) -> None:
    office = logged_in("office")
    response = upload(office, policy_yaml(doc_id))
    assert response.status_code == 303
    page = office.get(response.headers["location"])
    assert page.status_code == 200
    assert "已保存为第 1 版草稿" in page.text and f"{doc_id}-rent" in page.text
    assert "发布第 1 版" in page.text and "未发布" in page.text
    assert office.get("/policies").text.count(doc_id) >= 1


def test_a_malformed_upload_is_refused_with_every_problem_inline(
        logged_in, app_engine, doc_id) -> None:
    office = logged_in("office")
    bad = policy_yaml(doc_id).replace("monthly_rent >= 20000", "monthly_rent >= 'x' OR 1")
    bad = bad.replace("region: \"500105\"", "region: \"5001\"")
    response = upload(office, bad, "bad-rent.yaml")
    assert response.status_code == 422
    text = response.text
    assert "未保存" in text and "3 处错误" in text
    # each problem: file:line:col, item, criterion, next to the line it points at
    assert re.search(r"bad-rent\.yaml:17:\d+", text), text
    assert f"事项 <code>{doc_id}-rent</code>" in text and "条件“租金达标”" in text
    assert re.search(r'<tr id="L17" class="has-problem">', text)
    assert re.search(r'<tr class="problem" data-line="17">.*租金达标', text)
    assert re.search(r'<tr id="L5" class="has-problem">', text)
    assert document_id(app_engine, doc_id) is None


def test_a_non_utf8_or_empty_upload_is_refused(logged_in) -> None:
    office = logged_in("office")
    empty = upload(office, "", "empty.yaml")
    assert empty.status_code == 422 and "空文件" in empty.text
    refused = office.post("/policies/upload", data={"csrf_token": csrf_token(office)},
                          files={"file": ("gbk.yaml", "政策".encode("gbk"), "text/yaml")})
    assert refused.status_code == 422 and "UTF-8" in refused.text


def test_check_validates_without_saving_and_runs_the_test_cases(
        logged_in, app_engine, doc_id) -> None:
    office = logged_in("office")
    headers = {"X-CSRF-Token": csrf_token(office), "HX-Request": "true"}
    good = office.post("/policies/check", headers=headers,
                       data={"source": policy_yaml(doc_id), "filename": "rent.yaml"})
    assert good.status_code == 200
    assert "校验通过" in good.text and "3 个测试用例全部通过" in good.text
    failing = policy_yaml(doc_id).replace('amount: "20000.00"', 'amount: "1.00"')
    bad = office.post("/policies/check", headers=headers,
                      data={"source": failing, "filename": "rent.yaml"})
    assert bad.status_code == 200 and "1 个测试用例未通过" in bad.text
    assert "金额：期望 1.00 元，实际 20000.00 元" in bad.text
    assert document_id(app_engine, doc_id) is None


def test_editor_save_and_publish_rematches_and_notifies(
        logged_in, app_engine, doc_id, enterprise) -> None:
    office = logged_in("office")
    fits = enterprise(monthly_rent=25000)
    response = post_form(office, "/policies/versions", {
        "source": policy_yaml(doc_id).replace("\n", "\r\n"), "filename": "rent.yaml",
        "publish": "1"})
    assert response.status_code == 303
    page = office.get(response.headers["location"]).text
    assert "已发布第 1 版" in page and re.search(r"已重新匹配 \d+ 家企业", page)
    assert "新符合条件的企业" in page
    assert notification_count(app_engine, fits.id) == 1
    with unit_of_work(app_engine) as db:
        actions = set(db.scalars(select(AuditLog.action).where(
            AuditLog.actor_username == office.creds.username)))
    assert {"policy.upload", "policy.publish"} <= actions


def test_versions_diff_and_withdraw_pages(logged_in, app_engine, doc_id) -> None:
    office = logged_in("office")
    upload(office, policy_yaml(doc_id))
    did = document_id(app_engine, doc_id)
    assert post_form(office, f"/policies/{did}/versions/1/publish").status_code == 303
    edited = post_form(office, "/policies/versions", {
        "source": policy_yaml(doc_id, min_rent=15000), "filename": "rent.yaml",
        "document_id": str(did), "note": "降低门槛"})
    assert edited.status_code == 303
    diff = office.get(f"/policies/{did}/diff?a=1&b=2")
    assert diff.status_code == 200
    assert re.search(r'<tr class="del">.*monthly_rent &gt;= 20000', diff.text)
    assert re.search(r'<tr class="add">.*monthly_rent &gt;= 15000', diff.text)
    version = office.get(f"/policies/{did}/versions/2")
    assert "降低门槛" in version.text and "草稿" in version.text
    raw = office.get(f"/policies/{did}/versions/2/source")
    assert raw.text == policy_yaml(doc_id, min_rent=15000)
    editor = office.get(f"/policies/{did}/edit")
    assert "monthly_rent &gt;= 15000" in editor.text
    withdrawn = post_form(office, f"/policies/{did}/withdraw", {"reason": "测试"})
    assert withdrawn.status_code == 303
    page = office.get(f"/policies/{did}").text
    assert "已撤回第 1 版" in page and "已撤回" in page


@pytest.mark.parametrize("role", ["enterprise", "department", "liaison", "auditor"])
def test_other_roles_get_404(logged_in, role) -> None:
    client = logged_in(role)
    for path in ("/policies", "/policies/new", "/policies/editor", "/policies/1"):
        assert client.get(path).status_code == 404, path
    assert "/policies" not in client.get("/").text.split("<main")[0]


def test_the_auditor_cannot_upload_or_check(logged_in, doc_id) -> None:
    auditor = logged_in("auditor")
    response = upload(auditor, policy_yaml(doc_id))
    assert response.status_code in (403, 404)
    response = auditor.post("/policies/check", data={"source": policy_yaml(doc_id)},
                            headers={"X-CSRF-Token": csrf_token(auditor)})
    assert response.status_code in (403, 404)


def test_check_reads_in_chinese_field_labels_and_yes_no(logged_in, doc_id) -> None:
    """Problems and failed test cases as the office reads them: Chinese, catalog labels, 是/否."""
    office = logged_in("office")
    headers = {"X-CSRF-Token": csrf_token(office), "HX-Request": "true"}
    typo = policy_yaml(doc_id).replace("承租国有房屋: rents_state_property",
                                       "承租国有房屋: rents_state_propert")
    bad = office.post("/policies/check", headers=headers,
                      data={"source": typo, "filename": "rent.yaml"})
    said = html.unescape(bad.text)
    assert "未知字段 'rents_state_propert'（是否为 'rents_state_property'？）" in said
    assert "did you mean" not in bad.text and "unknown field" not in bad.text
    broken = office.post("/policies/check", headers=headers,
                         data={"source": "policy:\n  id: [x\n", "filename": "rent.yaml"})
    assert "YAML 格式错误" in broken.text and "not valid YAML" not in broken.text
    wrong = policy_yaml(doc_id).replace(
        "facts: {rents_state_property: false, monthly_rent: 20000}",
        "facts: {monthly_rent: 20000}")
    assert wrong != policy_yaml(doc_id)
    failed = office.post("/policies/check", headers=headers,
                         data={"source": wrong, "filename": "rent.yaml"})
    assert "是否符合：期望 否，实际 待定（缺少：承租国有房屋）" in failed.text
    assert "期望 false" not in failed.text and "实际 unknown" not in failed.text
