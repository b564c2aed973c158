"""Intake from every channel, with bad input refused clearly; attachments; duplicates + merge."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from huiqi.appeals import attachments, duplicates, service
from huiqi.appeals.intake import AppealIn, MeetingIn
from huiqi.appeals.state import ActionNotAllowed, InvalidTransition
from huiqi.appeals.vocab import AppealAction as A
from huiqi.appeals.vocab import AppealStatus as S
from huiqi.appeals.vocab import Source
from huiqi.kit.errors import NotFound, PermissionDenied, ValidationFailed
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_intake import AppealImportBatch
from tests.appeals.conftest import PDF, World, make_uscc, raise_appeal


def get(world: World, appeal_id: int) -> Appeal:
    with world.tx() as s:
        appeal = s.get(Appeal, appeal_id)
        assert appeal is not None
        return appeal


def test_channels_set_source_and_enterprise(world: World) -> None:
    own = get(world, raise_appeal(world, "ent_a"))
    assert (own.source, own.enterprise_uscc, own.enterprise_name) == (
        Source.ONLINE, make_uscc(1), "测试企业1有限公司")
    by_liaison = get(world, raise_appeal(world, "liaison", enterprise_uscc=make_uscc(1)))
    assert by_liaison.source == Source.LIAISON_VISIT
    by_office = get(world, raise_appeal(world, "office", enterprise_uscc=make_uscc(2)))
    assert by_office.source == Source.OFFICE_ENTRY and by_office.status == S.SUBMITTED


@pytest.mark.parametrize(("who", "kw", "error", "message"), [
    ("ent_a", {"category": "飞行许可"}, ValidationFailed,
     "未知的诉求类别「飞行许可」。可选类别：融资信贷"),
    ("ent_a", {"title": "  "}, ValidationFailed, "请填写「标题」"),
    ("ent_a", {"enterprise_uscc": make_uscc(2)}, ValidationFailed, "只能为本企业提交"),
    ("liaison", {"enterprise_uscc": make_uscc(2)}, ValidationFailed, "不在您的包联名单中"),
    ("office", {}, ValidationFailed, "请填写企业的统一社会信用代码"),
    ("office", {"enterprise_uscc": "91500105MA0000001X"}, ValidationFailed, "校验码错误"),
    ("office", {"enterprise_uscc": make_uscc(2), "source": "sentinel"}, ValidationFailed,
     "不是营商前哨企业"),
    ("ent_a", {"source": "hotline"}, ValidationFailed, "企业只能通过线上提交"),
    ("ent_a", {"lat": "abc"}, ValidationFailed, "「纬度」应为数字"),
    ("hr", {}, ActionNotAllowed, "「部门经办人」不能提交诉求"),
    ("auditor", {}, PermissionDenied, "审计管理员账号只能查阅"),
])
def test_bad_intake_is_refused(world: World, who: str, kw: dict[str, object],
                               error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        raise_appeal(world, who, **kw)
    with world.tx() as s:
        assert s.scalars(select(Appeal)).first() is None


def test_sentinel_enterprise_and_its_trends(world: World) -> None:
    world.do(service.set_sentinel, world.office, uscc=make_uscc(2))
    flagged = get(world, raise_appeal(world, "office", enterprise_uscc=make_uscc(2),
                                      source="sentinel"))
    assert flagged.sentinel and flagged.source == Source.SENTINEL
    assert get(world, raise_appeal(world, "ent_b")).sentinel  # any channel
    assert not get(world, raise_appeal(world, "ent_a")).sentinel
    from huiqi.appeals import stats

    trends = world.do(stats.sentinel_trends, world.office, date(2025, 9, 22))
    assert [(t.category, t.this_week) for t in trends] == [("用工招聘", 2)]
    only = world.do(lambda s: list(s.scalars(service.list_query(
        world.office, service.AppealFilter(sentinel=True)))))
    assert {a.id for a in only} == {flagged.id, flagged.id + 1}


def test_meeting_batch_is_all_or_nothing(world: World) -> None:
    items = [AppealIn(category="用工招聘", title="缺焊工", description="需要焊工",
                      enterprise_uscc=make_uscc(1)),
             AppealIn(category="finance", title="贷款难", description="首贷难",
                      enterprise_uscc=make_uscc(2))]
    meeting, appeals = world.do(service.record_meeting, world.office,
                                data=MeetingIn("第12期政企恳谈会", date(2025, 9, 25), items,
                                               location="区政府3楼会议室", host="王副区长"))
    assert [a.source for a in appeals] == [Source.ROUNDTABLE, Source.ROUNDTABLE]
    assert {a.meeting_id for a in appeals} == {meeting.id}
    bad = [*items, AppealIn(category="不存在", title="x", description="y",
                            enterprise_uscc=make_uscc(1))]
    with pytest.raises(ValidationFailed, match="第 3 条诉求：未知的诉求类别「不存在」"):
        world.do(service.record_meeting, world.office,
                 data=MeetingIn("第13期", date(2025, 10, 9), bad))
    with world.tx() as s:
        assert len(list(s.scalars(select(Appeal)))) == 2  # nothing of the refused sitting
    with pytest.raises(PermissionDenied):
        world.do(service.record_meeting, world.hr, data=MeetingIn("x", date(2025, 10, 9), items))


def hotline_xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["工单编号", "来电时间", "企业名称", "统一社会信用代码", "诉求类别", "诉求内容",
               "联系人", "联系电话"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_hotline_import_reports_bad_rows_and_is_idempotent(world: World) -> None:
    data = hotline_xlsx([
        ["GD2025092201", "2025-09-22 09:12", "", make_uscc(1), "用工招聘", "招工难", "张三",
         "13800000000"],
        ["GD2025092202", "2025-09-22 09:30", "测试企业2有限公司", "", "融资信贷", "贷款利率高",
         "李四", ""],  # no USCC, found by name
        ["", "", "", make_uscc(1), "用工招聘", "无工单号", "", ""],
        ["GD2025092204", "", "", make_uscc(1), "飞行许可", "类别错误", "", ""],
        ["GD2025092205", "", "", "123", "用工招聘", "代码错误", "", ""],
        ["GD2025092206", "", "无此企业", "", "用工招聘", "找不到企业", "", ""],
        ["GD2025092207", "", "", make_uscc(2), "用工招聘", "", "", ""],
        ["GD2025092201", "", "", make_uscc(1), "用工招聘", "同一文件内重复", "", ""],
    ])
    result = world.do(service.import_hotline, world.office, filename="12345转办.xlsx", data=data)
    assert len(result.imported) == 2 and result.duplicates == ["GD2025092201"]
    expected = [(4, "缺少工单编号。"), (5, "未知的诉求类别「飞行许可」"),
                (6, "统一社会信用代码应为18位"),
                (7, "缺少统一社会信用代码，且按企业名称「无此企业」未找到"),
                (8, "缺少诉求内容。")]
    assert [e.row for e in result.errors] == [n for n, _ in expected]
    for error, (_, start) in zip(result.errors, expected, strict=True):
        assert error.reason.startswith(start), error.reason
    # each refused row keeps a stable machine code beside its Chinese message
    assert [e.code for e in result.errors] == ["missing_ticket", "invalid", "invalid",
                                               "enterprise_not_found", "missing_description"]
    first = get(world, result.imported[0])
    assert (first.source, first.hotline_ticket, first.title) == (Source.HOTLINE, "GD2025092201",
                                                                  "招工难")
    again = world.do(service.import_hotline, world.office, filename="12345转办.xlsx", data=data)
    assert again.imported == [] and len(again.duplicates) == 3 and len(again.errors) == 5
    with world.tx() as s:
        assert len(list(s.scalars(select(Appeal)))) == 2
        assert [b.imported for b in s.scalars(select(AppealImportBatch))] == [2, 0]


def test_hotline_import_reads_title_rows_and_gbk_like_the_registry(world: World) -> None:
    """The 12345 import reads files with the registry's pipeline: the header is found below a
    merged title, row numbers stay the sheet's; a GBK-encoded CSV reads like UTF-8."""
    wb = Workbook()
    ws = wb.active
    ws.append(["12345热线转办工单（2025年9月）"])
    ws.merge_cells("A1:D1")
    ws.append(["工单编号", "统一社会信用代码", "诉求类别", "诉求内容"])
    ws.append(["GD01", make_uscc(1), "用工招聘", "招工难"])
    ws.append(["GD02", make_uscc(1), "飞行许可", "类别错误"])
    out = io.BytesIO()
    wb.save(out)
    result = world.do(service.import_hotline, world.office, filename="转办.xlsx",
                      data=out.getvalue())
    assert len(result.imported) == 1 and [e.row for e in result.errors] == [4]
    gbk = f"工单编号,统一社会信用代码,诉求类别,诉求内容\nGD03,{make_uscc(2)},用工招聘,缺电工\n"
    result = world.do(service.import_hotline, world.office, filename="转办.csv",
                      data=gbk.encode("gbk"))
    assert len(result.imported) == 1 and get(world, result.imported[0]).description == "缺电工"


