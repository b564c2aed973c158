"""The knowledge API under /api/v1/knowledge. Published policy knowledge is public (search,
ask, clauses); an answer about an enterprise's 礼包 only to that enterprise (or the office);
turning an unanswered question into an appeal needs an account that may raise appeals."""

from __future__ import annotations

from datetime import date

from huiqi.auth.dependencies import CurrentUser, OfficeUser, OptionalUser
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession
from huiqi.knowledge import schemas as s
from huiqi.knowledge import service
from huiqi.knowledge.repository import Filters

router = web.router(tags=["政策知识库"])


@router.get("/knowledge/search", response_model=list[s.HitOut], summary="检索政策条款")
def search(db: DBSession, q: str, region: str | None = None, issuer: str | None = None,
           in_force: date | None = None, limit: int = 10) -> list[s.HitOut]:
    hits = service.search(db, q, filters=Filters(region=region, issuer=issuer,
                                                  in_force_on=in_force),
                          limit=max(1, min(limit, 50)))
    return [s.HitOut.of(h) for h in hits]


@router.post("/knowledge/ask", response_model=s.AnswerOut, summary="政策问答（带出处）")
def ask(body: s.AskIn, db: DBSession, clock: ClockDep, actor: OptionalUser) -> s.AnswerOut:
    answer = service.ask(db, body.question, uscc=body.uscc, actor=actor, clock=clock)
    return s.AnswerOut.of(answer)


@router.post("/knowledge/ask/appeal", response_model=s.AppealCreatedOut, status_code=201,
             summary="把未能回答的问题转为诉求")
def ask_appeal(body: s.AppealFromQuestionIn, db: DBSession, clock: ClockDep,
               actor: CurrentUser) -> s.AppealCreatedOut:
    appeal_id = service.question_to_appeal(db, actor, clock, body.question, body.category)
    return s.AppealCreatedOut(appeal_id=appeal_id, link=f"/api/v1/appeals/{appeal_id}")


@router.get("/knowledge/clauses/{clause_id}", response_model=s.ClauseOut, summary="条款原文")
def clause(clause_id: int, db: DBSession) -> s.ClauseOut:
    return service.clause(db, clause_id)


@router.post("/knowledge/documents/{document_id}/draft", response_model=s.DraftOut,
             summary="据条款起草政策规则（政策文件解析，仅营商办）")
def draft(document_id: int, body: s.DraftIn, db: DBSession, clock: ClockDep,
          actor: OfficeUser) -> s.DraftOut:
    made = service.draft_policy(db, actor, clock, document_id, body.clause_ids)
    return s.DraftOut(
        document_id=made.document_id, clause_ids=made.clause_ids, filename=made.filename,
        source=made.source, rules=made.rules, pending=made.pending,
        elements=[s.DraftElementOut(kind=e.kind, words=e.words, rule=e.rule, field=e.field,
                                    todo=e.todo) for e in made.draft.elements])
