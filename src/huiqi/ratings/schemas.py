"""JSON shapes of the ratings API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from huiqi.ratings.figures import Figures


class RatingInBody(BaseModel):
    case_kind: str = Field(description="application（政策申报）或 appeal（诉求）")
    case_ref: str = Field(description="办件编号：申报或诉求的编号")
    level: int = Field(description="5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意")
    comment: str | None = None
    tags: list[str] = Field(default_factory=list)


class StepBody(BaseModel):
    result: str | None = Field(
        None, description="核实：founded/partly/unfounded；回访：satisfied/basic/unsatisfied")
    note: str | None = None


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_key: str
    level: int
    negative: bool
    comment: str | None
    tags: list[str]
    department_name: str
    item_name: str | None
    window_name: str | None
    staff_name: str | None
    channel: str
    source: str
    rated_at: datetime
    stage: str
    verify_due: date | None
    verify_result: str | None
    rectify_due: date | None
    rectified_at: datetime | None
    revisit_due: date | None
    revisit_result: str | None
    excluded: bool
    excluded_reason: str | None


class RatingPage(BaseModel):
    items: list[RatingOut]
    total: int
    page: int
    per_page: int


class ShareOut(BaseModel):
    numerator: int
    denominator: int
    percent: str


class FiguresOut(BaseModel):
    total: int
    excluded: int
    negatives: int
    average: str | None
    good: ShareOut
    bad: ShareOut
    verified: ShareOut
    verified_on_time: ShareOut
    rectified: ShareOut
    revisited: ShareOut
    revisit_satisfied: ShareOut
    hundred_percent: bool


class StatsOut(BaseModel):
    start: date
    end: date
    dimension: str
    definitions: dict[str, str]
    overall: FiguresOut
    groups: dict[str, FiguresOut]


def figures_out(f: Figures) -> FiguresOut:
    def share(s: object) -> ShareOut:
        return ShareOut(numerator=s.numerator, denominator=s.denominator,  # type: ignore[attr-defined]
                        percent=s.percent)  # type: ignore[attr-defined]

    return FiguresOut(
        total=f.total, excluded=f.excluded, negatives=f.negatives,
        average=str(f.average) if f.average is not None else None, good=share(f.good),
        bad=share(f.bad), verified=share(f.verified), verified_on_time=share(f.verified_on_time),
        rectified=share(f.rectified), revisited=share(f.revisited),
        revisit_satisfied=share(f.revisit_satisfied), hundred_percent=f.hundred_percent)
