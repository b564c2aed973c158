"""Accounts. One role per account (三权分立: the auditor role cannot hold any other)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base, utcnow
from huiqi.models.types import UTCDateTime


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    DEPARTMENT = "department"
    LIAISON = "liaison"
    OFFICE = "office"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"
    SECURITY = "security"
    AGENT = "agent"  # 招商项目代办员 / 项目秘书 (projects)
    PROJECT_LEAD = "project_lead"  # 项目牵头领导 (五个一; projects)
    INSPECTOR = "inspector"  # 执法检查人员 (supervision)
    SUPERVISOR = "supervisor"  # 部门监管负责人 (supervision)
    LEADER = "leader"  # 领导: reads everything (dashboards, reports, ledgers), changes nothing

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ENTERPRISE: "企业用户",
    Role.DEPARTMENT: "部门经办人",
    Role.LIAISON: "服务专员",
    Role.OFFICE: "营商办",
    Role.AUDITOR: "审计管理员",
    Role.SYSADMIN: "系统管理员",
    Role.SECURITY: "安全管理员",
    Role.AGENT: "项目代办员",
    Role.PROJECT_LEAD: "项目牵头领导",
    Role.INSPECTOR: "执法检查人员",
    Role.SUPERVISOR: "部门监管负责人",
    Role.LEADER: "领导",
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # The enterprise an enterprise account acts for (统一社会信用代码); no FK so accounts can be
    # created before the enterprise is imported.
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (huiqi.auth.mfa): the TOTP secret (encrypted, huiqi.kit.fieldcrypt), the last
    # time step accepted (a code is never accepted twice), digests of unused recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