def test_hotline_import_refuses_a_file_without_the_columns(world: World) -> None:
    with pytest.raises(ValidationFailed, match="缺少必需的列：工单编号、诉求类别"):
        world.do(service.import_hotline, world.office, filename="x.csv",
                 data="编号,内容\n1,abc\n".encode())
    with pytest.raises(ValidationFailed, match="不支持的文件类型"):
        world.do(service.import_hotline, world.office, filename="x.pdf", data=PDF)


def test_attachments_limits_and_access(world: World) -> None:
    aid = raise_appeal(world)
    row = world.do(attachments.add, world.ent_a, appeal_id=aid, filename="营业执照.pdf",
                   stream=io.BytesIO(PDF))
    assert row.kind == "pdf" and row.size == len(PDF)
    with pytest.raises(attachments.UploadTooLarge, match="不能超过 64 KB"):
        world.do(attachments.add, world.ent_a, appeal_id=aid, filename="大.pdf",
                 stream=io.BytesIO(PDF + b"0" * 70_000))
    with pytest.raises(attachments.UploadRefused, match="类型不受支持"):
        world.do(attachments.add, world.ent_a, appeal_id=aid, filename="x.exe",
                 stream=io.BytesIO(b"MZ\x90\x00"))
    _, path = world.do(attachments.open_file, world.office, attachment_id=row.id)
    assert path.read_bytes() == PDF
    with pytest.raises(NotFound):
        world.do(attachments.open_file, world.ent_b, attachment_id=row.id)
    with pytest.raises(NotFound):
        world.do(attachments.add, world.ent_b, appeal_id=aid, filename="a.pdf",
                 stream=io.BytesIO(PDF))


