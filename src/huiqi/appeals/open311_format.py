"""What Open311 GeoReport v2 (huiqi.appeals.open311) answers: its JSON and XML bodies, the error
list, services and their definitions, and a request in its full or its public (redacted) view.

The public view is what anyone may read about an appeal: the service, the status, the dates, the
district (区县) in `address` and a generic description. Never the enterprise's name, its words,
its contact, its exact place or its files: those are enterprise data, shown only with a key whose
account may see the appeal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET  # building XML only, never parsing it

from starlette.responses import JSONResponse, Response

from huiqi.appeals.deadlines import deadline_end
from huiqi.appeals.records import kind_label
from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.models.appeal import Appeal, AppealEvent
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.appeal_intake import AppealAttachment

PREFIX = "/open311/v2"
# XML: the element of each item of a list, by the list's element (GeoReport v2's names).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value"}
# Errors: GeoReport v2 clients know 400 (bad request), 403 (api_key) and 404; a request we could
# not validate is its 400.
STATUS = {422: 400}
# Characters XML 1.0 cannot carry at all (a control character typed into an appeal would make
# the whole document unreadable to every client's parser): dropped from XML text.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- formats ------------------------------------------------------------------------------------

def fmt_of(path: str) -> str:
    return "xml" if path.endswith(".xml") else "json"


def respond(fmt: str, root: str, body: Sequence[Mapping[str, Any]] | Mapping[str, Any],
            status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A list under `root` (`<services><service>…`), or one object as `root` itself
    (`<service_definition>…`)."""
    if fmt == "json":
        content = dict(body) if isinstance(body, Mapping) else [dict(row) for row in body]
        return JSONResponse(content, status_code=status_code, headers=headers)
    top = ET.Element(root)
    _fill(top, root, body)
    xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return Response(xml, status_code=status_code, headers=headers,
                    media_type="text/xml; charset=utf-8")


def _fill(element: ET.Element, name: str, value: object) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple) and name in ITEMS:
        for item in value:
            _fill(ET.SubElement(element, ITEMS[name]), ITEMS[name], item)
    else:
        element.text = _xml_text(value)


def _xml_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_xml_text(v) for v in value)
    return NOT_XML.sub("", str(value))


def error(fmt: str, status: int, message: str, headers: Mapping[str, str] | None = None
          ) -> Response:
    code = STATUS.get(status, status)
    return respond(fmt, "errors", [{"code": code, "description": message}], code, headers)


# --- services -----------------------------------------------------------------------------------

def service_row(category: AppealCategory) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name,
            "description": category.description or
            f"签收时限 {category.sign_within_workdays} 个工作日，"
            f"办结时限 {category.resolve_within_workdays} 个工作日",
            "metadata": True, "type": "batch", "keywords": "", "group": "诉求"}


def _attribute(order: int, code: str, description: str, datatype_description: str,
               values: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"variable": True, "code": code,
            "datatype": "singlevaluelist" if values else "string", "required": False,
            "datatype_description": datatype_description, "order": order,
            "description": description,
            "values": [{"key": key, "name": name} for key, name in values]}


# An appeal needs more than Open311's standard fields: a title, and, when staff file it, the
# enterprise it is for and how it reached them. Every category takes the same three; none is
# required of an enterprise's own key (its enterprise is the key's).
ATTRIBUTES = (
    _attribute(1, "title", "诉求标题", "不超过 200 字；不填则取诉求内容的前 30 字。"),
    _attribute(2, "enterprise_uscc", "企业统一社会信用代码",
               "18 位统一社会信用代码。营商办、服务专员代企业提交时必填；企业账号不填，即本企业。"),
    _attribute(3, "source", "诉求来源",
               "不填则按提交账号确定（企业：企业线上提交）；企业账号只能选线上提交或营商前哨。",
               [(s.value, s.label) for s in Source]),
)


def definition(category: AppealCategory) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": list(ATTRIBUTES)}


# --- requests -----------------------------------------------------------------------------------

def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts else None


def _common(appeal: Appeal, code: str) -> dict[str, Any]:
    status = AppealStatus(appeal.status)
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if status is AppealStatus.CLOSED else "open",
        "status_notes": status.label,
        "service_name": appeal.category_name,
        "service_code": code,
        "description": None,
        "agency_responsible": appeal.lead_department,
        "service_notice": status.label,
        "requested_datetime": _iso(appeal.submitted_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(deadline_end(appeal.resolve_due)) if appeal.resolve_due
        else None,
        "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None,
        "media_url": None,
    }


def public_row(appeal: Appeal, code: str, district: str | None) -> dict[str, Any]:
    return {**_common(appeal, code),
            "description": f"一条「{appeal.category_name}」类诉求；内容仅对有权查看的账号公开。",
            "address": district}


def full_row(appeal: Appeal, code: str, events: Sequence[AppealEvent],
             files: Sequence[AppealAttachment], base: str) -> dict[str, Any]:
    last = events[-1] if events else None
    notes = appeal.close_reason or appeal.reply or (
        f"{kind_label(last.kind)}：{last.note}" if last and last.note else None)
    return {**_common(appeal, code),
            "status_notes": notes or AppealStatus(appeal.status).label,
            "description": appeal.description,
            "address": appeal.address,
            "lat": float(appeal.lat) if appeal.lat is not None else None,
            "long": float(appeal.long) if appeal.long is not None else None,
            "media_url": posted_media(events) or
            (f"{base}{PREFIX}/media/{files[0].id}" if files else None)}


def posted_media(events: Sequence[AppealEvent]) -> str | None:
    """The `media_url` the client filed the request with (kept on its first timeline entry)."""
    first = events[0] if events else None
    url = (first.data or {}).get("media_url") if first and first.kind == "submitted" else None
    return str(url) if url else None
