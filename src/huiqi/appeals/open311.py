"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), so standard civic clients can
file and read appeals. Categories are the services; an appeal is a service request.

- `GET /open311/v2/services.json` — public.
- `GET /open311/v2/requests.json` — needs `api_key` (a personal API token, or a Bearer header);
  filters `service_request_id` (comma-separated), `service_code`, `status` (open/closed),
  `start_date`/`end_date` (W3C datetimes; default: the last 90 days); at most 1000, newest first;
  only the appeals the key's account may see (appeals are enterprise data, never public).
- `POST /open311/v2/requests.json` — form fields `api_key`, `service_code`, `description`,
  `lat`/`long`, `address_string`, `first_name`, `last_name`, `phone`, `email`; appeal fields as
  `attribute[title]`, `attribute[enterprise_uscc]` (staff filing for an enterprise; also accepted
  as `account_id`). Answers `[{"service_request_id", "service_notice", "account_id"}]`.
- `GET /open311/v2/requests/{id}.json`.
Every endpoint also answers `.xml`. Errors are `[{"code": 400, "description": "…"}]`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from xml.etree import ElementTree as ET  # building XML only, never parsing it

from fastapi import Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from huiqi.appeals import categories, service
from huiqi.appeals import repository as repo
from huiqi.appeals.deadlines import deadline_end
from huiqi.appeals.intake import AppealIn
from huiqi.appeals.records import kind_label
from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit import web
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, client_ip
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory

