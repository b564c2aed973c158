"""包联 (liaison) tables: tiers, handovers, contacts (走访/电话/线上) and their photos, visit plans,
campaigns (集中攻坚行动) and the office's settings (无事不扰)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class LiaisonTier(Base):
    """A tier of the 百千万 system: who serves (区领导/部门/网格专员) which enterprises (`rule`)."""

    __tablename__ = "liaison_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    official_label: Mapped[str] = mapped_column(String(100))  # 区领导 / 行业部门 / 网格专员
    rule: Mapped[str] = mapped_column(Text)  # a criterion over the catalog's profile fields
    stale_days: Mapped[int] = mapped_column(Integer)  # "no contact for N days" flag
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiaisonHandover(Base):
    """One handover (or first assignment / removal) of an enterprise at a tier."""

    __tablename__ = "liaison_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("liaison_tiers.id", ondelete="SET NULL"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiaisonContact(Base):
    """A contact with an enterprise: a visit (走访), a phone call or an online contact.
    `contacted_on` is the day it happened (last contact is computed from it, never from
    `recorded_at`, the day it was typed in)."""

    __tablename__ = "liaison_contacts"
    # an enterprise's last contact (and last told of a policy) from the index alone (rates)
    __table_args__ = (Index("ix_liaison_contacts_uscc_day", "enterprise_uscc", "contacted_on",
                            "policy_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # visit | phone | online
    contacted_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    people_met: Mapped[str] = mapped_column(String(300), default="")
    topics: Mapped[str] = mapped_column(Text, default="")
    policies_explained: Mapped[list[str]] = mapped_column(JSON, default=list)  # item ids
    policy_count: Mapped[int] = mapped_column(Integer, default=0)  # len(policies_explained)
    problems: Mapped[str] = mapped_column(Text, default="")
    appeal_id: Mapped[int | None] = mapped_column(Integer)
    next_visit_on: Mapped[date | None] = mapped_column(Date)
    facts_collected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    materials: Mapped[int] = mapped_column(Integer, default=0)  # 政策指南 handed out
    cards: Mapped[int] = mapped_column(Integer, default=0)  # 服务卡 handed out
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("liaison_campaigns.id", ondelete="SET NULL"), index=True)


class LiaisonPhoto(Base):
    __tablename__ = "liaison_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("liaison_contacts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)


class LiaisonPlan(Base):
    """A planned visit; reminded the day before (tasks.tick), done when a contact is logged."""

    __tablename__ = "liaison_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    planned_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("liaison_contacts.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiaisonCampaign(Base):
    """集中攻坚行动: a dated campaign over target enterprises; its figures come from the logs."""

    __tablename__ = "liaison_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("liaison_tiers.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiaisonCampaignTarget(Base):
    __tablename__ = "liaison_campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_uscc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("liaison_campaigns.id", ondelete="CASCADE"), index=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18))


class LiaisonSetting(Base):
    """The office's settings (one row): 无事不扰 — at most `max_contacts` in `period_days`."""

    __tablename__ = "liaison_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    max_contacts: Mapped[int] = mapped_column(Integer)
    period_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# the member flags the rates read (the covering indexes of liaison_members carry them)
FLAGS = ("assigned", "eligible", "benefited", "last_contact", "last_told", "last_opened")


class LiaisonMember(Base):
    """Tier membership with each member's flags, kept so the coverage page and the rates are one
    GROUP BY over this table instead of evaluating every tier's rule and joining every source
    per request. `tier_id` 0 is every enterprise (the population of the overall and per-street
    figures). Caught up by liaison.rates_repository.sync from what changed since the last time
    (enterprises.updated_at, new contacts, assignments and handovers, match results, grants, 礼包
    openings); a tier's rows are rebuilt when its rule changes."""

    __tablename__ = "liaison_members"
    # clustered by (tier, enterprise) on SQLite too: the catch-up finds rows by their key. The
    # rates read two covering indexes in their GROUP BY order (no sort, no row lookups): every
    # enterprise by street, the tiers' members by official.
    __table_args__ = (Index("ix_liaison_members_uscc", "enterprise_uscc", "tier_id"),
                      Index("ix_liaison_members_street", "tier_id", "street", *FLAGS),
                      Index("ix_liaison_members_official", "tier_id", "user_id", *FLAGS),
                      {"sqlite_with_rowid": False})

    tier_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                               index=True)
    street: Mapped[str] = mapped_column(String(200))
    assigned: Mapped[int] = mapped_column(Integer, default=0)  # an official at this tier (0: any)
    user_id: Mapped[int | None] = mapped_column(Integer)  # that official (tier 0: none)
    last_contact: Mapped[date | None] = mapped_column(Date)  # the day it happened
    last_told: Mapped[date | None] = mapped_column(Date)  # a contact that explained a policy
    last_opened: Mapped[date | None] = mapped_column(Date)  # opened its 礼包 (pack_openings)
    eligible: Mapped[int] = mapped_column(Integer, default=0)  # at least one item eligible now
    benefited: Mapped[int] = mapped_column(Integer, default=0)  # has a grant


class LiaisonMemberSync(Base):
    """How far a tier's `liaison_members` rows are caught up: the rule they were computed with
    and the newest `enterprises.updated_at` they reflect; row 0 also keeps the marks of the flag
    sources (`stamps`, JSON) last read."""

    __tablename__ = "liaison_member_syncs"

    tier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rule: Mapped[str] = mapped_column(Text)
    # the same type as enterprises.updated_at (compared with it as read back)
    synced_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stamps: Mapped[str] = mapped_column(Text, default="")
