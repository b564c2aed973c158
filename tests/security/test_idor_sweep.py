"""IDOR sweep (ASVS 8.2.2, 8.4.1): every API operation of the OpenAPI schema whose path names an
object (application, material, grant, payout batch, appeal, attachment, notification, enterprise)
is called with another enterprise's object — by an enterprise (every verb, every AppealAction)
and by a district officer of another department (the application and appeal routes). Each
answer is 403 or 404, never 2xx, never the other's data; and the other's objects are unchanged.
A new route with such a path parameter is swept without being listed here."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.appeals.vocab import AppealAction
from huiqi.models.appeal import Appeal
from huiqi.models.application import Application
from huiqi.models.payout import PayoutBatch
from tests.grants.conftest import PDF, World
from tests.grants.web import Clients
from tests.security.objects import Owned, owned_by_ent_b

PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
# GeoReport v2 publishes service requests: 200 in the redacted public view (no enterprise, no
# contact: the leak check below still applies).
PUBLIC = {"/open311/v2/requests/{request_id}.json"}
TENANT = {"application_id", "material_id", "grant_id", "appeal_id", "attachment_id",
          "request_id"}  # what a department outside the case must not reach either


def _values(o: Owned) -> dict[str, list[str]]:
    return {"application_id": [str(o.application_id)], "material_id": [str(o.material_id)],
            "grant_id": [str(o.grant_id)], "batch_id": [str(o.batch_id)],
            "appeal_id": [str(o.appeal_id)], "request_id": [str(o.appeal_id)],
            "attachment_id": [str(o.attachment_id)],
            "notification_id": [str(o.notification_id)], "uscc": [o.uscc],
            "action": [a.value for a in AppealAction]}


def _fill(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A minimal valid instance of a JSON schema (required fields only)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _fill(spec["components"]["schemas"][name], spec)
    if "anyOf" in schema:
        return _fill(next(s for s in schema["anyOf"] if s.get("type") != "null"), spec)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: 1 if k.endswith("_id") else _fill(v, spec)
                for k, v in schema.get("properties", {}).items()
                if k in schema.get("required", [])}
    if kind == "array":
        return [_fill(schema.get("items", {"type": "string"}), spec)] * max(
            1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    return schema.get("enum", ["理由"])[0] if "enum" in schema else "理由"


def _operations(spec: dict[str, Any], values: dict[str, list[str]], allowed: set[str]
                ) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, ops in spec["paths"].items():
        names = PARAM.findall(path)
        if not names or not set(names) <= set(values) or not set(names) & allowed:
            continue
        for method, op in ops.items():
            urls = [path]
            for name in names:
                urls = [re.sub(r"{" + name + r"(?::[^}]*)?}", v, u, count=1)
                        for u in urls for v in values[name]]
            out += [(method, url, op | {"public": path in PUBLIC}) for url in urls]
    return out


def _call(client: TestClient, method: str, url: str, op: dict[str, Any],
          spec: dict[str, Any]) -> Any:
    content = (op.get("requestBody") or {}).get("content", {})
    if "multipart/form-data" in content:
        return client.request(method, url, files={"file": ("a.pdf", PDF, "application/pdf")},
                              data={"name": "营业执照"})
    if "application/json" in content:
        return client.request(method, url, json=_fill(content["application/json"]["schema"],
                                                      spec))
    return client.request(method, url)


def _sweep(client: TestClient, spec: dict[str, Any], o: Owned, allowed: set[str]) -> int:
    calls, bad = 0, []
    for method, url, op in _operations(spec, _values(o), allowed):
        r = _call(client, method, url, op, spec)
        calls += 1
        leaked = o.uscc in r.text or o.name in r.text or "13800001111" in r.text
        ok = (403, 404, 200) if op["public"] and method == "get" else (403, 404)
        if r.status_code not in ok or leaked:
            bad.append(f"{method.upper()} {url} → {r.status_code} {r.text[:120]}")
    assert bad == [], "\n".join(bad)
    return calls


def _state(world: World, o: Owned) -> tuple[object, ...]:
    with world.tx() as s:
        return (s.scalars(select(Application.status).where(
                    Application.id == o.application_id)).one(),
                s.scalars(select(Appeal.status).where(Appeal.id == o.appeal_id)).one(),
                s.scalars(select(PayoutBatch.status).where(PayoutBatch.id == o.batch_id)).one())


def test_another_enterprises_objects_are_404_or_403_on_every_route(
        world: World, web: Clients) -> None:
    o = owned_by_ent_b(world, web)
    spec = web.app.openapi()
    before = _state(world, o)
    calls = _sweep(web.api("ent_a"), spec, o, set(_values(o)))
    assert calls >= 40  # the application, appeal (every action), material, grant, batch routes
    calls = _sweep(web.api("other_dept"), spec, o, TENANT)
    assert calls >= 20
    assert _state(world, o) == before
    own = web.api("ent_b").get(f"/api/v1/grants/applications/{o.application_id}")
    assert own.status_code == 200 and o.uscc in own.text  # the owner does see it: ids are right
