"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), so standard civic clients can
file and read appeals unchanged. Categories are the services; an appeal is a service request.

- `GET /open311/v2/services.json` and `services/{service_code}.json` (the service definition:
  the appeal attributes a client may send) — public.
- `GET /open311/v2/requests.json` — public, in the redacted view (open311_format.public_row);
  with an `api_key` the appeals that key's account may see come in full. Filters
  `service_request_id` (comma-separated; overrides the rest), `service_code` (comma-separated),
  `status` (open/closed), `start_date`/`end_date` (W3C datetimes; default: the last 90 days);
  at most 1000, newest first.
- `GET /open311/v2/requests/{id}.json` — the same two views.
- `POST /open311/v2/requests.json` — needs `api_key`; form fields `service_code`, `description`,
  `lat`/`long`, `address_string`, `first_name`, `last_name`, `phone`, `email`, `media_url`;
  `attribute[title]`, `attribute[enterprise_uscc]` (staff filing for an enterprise; also
  `account_id`), `attribute[source]`. Answers `[{"service_request_id", "service_notice",
  "account_id"}]`.
- `GET /open311/v2/media/{id}` — an appeal's uploaded file (a request's `media_url`), with the key.

`api_key` is a personal API token, taken from the query string, the form body, an `X-Api-Key`
header or `Authorization: Bearer`. `jurisdiction_id` may be left out; another jurisdiction's is
404. Every endpoint also answers `.xml`; every error, of any route under /open311/, is
GeoReport's error list `[{"code": 400, "description": "…"}]` in the format the URL asks for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Form, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import Response

from huiqi.appeals import attachments, categories, service
from huiqi.appeals import open311_format as out
from huiqi.appeals import repository as repo
from huiqi.appeals.access import appeal_filter
from huiqi.appeals.intake import AppealIn
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit import web
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, client_ip
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.registry.service import load_catalog
from huiqi.ui import errors

router = web.router(prefix=out.PREFIX, tags=["Open311 GeoReport v2"])
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
MAX_ID = 2**63 - 1  # ids are BIGINT-sized at most; a larger one is simply not found
MAX_MEDIA_URL = 1000
Opt = Annotated[str | None, Form()]
QueryOpt = Annotated[str | None, Query()]
NOT_FOUND = "服务请求不存在。"


class NotAuthorised(HuiqiError):
    status_code = 403
    code = "open311_api_key"


def _render_error(request: Request, status: int, message: str,
                  headers: dict[str, str] | None) -> Response:
    return out.error(out.fmt_of(request.url.path), status, message, headers)


errors.register_format("/open311/", _render_error)


# --- the caller and the jurisdiction ------------------------------------------------------------

def _api_key(request: Request, given: str | None) -> str:
    key = (given or request.query_params.get("api_key") or
           request.headers.get("x-api-key") or "").strip()
    header = request.headers.get("authorization", "")
    if not key and header.lower().startswith("bearer "):
        key = header[7:].strip()
    return key


def caller(request: Request, session: Session, clock: Clock, api_key: str | None = None
           ) -> Actor | None:
    """The key's account, or None without a key; a key given but not valid is refused (403)."""
    key = _api_key(request, api_key)
    if not key:
        return None
    user = auth_service.resolve_api_token(session, clock, key)
    if user is None:
        raise NotAuthorised("api_key 无效、已过期或已撤销。")
    return Actor.of(user, ip=client_ip(request), via="open311")


def require_caller(request: Request, session: Session, clock: Clock,
                   api_key: str | None = None) -> Actor:
    actor = caller(request, session, clock, api_key)
    if actor is None:
        raise NotAuthorised("缺少 api_key：请在“API 令牌”页面创建个人令牌，作为 api_key 传入。")
    return actor


def check_jurisdiction(request: Request, given: str | None = None) -> None:
    value = (given or request.query_params.get("jurisdiction_id") or "").strip()
    ours: str = request.app.state.settings.open311_jurisdiction_id
    if value and value.lower() != ours.lower():
        raise NotFound(f"本平台不受理辖区“{value}”的服务请求；"
                       f"本平台的 jurisdiction_id 是“{ours}”。")


# --- services -----------------------------------------------------------------------------------

