"""Reading the ratings forms and query strings: plain text, Chinese errors."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from starlette.datastructures import FormData

from huiqi.kit import numbers
from huiqi.kit.errors import ValidationFailed
from huiqi.ratings.service import RatingFilter, RatingIn

DEFAULT_DAYS = 90


def text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def rating_in(form: FormData) -> RatingIn:
    tags = [t for t in form.getlist("tags") if isinstance(t, str)]
    extra = text(form, "other_tags")
    tags += [t for t in extra.replace("，", ",").split(",") if t.strip()]
    return RatingIn(level=text(form, "level"), comment=text(form, "comment") or None, tags=tags,
                    rater_name=text(form, "rater_name") or None,
                    rater_phone=text(form, "rater_phone") or None)


def day(value: str, label: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"「{label}」应为日期，如 2025-06-01，收到「{value}」。") from None


def period(request: Request, today: date) -> tuple[date, date]:
    end = day(request.query_params.get("end", "").strip(), "截止日期", today)
    start = day(request.query_params.get("start", "").strip(), "起始日期",
                end - timedelta(days=DEFAULT_DAYS - 1))
    return start, end


def rating_filter(request: Request, today: date) -> tuple[RatingFilter, dict[str, str]]:
    keys = ("stage", "negative", "excluded", "channel", "source", "level", "department", "q",
            "overdue")
    q = {k: request.query_params.get(k, "").strip() for k in keys}
    flag = {"1": True, "0": False}
    level = int(q["level"]) if q["level"] in ("1", "2", "3", "4", "5") else None
    dept = int(q["department"]) if numbers.is_id(q["department"]) else None
    return RatingFilter(stage=q["stage"] or None, negative=flag.get(q["negative"]),
                        excluded=flag.get(q["excluded"]), channel=q["channel"] or None,
                        source=q["source"] or None, level=level, department_id=dept,
                        overdue_on=today if q["overdue"] == "1" else None, q=q["q"] or None), q
