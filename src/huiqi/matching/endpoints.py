"""The 政策礼包 JSON API under /api/v1 (Bearer token): what the page shows and does."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.dependencies import EnterpriseUser, OfficeUser
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession
from huiqi.matching import packs
from huiqi.matching import schemas as s

router = web.router(tags=["政策礼包"])


def _pack_out(db: DBSession, view: packs.PackView, explain: bool) -> Response:
    # Serialised here, once: FastAPI would validate the whole pack again against the
    # response model (the model still documents the response).
    if explain:
        body = s.PackOut.of(view, packs.explanations(db, view)).model_dump_json()
    else:  # the same pack answers the same JSON: kept with the cached view
        body = view.remember("json", lambda: s.PackOut.of(view).model_dump_json().encode())
    return Response(body, media_type="application/json")


@router.get("/gift-pack", response_model=s.PackOut, summary="本企业的政策礼包")
@web.read_only
def my_pack(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser,
            explain: bool = False) -> Response:
    return _pack_out(db, packs.view(db, actor, clock, web.settings_of(request)), explain)


@router.put("/gift-pack/facts", response_model=s.FactsOut,
            summary="补充申报信息，立即重新匹配")
def supply_facts(request: Request, body: s.FactsIn, db: DBSession, clock: ClockDep,
                 actor: EnterpriseUser) -> s.FactsOut:
    view, gained = packs.supply_facts(db, actor, clock, body.facts, web.settings_of(request))
    return s.FactsOut(newly_eligible=gained, pack=s.PackOut.of(view))


@router.get("/gift-pack/items/{item_id}/explanation", response_model=s.ExplanationOut,
            summary="某事项的逐条说明")
def my_explanation(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser,
                   item_id: str) -> s.ExplanationOut:
    item, lines = packs.explanation(db, actor, clock, item_id, web.settings_of(request))
    return s.ExplanationOut(item_id=item.id, title=item.title, lines=lines,
                            policy=s.policy_of(item, with_text=True))


@router.get("/gift-pack/enterprises/{uscc}", response_model=s.PackOut,
            summary="某企业的政策礼包（营商办，只读）")
@web.read_only
def enterprise_pack(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                    uscc: str, explain: bool = False) -> Response:
    return _pack_out(db, packs.view(db, actor, clock, web.settings_of(request), uscc), explain)