def test_duplicates_are_suggested_and_merged(world: World) -> None:
    first = raise_appeal(world)
    world.clock.advance(days=3)
    second = raise_appeal(world, title="招工难，缺熟练焊工",
                          description="扩产需要焊工30名，招聘困难，请协助对接。")
    other = raise_appeal(world, title="申请贷款贴息", description="技改贷款贴息何时兑现")
    assert raise_appeal(world, "ent_b") != other  # another enterprise: never a duplicate
    found = world.do(service.possible_duplicates, world.office, appeal_id=second)
    assert [d.appeal_id for d in found] == [first]
    assert found[0].score >= 0.5 and "相似度" in found[0].reason
    with pytest.raises(PermissionDenied):
        world.do(service.merge, world.ent_a, duplicate_id=second, into_id=first)
    target = world.do(service.merge, world.office, duplicate_id=second, into_id=first)
    assert target.id == first
    merged = get(world, second)
    assert merged.status == S.CLOSED and merged.merged_into_id == first
    assert "重复，已合并" in (merged.close_reason or "")
    assert world.do(service.possible_duplicates, world.office, appeal_id=first) == []
    with pytest.raises(InvalidTransition):
        world.do(service.merge, world.office, duplicate_id=other, into_id=second)
    assert duplicates.similarity("招工难", "招工难") == 1.0
    assert world.do(service.act, world.office, appeal_id=first, action=A.DISPATCH,
                    payload={"lead_department": "hr"}).status == S.DISPATCHED


def test_merging_moves_the_duplicates_attachments(world: World) -> None:
    first = raise_appeal(world)
    second = raise_appeal(world, title="招工难，缺熟练焊工")
    files = [world.do(attachments.add, world.ent_a, appeal_id=second, filename=name,
                      stream=io.BytesIO(PDF)) for name in ("招聘计划.pdf", "岗位清单.pdf")]
    kept = world.do(attachments.add, world.ent_a, appeal_id=first, filename="营业执照.pdf",
                    stream=io.BytesIO(PDF))
    world.do(service.merge, world.office, duplicate_id=second, into_id=first)
    on_first = world.do(attachments.list_for, world.ent_a, appeal_id=first)
    assert sorted(a.id for a in on_first) == sorted([kept.id, *(f.id for f in files)])
    assert world.do(attachments.list_for, world.ent_a, appeal_id=second) == []
    _, path = world.do(attachments.open_file, world.ent_a, attachment_id=files[0].id)
    assert path.read_bytes() == PDF  # same stored file, now reached through the target
    moved = {aid: [e for e in world.do(service.timeline, world.office, appeal_id=aid)
                   if e.kind == "attachments_moved"] for aid in (first, second)}
    assert [e.note for e in moved[second]] == [
        f"2 个附件随合并移至 #{first}：招聘计划.pdf、岗位清单.pdf"]
    assert [e.note for e in moved[first]] == [
        f"随合并从 #{second} 移入 2 个附件：招聘计划.pdf、岗位清单.pdf"]
    with pytest.raises(NotFound):  # still visible only to its own enterprise
        world.do(attachments.open_file, world.ent_b, attachment_id=files[0].id)
    other = raise_appeal(world, "ent_b")
    with pytest.raises(ValidationFailed, match="同一企业"):
        world.do(service.merge, world.office, duplicate_id=other, into_id=first)
    assert get(world, other).status == S.SUBMITTED
