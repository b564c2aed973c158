"""`enterprises` (企业画像: one column per profile field of the catalog, named as the field) and
`enterprise_facts` (application facts an enterprise supplied, one row per field, value as text).

The profile columns are generated from registry/catalog.yaml so the table and the data contract
cannot drift; `column_type` is the one place that maps catalog types to SQL types.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from huiqi.models.base import Base, utcnow
from huiqi.registry.catalog import load_catalog, profile_fields
from huiqi.rules import FieldSpec, FieldType


def column_type(spec: FieldSpec) -> TypeEngine[object]:
    if spec.type is FieldType.BOOL:
        return Boolean()
    if spec.type is FieldType.INTEGER:
        return Integer()
    if spec.type is FieldType.MONEY:
        return Numeric(18, 2)
    if spec.type is FieldType.DECIMAL:
        return Numeric(18, spec.scale)
    if spec.type is FieldType.DATE:
        return Date()
    if spec.type is FieldType.REGION:
        return String(6)
    if spec.type is FieldType.INDUSTRY_CODE:
        return String(5)
    if spec.type is FieldType.ENUM:
        return String(32)
    return String(18 if spec.key else 200)


def _profile_columns() -> list[Column[object]]:
    columns: list[Column[object]] = []
    for spec in profile_fields(load_catalog()):
        columns.append(Column(spec.name, column_type(spec), nullable=not spec.key,
                              unique=spec.key, comment=spec.label))
    return columns


enterprises = Table(
    "enterprises",
    Base.metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
           autoincrement=True),
    *_profile_columns(),
    Column("size_class_derived", Boolean(), nullable=False, default=False,
           comment="size_class 由划型标准推算（未由企业或导入文件提供）"),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
    Index("ix_enterprises_region_industry", "region", "industry_code"),
    Index("ix_enterprises_name", "name"),
    # liaison.members catches tier membership up from the rows changed since (issue 16)
    Index("ix_enterprises_updated_at", "updated_at"),
    comment="企业画像",
)


class Enterprise(Base):
    """An enterprise; attributes are the catalog's profile fields (see `enterprises`)."""

    __table__ = enterprises

    def profile(self) -> dict[str, object]:
        return {spec.name: getattr(self, spec.name) for spec in profile_fields()}


class EnterpriseFact(Base):
    """An application fact (catalog kind=fact) an enterprise supplied, in canonical text form."""

    __tablename__ = "enterprise_facts"
    __table_args__ = (UniqueConstraint("enterprise_id", "field"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


__all__ = ["Enterprise", "EnterpriseFact", "column_type", "enterprises"]
