"""Names of 好差评 — levels, channels, sources, stages, results — and their Chinese labels.

Levels follow the national 政务服务"好差评"制度 (国办发〔2019〕51号): 非常满意、满意、基本满意
are 好评, 不满意、非常不满意 are 差评. Deadlines of the 差评 loop are working days after the
Beijing date of the rating (kit.workdays, 调休 included).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from huiqi.kit.errors import ValidationFailed

VERIFY_WORKDAYS = 3  # 核实: 3 working days
RECTIFY_WORKDAYS = 15  # 整改反馈: 15 working days (国办发〔2019〕51号)
REVISIT_WORKDAYS = 5  # 回访: 5 working days after the rectification (or the 核实 that needs none)
INVITE_DAYS = 15  # an SMS link is valid this many days
MAX_COMMENT = 500
MAX_TAGS = 8


class Level(IntEnum):
    VERY_SATISFIED = 5
    SATISFIED = 4
    BASIC = 3
    UNSATISFIED = 2
    VERY_UNSATISFIED = 1

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def negative(self) -> bool:
        return self <= Level.UNSATISFIED


LEVEL_LABELS = {Level.VERY_SATISFIED: "非常满意", Level.SATISFIED: "满意", Level.BASIC: "基本满意",
                Level.UNSATISFIED: "不满意", Level.VERY_UNSATISFIED: "非常不满意"}


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]


class Channel(_Labelled):
    WINDOW = "window"
    ONLINE = "online"
    PHONE = "phone"


class Source(_Labelled):
    PORTAL = "portal"
    QR = "qr"
    SMS = "sms"
    APPEAL_VISIT = "appeal_visit"
    IMPORT = "import"


class CaseKind(_Labelled):
    APPLICATION = "application"
    APPEAL = "appeal"
    CONTACT = "contact"


class Stage(_Labelled):
    NONE = "none"  # a 好评: nothing to do
    VERIFY = "verify"
    RECTIFY = "rectify"
    REVISIT = "revisit"
    DONE = "done"


class VerifyResult(_Labelled):
    FOUNDED = "founded"
    PARTLY = "partly"
    UNFOUNDED = "unfounded"

    @property
    def needs_rectification(self) -> bool:
        return self is not VerifyResult.UNFOUNDED


class RevisitResult(_Labelled):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"


class DisputeStatus(_Labelled):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


# Tags a rater may tick (free tags are allowed too, up to MAX_TAGS).
GOOD_TAGS = ("办事效率高", "服务态度好", "一次办好", "指引清楚", "材料精简")
BAD_TAGS = ("等待时间长", "多次跑腿", "态度生硬", "材料反复要求", "办不成事", "标准不一")

_LABELS: dict[StrEnum, str] = {
    Channel.WINDOW: "窗口", Channel.ONLINE: "网上", Channel.PHONE: "电话",
    Source.PORTAL: "企业门户", Source.QR: "窗口扫码", Source.SMS: "短信链接",
    Source.APPEAL_VISIT: "诉求回访", Source.IMPORT: "批量导入",
    CaseKind.APPLICATION: "政策申报", CaseKind.APPEAL: "诉求", CaseKind.CONTACT: "窗口服务",
    Stage.NONE: "好评", Stage.VERIFY: "待核实", Stage.RECTIFY: "待整改", Stage.REVISIT: "待回访",
    Stage.DONE: "已办结",
    VerifyResult.FOUNDED: "属实", VerifyResult.PARTLY: "部分属实",
    VerifyResult.UNFOUNDED: "不属实",
    RevisitResult.SATISFIED: "满意", RevisitResult.BASIC: "基本满意",
    RevisitResult.UNSATISFIED: "不满意",
    DisputeStatus.PENDING: "待复核", DisputeStatus.UPHELD: "申诉成立（已剔除）",
    DisputeStatus.REJECTED: "申诉驳回",
}


def level_of(value: object) -> Level:
    """A level from a form, JSON or file value; anything but 1–5 is refused (422)."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 5:
        raise ValidationFailed(f"评价等级应为 1–5（5 非常满意 … 1 非常不满意），收到「{value}」。",
                               details={"field": "level"})
    return Level(int(text))
