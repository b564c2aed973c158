"""The policy knowledge base: ingested documents (every version kept) and their clauses.

A document is identified by the hash of its cleaned text (ingest is idempotent); `doc_key`
(its 文号, else its simplified title) ties the versions of one document together: a new
version marks the current one superseded. Clauses carry their simplified text pre-tokenised by
jieba, so search ranks the same rows the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class KnowledgeDocument(Base):
    __tablename__ = "knowledge_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    doc_key: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_no: Mapped[str | None] = mapped_column(String(100))  # 文号
    issuer: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(6))  # 行政区划代码
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))  # file path, URL or policy file
    source_kind: Mapped[str] = mapped_column(String(10))  # html | text | docx | pdf | policy
    original_text: Mapped[str] = mapped_column(Text)
    simplified_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="current")  # current | superseded
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="SET NULL"))
    policy_id: Mapped[str | None] = mapped_column(String(100))  # an encoded policy document
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeClause(Base):
    __tablename__ = "knowledge_clauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))  # 第五条, 一、(二), 第3段
    heading: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # as written (may be traditional)
    simplified: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text)  # jieba tokens of `simplified`, space-separated
    item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # encoded items citing it