router = web.router(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
Opt = Annotated[str | None, Form()]


class NotAuthorised(HuiqiError):
    status_code = 403
    code = "open311_api_key"


# --- formats ------------------------------------------------------------------------------------

def respond(fmt: str, root: str, item: str, rows: Sequence[Mapping[str, Any]],
            status_code: int = 200) -> Response:
    if fmt == "json":
        return JSONResponse(list(rows), status_code=status_code)
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            ET.SubElement(element, key).text = "" if value is None else _xml_text(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return Response(body, status_code=status_code, media_type="text/xml; charset=utf-8")


def _xml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def error(fmt: str, exc: HuiqiError) -> Response:
    status = 400 if exc.status_code == 422 else exc.status_code
    return respond(fmt, "errors", "error", [{"code": status, "description": exc.message}],
                   status)


# --- shapes -------------------------------------------------------------------------------------

def service_row(category: AppealCategory) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name,
            "description": category.description or
            f"签收时限 {category.sign_within_workdays} 个工作日，"
            f"办结时限 {category.resolve_within_workdays} 个工作日",
            "metadata": False, "type": "batch", "keywords": "", "group": "诉求"}


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts else None


def request_row(session: Session, appeal: Appeal, codes: Mapping[int, str], base: str
                ) -> dict[str, Any]:
    events = repo.events(session, appeal.id)
    last = events[-1] if events else None
    notes = appeal.close_reason or appeal.reply or (
        f"{kind_label(last.kind)}：{last.note}" if last and last.note else
        AppealStatus(appeal.status).label)
    files = repo.attachments(session, appeal.id)
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if appeal.status == AppealStatus.CLOSED.value else "open",
        "status_notes": notes,
        "service_name": appeal.category_name,
        "service_code": codes.get(appeal.category_id, ""),
        "description": appeal.description,
        "agency_responsible": appeal.lead_department,
        "service_notice": f"{AppealStatus(appeal.status).label}",
        "requested_datetime": _iso(appeal.submitted_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(deadline_end(appeal.resolve_due)) if appeal.resolve_due
        else None,
        "address": appeal.address,
        "address_id": None,
        "zipcode": None,
        "lat": float(appeal.lat) if appeal.lat is not None else None,
        "long": float(appeal.long) if appeal.long is not None else None,
        "media_url": f"{base}/api/v1/appeals/attachments/{files[0].id}" if files else None,
    }


def _codes(session: Session) -> dict[int, str]:
    return {c.id: c.code for c in session.scalars(select(AppealCategory))}


# --- auth ---------------------------------------------------------------------------------------

def actor_for(request: Request, session: Session, clock: Clock, api_key: str | None) -> Actor:
    key = (api_key or "").strip()
    header = request.headers.get("authorization", "")
    if not key and header.lower().startswith("bearer "):
        key = header[7:].strip()
    if not key:
        raise NotAuthorised("缺少 api_key：请在“API 令牌”页面创建个人令牌，作为 api_key 传入。")
    user = auth_service.resolve_api_token(session, clock, key)
    if user is None:
        raise NotAuthorised("api_key 无效、已过期或已撤销。")
    return Actor.of(user, ip=client_ip(request), via="open311")


# --- endpoints ----------------------------------------------------------------------------------

def _format(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


@router.get("/services.json", summary="服务列表（诉求类别）")
@router.get("/services.xml", include_in_schema=False)
def services(request: Request, db: DBSession) -> Response:
    fmt = _format(request)
    return respond(fmt, "services", "service",
                   [service_row(c) for c in categories.list_categories(db)])


def _when(value: str | None, label: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise ValidationFailed(f"{label} 应为 W3C 日期时间，如 2025-09-22T10:00:00+08:00，"
                               f"收到“{value}”") from None
    if parsed.tzinfo is None:
        raise ValidationFailed(f"{label} 需带时区，如 2025-09-22T10:00:00+08:00")
    return parsed


@router.get("/requests.json", summary="查询服务请求（诉求）")
@router.get("/requests.xml", include_in_schema=False)
def request_list(
    request: Request, db: DBSession, clock: ClockDep,
    api_key: Annotated[str | None, Query()] = None,
    service_request_id: Annotated[str | None, Query()] = None,
    service_code: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    start_date: Annotated[str | None, Query()] = None,
    end_date: Annotated[str | None, Query()] = None,
) -> Response:
    fmt = _format(request)
    try:
        actor = actor_for(request, db, clock, api_key)
        stmt = service.list_query(actor)
        if service_request_id:
            ids = [int(x) for x in service_request_id.split(",") if x.strip().isdigit()]
            stmt = stmt.where(Appeal.id.in_(ids))
        else:
            stmt = _filter(db, stmt, clock, service_code, status, start_date, end_date)
        codes = _codes(db)
        base = str(request.base_url).rstrip("/")
        rows = [request_row(db, a, codes, base) for a in db.scalars(stmt.limit(MAX_RESULTS))]
    except HuiqiError as exc:
        return error(fmt, exc)
    return respond(fmt, "service_requests", "request", rows)


def _filter(db: Session, stmt: Any, clock: Clock, service_code: str | None, status: str | None,
            start_date: str | None, end_date: str | None) -> Any:
    if service_code:
        category = repo.category_by_key(db, service_code)
        if category is None:
            raise ValidationFailed(f"未知的 service_code “{service_code}”")
        stmt = stmt.where(Appeal.category_id == category.id)
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise ValidationFailed("status 只能是 open 或 closed")
        if wanted == {"open"}:
            stmt = stmt.where(Appeal.status != AppealStatus.CLOSED.value)
        elif wanted == {"closed"}:
            stmt = stmt.where(Appeal.status == AppealStatus.CLOSED.value)
    start, end = _when(start_date, "start_date"), _when(end_date, "end_date")
    if start is None and end is None:
        start = clock.now() - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        stmt = stmt.where(Appeal.submitted_at >= start)
    if end is not None:
        stmt = stmt.where(Appeal.submitted_at <= end)
    return stmt


@router.get("/requests/{request_id}.json", summary="查询单个服务请求")
@router.get("/requests/{request_id}.xml", include_in_schema=False)
def request_one(request_id: str, request: Request, db: DBSession, clock: ClockDep,
                api_key: Annotated[str | None, Query()] = None) -> Response:
    fmt = _format(request)
    try:
        actor = actor_for(request, db, clock, api_key)
        if not request_id.isdigit():
            raise NotFound("服务请求不存在，或您没有访问权限。")
        appeal = service.get(db, actor, int(request_id))
        row = request_row(db, appeal, _codes(db), str(request.base_url).rstrip("/"))
    except HuiqiError as exc:
        return error(fmt, exc)
    return respond(fmt, "service_requests", "request", [row])


@router.post("/requests.json", summary="提交服务请求（诉求）")
@router.post("/requests.xml", include_in_schema=False)
def request_create(
    request: Request, db: DBSession, clock: ClockDep,
    api_key: Opt = None, service_code: Opt = None, description: Opt = None,
    lat: Opt = None, long: Opt = None, address_string: Opt = None, email: Opt = None,
    first_name: Opt = None, last_name: Opt = None, phone: Opt = None, account_id: Opt = None,
    title: Annotated[str | None, Form(alias="attribute[title]")] = None,
    uscc: Annotated[str | None, Form(alias="attribute[enterprise_uscc]")] = None,
) -> Response:
    fmt = _format(request)
    try:
        actor = actor_for(request, db, clock, api_key)
        if not service_code:
            raise ValidationFailed("缺少 service_code（诉求类别代码，见 services.json）")
        text = (description or "").strip()
        if not text:
            raise ValidationFailed("缺少 description（诉求内容）")
        contact = "".join(p for p in (last_name, first_name) if p) or None
        data = AppealIn(category=service_code, title=(title or text[:30]).strip(),
                        description=text, enterprise_uscc=uscc or account_id,
                        source=Source.ONLINE, contact_name=contact,
                        contact_phone=phone or email, address=address_string, lat=lat,
                        long=long, via="open311")
        appeal = service.submit(db, actor, clock, data)
        row = {"service_request_id": str(appeal.id),
               "service_notice": "诉求已受理，营商办将尽快交办。",
               "account_id": appeal.enterprise_uscc}
    except HuiqiError as exc:
        db.rollback()
        return error(fmt, exc)
    return respond(fmt, "service_requests", "request", [row], 201)
