"""Ingest: every seed cleanly, seed 004 without pinyin/navigation/spam, idempotence, versions,
links to encoded items, and the file kinds (HTML, DOCX, PDF) with their refusals."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import Engine, func, select

from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import clauses, cleaning, readers, service
from huiqi.knowledge.ingest import prepare
from huiqi.models.audit import AuditLog
from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument
from tests.knowledge.conftest import NOW, OFFICE, POLICIES, SEEDS, seed

PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")


def test_seed_004_cleaned_text_is_the_article_body() -> None:
    raw = seed("004").read_text(encoding="utf-8")
    assert PINYIN.search(raw) and "蜘蛛池" in raw  # the clutter is really there
    prepared = prepare(readers.read_path(seed("004")))
    text = "\n".join(prepared.lines)
    assert not PINYIN.search(text)
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", text)
    for clutter in ("今天是", "新聞動態", "代表工作", "閱讀次數", "蜘蛛池", "五大连池市", "平昌县"):
        assert clutter not in text, clutter
    # The body from its first sentence to the signature, in the original (traditional) script.
    assert prepared.lines[0].startswith("——2023630日在青原區第五屆人大常委會")
    assert "區五屆人大常委會第十一次會議聽取和審議了關于我區優化營商環境工作情況的報告" in text
    assert prepared.lines[-2:] == ["青原區人民政府", "2023年6月29日"]
    assert prepared.meta.title.startswith("關于落實區人大常委會優化營商環境工作")
    assert prepared.meta.region == "360803" and str(prepared.meta.issued_on) == "2023-06-30"
    numbers = list(dict.fromkeys(c.number for c in prepared.parts))  # long paragraphs: chunks
    assert numbers[3:8] == ["一", "一(一)", "一(二)", "一(二)1", "一(二)2"]


def test_every_seed_ingests_cleanly_and_again_changes_nothing(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        first = service.ingest_paths(s, OFFICE, [SEEDS], now=NOW, policies_dir=POLICIES)
    assert len(first) == 5
    assert all(isinstance(r, service.Ingested) and r.outcome == "new" for r in first)
    assert all(r.clause_count >= 10 for r in first)  # type: ignore[union-attr]
    with unit_of_work(engine) as s:
        again = service.ingest_paths(s, OFFICE, [SEEDS], now=NOW)
        assert {r.outcome for r in again} == {"unchanged"}  # type: ignore[union-attr]
        assert s.scalar(select(func.count(KnowledgeDocument.id))) == 5
        simplified = s.scalars(select(KnowledgeDocument.simplified_text)).all()
        assert all("關" not in t and "會" not in t for t in simplified)  # t2s for the index
        ids = [str(r.document.id) for r in first]  # type: ignore[union-attr]
        audits = s.scalar(select(func.count(AuditLog.id)).where(
            AuditLog.action == "knowledge.ingest", AuditLog.subject_type == "knowledge_documents",
            AuditLog.subject_id.in_(ids)))
        assert audits == 5  # one each, none for the unchanged re-ingest


def test_a_new_version_supersedes_the_old_one(engine: Engine) -> None:
    v1 = ("关于支持企业技术改造的若干措施\n第一条 设备投资500万元以上的，补助10%。\n"
          "第二条 本措施自2025年1月1日起施行。")
    v2 = v1.replace("补助10%", "补助12%")
    with unit_of_work(engine) as s:
        old = service.ingest_bytes(s, OFFICE, "a.txt", v1.encode(), now=NOW)
        new = service.ingest_bytes(s, OFFICE, "a.txt", v2.encode(), now=NOW)
        assert (old.outcome, new.outcome) == ("new", "new_version")
        assert new.superseded_id == old.document.id
        s.refresh(old.document)
        assert old.document.status == "superseded"
        assert old.document.superseded_by_id == new.document.id
        assert new.document.effective_from is not None
        assert str(new.document.effective_from) == "2025-01-01"
        numbers = s.scalars(select(KnowledgeClause.number).where(
            KnowledgeClause.document_id == new.document.id)).all()
        assert numbers == ["第一条", "第二条"]


def test_clauses_of_seed_003_link_to_the_items_that_cite_it(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        result = service.ingest_paths(s, OFFICE, [seed("003")], now=NOW, policies_dir=POLICIES)
        doc = result[0].document  # type: ignore[union-attr]
        rows = s.execute(select(KnowledgeClause.number, KnowledgeClause.item_ids).where(
            KnowledgeClause.document_id == doc.id)).all()
        linked = {n: ids for n, ids in rows if ids}
        assert linked["第四"] == ["dongbao.tech-upgrade"]
        assert any("dongbao.first-loan-301" in ids for ids in linked.values())
        policy_docs = s.scalars(select(KnowledgeDocument).where(
            KnowledgeDocument.source_kind == "policy")).all()
        assert {d.policy_id for d in policy_docs} >= {"dongbao.tech-upgrade-2025"} or policy_docs


def test_pinyin_annotations_are_removed_but_brackets_kept() -> None:
    assert cleaning.strip_pinyin("新聞動(dòng)態(tài)") == "新聞動態"
    assert cleaning.strip_pinyin("展?fàn)I商") == "展商"
    assert cleaning.strip_pinyin("村(社區)和(一)及 A(b)") == "村(社區)和(一)及 A(b)"


def test_html_navigation_scripts_share_buttons_and_link_spam_go() -> None:
    page = """<html><head><title>关于印发惠企政策的通知</title><script>var x=1;</script></head>
    <body><nav>首页 | 政务公开</nav><div class="breadcrumb">当前位置：首页</div>
    <h1>关于印发惠企政策的通知</h1><p>发布日期：2024-03-05 来源：区经信局</p>
    <p>一、对规上企业给予奖励。</p><p>二、对小微企业给予贴息。</p>
    <div class="bdsharebuttonbox">分享到：微信 微博</div>
    <p>五大连池市| 平昌县| 韩城市| 洪湖市| 秭归县| 马关县|</p>
    <footer>版权所有</footer></body></html>"""
    prepared = prepare(readers.read_bytes("page.html", page.encode()))
    assert prepared.lines == ["一、对规上企业给予奖励。", "二、对小微企业给予贴息。"]
    assert prepared.meta.title == "关于印发惠企政策的通知"
    assert str(prepared.meta.issued_on) == "2024-03-05"


def test_clause_structure_levels() -> None:
    lines = ["第一章 总则", "第一条 为支持企业发展，制定本办法。", "第二条 本办法适用于：",
             "(一)规上企业；", "(二)小微企业。", "第二章 补助", "第三条 补助标准如下。"]
    numbers = [c.number for c in clauses.split(lines)]
    assert numbers == ["第一章第一条", "第一章第二条", "第一章第二条(一)", "第一章第二条(二)",
                       "第二章第三条"]


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(text: str | None, *, password: str | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    if text:
        page.setFont("STSong-Light", 12)
        for n, line in enumerate(text.splitlines()):
            page.drawString(50, 800 - 20 * n, line)
    else:
        page.rect(50, 500, 200, 200, fill=1)  # a "scan": drawing, no text
    page.save()
    if not password:
        return out.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.encrypt(password)
    encrypted = io.BytesIO()
    writer.write(encrypted)
    return encrypted.getvalue()


def test_docx_and_pdf_text_layers_are_read() -> None:
    body = ["关于稳岗返还的通知", "一、参保企业可申请稳岗返还。", "二、返还比例为60%。"]
    from_docx = prepare(readers.read_bytes("n.docx", _docx(body)))
    from_pdf = prepare(readers.read_bytes("n.pdf", _pdf("\n".join(body))))
    for prepared in (from_docx, from_pdf):
        assert prepared.meta.title == "关于稳岗返还的通知"
        assert [c.number for c in prepared.parts] == ["一", "二"]


@pytest.mark.parametrize(("data", "message"), [
    (_pdf(None), "没有文字层"),
    (_pdf("第一条 加密文件。", password="secret"), "已加密"),
    (b"%PDF-1.4 broken", "PDF"),
])
def test_bad_pdfs_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        readers.read_bytes("x.pdf", data)


def test_oversized_and_unknown_files_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="超过上限"):
        readers.read_bytes("big.txt", b"x" * 2048, max_bytes=1024)
    with pytest.raises(ValidationFailed, match="无法识别"):
        readers.read_bytes("a.exe", b"MZ")


def test_a_bad_file_in_a_folder_is_reported_and_the_rest_kept(engine: Engine, tmp_path) -> None:
    (tmp_path / "good.txt").write_text("惠企政策\n第一条 小微企业免申即享。", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(_pdf(None))
    with unit_of_work(engine) as s:
        results = service.ingest_paths(s, OFFICE, [tmp_path], now=NOW)
    failed = [r for r in results if isinstance(r, service.Failed)]
    assert len(results) == 2 and len(failed) == 1 and "scan.pdf" in failed[0].source
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count(KnowledgeDocument.id))) == 1
