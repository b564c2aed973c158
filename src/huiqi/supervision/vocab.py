"""Words of the supervision domain: statuses, outcomes, quiet-day exceptions, credit fields."""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    DRAFT = "draft"
    COMMITTED = "committed"  # the commitment is published; waiting for the beacon
    DRAWN = "drawn"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "committed": "已公布承诺，待公开随机数",
                "drawn": "已抽取"}[self.value]


class Outcome(StrEnum):
    CLEAR = "clear"
    ISSUES = "issues"
    NOT_FOUND = "not_found"

    @property
    def label(self) -> str:
        return {"clear": "未发现问题", "issues": "发现问题", "not_found": "未找到企业"}[self.value]


# 企业安静期 exceptions (seeds/004): inspections on a quiet day need one of these and a reason.
QUIET_EXCEPTIONS = {
    "national_security": "国家安全",
    "public_safety": "公共安全",
    "production_safety": "安全生产",
    "environment": "生态环境",
    "food_drugs": "食品药品安全",
    "product_quality": "产品质量",
    "complaint": "投诉举报",
    "case": "案件查处",
    "assigned": "上级交办",
}

# Credit-graded supervision fields (seeds/002: 18 fields; the ones the demo and imports use).
FIELDS = {
    "market": "市场监管", "tax": "税务", "safety": "安全生产", "food": "食品卫生",
    "construction": "建筑", "transport": "交通", "environment": "环保", "general": "综合",
}
GENERAL_FIELD = "general"  # 综合: an item in it needs no particular 执法领域 of its officers
BEACON_KINDS = {"drand": "drand 公共随机信标（轮次）", "public": "现场公开摇号（两名工作人员录入）"}
PUBLISH_WITHIN_WORKDAYS = 20