@router.get("/services.json", summary="服务列表（诉求类别）")
@router.get("/services.xml", include_in_schema=False)
def services(request: Request, db: DBSession, jurisdiction_id: QueryOpt = None) -> Response:
    check_jurisdiction(request, jurisdiction_id)
    return out.respond(out.fmt_of(request.url.path), "services",
                       [out.service_row(c) for c in categories.list_categories(db)])


@router.get("/services/{service_code}.json", summary="服务定义（诉求类别的附加字段）")
@router.get("/services/{service_code}.xml", include_in_schema=False)
def service_definition(service_code: str, request: Request, db: DBSession,
                       jurisdiction_id: QueryOpt = None) -> Response:
    check_jurisdiction(request, jurisdiction_id)
    category = _category(db, service_code)
    if category is None:
        raise NotFound(f"服务“{service_code}”不存在，可用的服务见 services.json。")
    return out.respond(out.fmt_of(request.url.path), "service_definition",
                       out.definition(category))


def _category(db: Session, key: str) -> AppealCategory | None:
    found = repo.category_by_key(db, key.strip())
    return found if found is not None and found.active else None


# --- reading requests ---------------------------------------------------------------------------

@router.get("/requests.json", summary="查询服务请求（诉求）")
@router.get("/requests.xml", include_in_schema=False)
def request_list(
    request: Request, db: DBSession, clock: ClockDep, api_key: QueryOpt = None,
    jurisdiction_id: QueryOpt = None, service_request_id: QueryOpt = None,
    service_code: QueryOpt = None, status: QueryOpt = None, start_date: QueryOpt = None,
    end_date: QueryOpt = None,
) -> Response:
    check_jurisdiction(request, jurisdiction_id)
    actor = caller(request, db, clock, api_key)
    stmt = repo.newest_first()
    if service_request_id:
        stmt = stmt.where(Appeal.id.in_(_ids(service_request_id)))
    else:
        stmt = _filter(db, stmt, clock, service_code, status, start_date, end_date)
    appeals = repo.first_rows(db, stmt, MAX_RESULTS)
    return out.respond(out.fmt_of(request.url.path), "service_requests",
                       _rows(request, db, actor, appeals))


@router.get("/requests/{request_id}.json", summary="查询单个服务请求")
@router.get("/requests/{request_id}.xml", include_in_schema=False)
def request_one(request_id: str, request: Request, db: DBSession, clock: ClockDep,
                api_key: QueryOpt = None, jurisdiction_id: QueryOpt = None) -> Response:
    check_jurisdiction(request, jurisdiction_id)
    actor = caller(request, db, clock, api_key)
    ids = _ids(request_id)
    appeal = repo.appeal(db, ids[0]) if len(ids) == 1 else None
    if appeal is None:
        raise NotFound(NOT_FOUND)
    return out.respond(out.fmt_of(request.url.path), "service_requests",
                       _rows(request, db, actor, [appeal]))


def _ids(text: str) -> list[int]:
    """The ids of a comma list (the first MAX_RESULTS); anything else in it matches nothing."""
    ids = [int(x) for x in (p.strip() for p in text.split(","))
           if x.isdecimal() and x.isascii() and len(x) <= len(str(MAX_ID)) and int(x) <= MAX_ID]
    return ids[:MAX_RESULTS]


def _rows(request: Request, db: Session, actor: Actor | None, appeals: list[Appeal]
          ) -> list[dict[str, Any]]:
    """Each appeal in full if the key's account may see it, else in the public view."""
    ids = [a.id for a in appeals]
    visible = repo.visible_ids(db, appeal_filter(actor), ids) if actor and ids else set()
    codes = repo.category_codes(db)
    districts = _districts(db, {a.enterprise_uscc for a in appeals if a.id not in visible})
    events = repo.events_of(db, visible)
    files = repo.attachments_of(db, visible)
    base = str(request.base_url).rstrip("/")
    return [out.full_row(a, codes.get(a.category_id, ""), events.get(a.id, []),
                         files.get(a.id, []), base) if a.id in visible else
            out.public_row(a, codes.get(a.category_id, ""), districts.get(a.enterprise_uscc))
            for a in appeals]


def _districts(db: Session, usccs: set[str]) -> dict[str, str]:
    """The enterprise's district (区县) by name, from its registered region code."""
    if not usccs:
        return {}
    labels = load_catalog()["region"].values
    found = repo.regions(db, usccs)
    return {uscc: labels.get(region, region) for uscc, region in found if region}


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


