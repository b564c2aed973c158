"""The liaison JSON API under /api/v1 (Bearer token): an official's portfolio, an enterprise's
contacts (read, log), the office's assignments, coverage and the three rates."""

from __future__ import annotations

from fastapi import Request

from huiqi.auth.dependencies import CurrentUser, LiaisonUser, OfficeUser
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession
from huiqi.liaison import access, service
from huiqi.liaison import schemas as s

router = web.router(tags=["包联"])


@router.get("/liaison/portfolio", response_model=list[s.LineOut], summary="我的包联企业")
def portfolio(db: DBSession, clock: ClockDep, actor: LiaisonUser) -> list[s.LineOut]:
    p = service.portfolio(db, actor, clock)
    return [s.LineOut(uscc=x.uscc, name=x.name, tier=x.tier, eligible=x.eligible, total=x.total,
                      to_collect=x.to_collect, open_appeals=x.open_appeals,
                      last_contact=x.last_contact, stale=x.stale) for x in p.lines]


@router.get("/liaison/enterprises/{uscc}/contacts", response_model=list[s.ContactOut],
            summary="企业联系台账")
def contacts(db: DBSession, clock: ClockDep, actor: CurrentUser, uscc: str
             ) -> list[s.ContactOut]:
    found = service.ledger(db, actor, clock, uscc)
    return [s.ContactOut(id=c.id, enterprise_uscc=c.enterprise_uscc, channel=c.channel,
                         contacted_on=c.contacted_on, policies=list(c.policies_explained),
                         appeal_id=c.appeal_id) for c, _ in found.contacts]


@router.post("/liaison/enterprises/{uscc}/contacts", response_model=s.ContactOut,
             status_code=201, summary="记录走访或联系")
def log_contact(request: Request, body: s.ContactIn, db: DBSession, clock: ClockDep,
                actor: LiaisonUser, uscc: str) -> s.ContactOut:
    data = service.VisitIn(
        channel=body.channel, contacted_on=body.contacted_on.isoformat(),
        people_met=body.people_met, topics=body.topics, policies=body.policies,
        problems=body.problems, raise_appeal=body.raise_appeal,
        appeal_category=body.appeal_category,
        next_visit_on=body.next_visit_on.isoformat() if body.next_visit_on else "",
        facts=body.facts, materials=str(body.materials), cards=str(body.cards))
    logged = service.log(db, actor, clock, web.settings_of(request), uscc, data)
    c = logged.contact
    return s.ContactOut(id=c.id, enterprise_uscc=c.enterprise_uscc, channel=c.channel,
                        contacted_on=c.contacted_on, policies=list(c.policies_explained),
                        appeal_id=c.appeal_id, gained=logged.gained, warning=logged.warning)


@router.post("/liaison/assignments", status_code=201, summary="分配包联干部")
def assign(body: s.AssignIn, db: DBSession, clock: ClockDep, actor: OfficeUser
           ) -> dict[str, int]:
    row = service.assign(db, actor, clock, uscc=body.uscc, official=body.official,
                         tier=body.tier, reason=body.reason)
    return {"id": row.id}


@router.get("/liaison/coverage", response_model=list[s.CoverageOut], summary="覆盖检查")
def coverage(db: DBSession, clock: ClockDep, actor: CurrentUser, page: int = 1
             ) -> list[s.CoverageOut]:
    access.office(actor, read=True)
    return [s.CoverageOut(tier=c.tier.code, members=c.members, assigned=c.assigned,
                          uncovered=[r.uscc for r in c.uncovered],
                          uncovered_total=c.uncovered_total, stale=c.stale)
            for c in service.coverage(db, clock, page=max(page, 1), per_page=100)]


def _rate(r: service.RateRow) -> s.RateOut:
    return s.RateOut(label=r.label, members=r.members, coverage=r.coverage.value,
                     awareness=r.awareness.value, benefit=r.benefit.value,
                     covered=r.coverage.numerator, aware=r.awareness.numerator,
                     eligible=r.benefit.denominator, benefited=r.benefit.numerator)


@router.get("/liaison/rates", response_model=s.RatesOut, summary="覆盖率、知晓率、受益率")
def rates(db: DBSession, clock: ClockDep, actor: CurrentUser, start: str = "", end: str = ""
          ) -> s.RatesOut:
    access.office(actor, read=True)
    first, last = service.period(clock, start, end)
    r = service.report(db, first, last, today=clock.today_local())
    return s.RatesOut(start=first, end=last, overall=_rate(r.overall),
                      by_tier=[_rate(x) for x in r.by_tier],
                      by_department=[_rate(x) for x in r.by_department],
                      by_street=[_rate(x) for x in r.by_street],
                      league=[_rate(x) for x in r.league], definitions=service.DEFINITIONS)