def _filter(db: Session, stmt: Select[Appeal], clock: Clock, service_code: str | None,
            status: str | None, start_date: str | None, end_date: str | None
            ) -> Select[Appeal]:
    if service_code:
        wanted = [c.strip() for c in service_code.split(",") if c.strip()]
        found = {code: _category(db, code) for code in wanted}
        unknown = [code for code, category in found.items() if category is None]
        if unknown:
            raise ValidationFailed(f"未知的 service_code “{'、'.join(unknown)}”，"
                                   "可用的服务见 services.json。")
        stmt = stmt.where(Appeal.category_id.in_([c.id for c in found.values() if c]))
    if status:
        states = {s.strip() for s in status.split(",") if s.strip()}
        if not states <= {"open", "closed"}:
            raise ValidationFailed("status 只能是 open 或 closed（可用逗号同时给出）")
        if states == {"open"}:
            stmt = stmt.where(Appeal.status != AppealStatus.CLOSED.value)
        elif states == {"closed"}:
            stmt = stmt.where(Appeal.status == AppealStatus.CLOSED.value)
    start, end = _when(start_date, "start_date"), _when(end_date, "end_date")
    if start is None and end is None:
        start = clock.now() - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        stmt = stmt.where(Appeal.submitted_at >= start)
    if end is not None:
        stmt = stmt.where(Appeal.submitted_at <= end)
    return stmt


@router.get("/media/{attachment_id}", summary="下载服务请求的附件（media_url）")
def media(attachment_id: str, request: Request, db: DBSession, clock: ClockDep,
          api_key: QueryOpt = None) -> FileResponse:
    actor = require_caller(request, db, clock, api_key)
    ids = _ids(attachment_id)
    if len(ids) != 1:
        raise NotFound("附件不存在，或您没有访问权限。")
    row, path = attachments.open_file(db, actor, request.app.state.settings, ids[0])
    return FileResponse(path, media_type=row.content_type, filename=row.original_filename,
                        headers={"X-Content-Type-Options": "nosniff"})


# --- filing a request ---------------------------------------------------------------------------

@router.post("/requests.json", summary="提交服务请求（诉求）")
@router.post("/requests.xml", include_in_schema=False)
def request_create(
    request: Request, db: DBSession, clock: ClockDep,
    api_key: Opt = None, jurisdiction_id: Opt = None, service_code: Opt = None,
    description: Opt = None, lat: Opt = None, long: Opt = None, address_string: Opt = None,
    email: Opt = None, first_name: Opt = None, last_name: Opt = None, phone: Opt = None,
    account_id: Opt = None, media_url: Opt = None,
    title: Annotated[str | None, Form(alias="attribute[title]")] = None,
    uscc: Annotated[str | None, Form(alias="attribute[enterprise_uscc]")] = None,
    source: Annotated[str | None, Form(alias="attribute[source]")] = None,
) -> Response:
    check_jurisdiction(request, jurisdiction_id)
    actor = require_caller(request, db, clock, api_key)
    if not service_code:
        raise ValidationFailed("缺少 service_code（诉求类别代码，见 services.json）")
    text = (description or "").strip()
    if not text:
        raise ValidationFailed("缺少 description（诉求内容）")
    contact = "".join(p for p in (last_name, first_name) if p) or None
    media = _media_url(media_url)
    data = AppealIn(category=service_code, title=(title or text[:30]).strip(),
                    description=text, enterprise_uscc=uscc or account_id,
                    source=source or None,
                    contact_name=contact, contact_phone=phone or email,
                    address=address_string, lat=lat, long=long, via="open311",
                    extra={"media_url": media} if media else {})
    appeal = service.submit(db, actor, clock, data)
    row = {"service_request_id": str(appeal.id),
           "service_notice": "诉求已受理，营商办将尽快交办。",
           "account_id": appeal.enterprise_uscc}
    return out.respond(out.fmt_of(request.url.path), "service_requests", [row], 201)


def _media_url(value: str | None) -> str | None:
    url = (value or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_MEDIA_URL:
        raise ValidationFailed(f"media_url 应为不超过 {MAX_MEDIA_URL} 字符的 http(s) 地址，"
                               f"收到“{url[:100]}”")
    return url
