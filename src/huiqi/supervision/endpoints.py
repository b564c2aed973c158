"""/api/v1/supervision: plans, commitments, beacon entry, inspections and the public commitment."""

from __future__ import annotations

import json

from huiqi.kit import web
from huiqi.kit.errors import NotFound
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.supervision import Inspection, Plan
from huiqi.supervision import access, plans, results
from huiqi.supervision import repository as repo
from huiqi.supervision import schemas as s
from huiqi.supervision import service as supervision
from huiqi.supervision.webforms import Planner, Viewer

router = web.router(tags=["双随机抽查"])


def plan_out(plan: Plan, *, commitment: bool = False) -> s.PlanOut:
    return s.PlanOut(
        id=plan.id, title=plan.title, status=plan.status, department_ids=plan.department_ids,
        item_ids=plan.item_ids, period_start=plan.period_start, period_end=plan.period_end,
        ratios=plan.ratios, commitment_sha256=plan.commitment_sha256,
        beacon_ref=plan.beacon_ref, beacon_value=plan.beacon_value,
        result_sha256=plan.result_sha256,
        commitment=json.loads(plan.commitment) if commitment and plan.commitment else None)


def inspection_out(row: Inspection) -> s.InspectionOut:
    return s.InspectionOut.model_validate(row, from_attributes=True)


@router.get("/supervision/plans", response_model=list[s.PlanOut], summary="抽查计划")
def list_plans(db: DBSession, actor: Planner) -> list[s.PlanOut]:
    scope = access.departments_of(actor)
    return [plan_out(p) for p in repo.plans(db, None if scope is None else scope[0])]


@router.post("/supervision/plans", response_model=s.PlanOut, status_code=201,
             summary="新建抽查计划")
def create_plan(body: s.PlanCreate, db: DBSession, clock: ClockDep,
                actor: Planner) -> s.PlanOut:
    plan = plans.create(db, actor, clock, plans.PlanIn(**body.model_dump()))
    db.flush()
    return plan_out(plan)


@router.get("/supervision/plans/{plan_id}", response_model=s.PlanOut, summary="抽查计划详情")
def get_plan(db: DBSession, actor: Planner, plan_id: int) -> s.PlanOut:
    return plan_out(access.plan_for(db, actor, plan_id), commitment=True)


@router.post("/supervision/plans/{plan_id}/commit", response_model=s.PlanOut,
             summary="公布承诺（快照、配额、未来的公开随机数）")
def commit(body: s.CommitIn, db: DBSession, clock: ClockDep, actor: Planner,
           plan_id: int) -> s.PlanOut:
    return plan_out(plans.commit(db, actor, clock, plan_id, body.kind, body.ref, body.due),
                    commitment=True)


@router.post("/supervision/plans/{plan_id}/beacon", response_model=s.PlanOut,
             summary="录入公开随机数（两名工作人员一致后抽取）")
def beacon(body: s.BeaconIn, db: DBSession, clock: ClockDep, actor: Planner,
           plan_id: int) -> s.PlanOut:
    return plan_out(plans.enter_beacon(db, actor, clock, plan_id, body.value))


@router.get("/supervision/inspections", response_model=list[s.InspectionOut],
            summary="可见的检查（执法人员：本人参加的；企业：本企业的）")
def inspections(db: DBSession, actor: Viewer) -> list[s.InspectionOut]:
    return [inspection_out(r) for r in access.visible_inspections(db, actor)]


@router.post("/supervision/inspections/{inspection_id}/record",
             response_model=s.InspectionOut, summary="记录检查结果")
def record(body: s.RecordBody, db: DBSession, clock: ClockDep, actor: Viewer,
           inspection_id: int) -> s.InspectionOut:
    row = results.record(db, actor, clock, inspection_id, results.RecordIn(
        body.outcome, body.findings, body.exemption_id, body.rectify_by))
    return inspection_out(row)


@router.get("/supervision/public/plans/{plan_id}", response_model=s.PlanOut,
            summary="公开承诺（无需登录）")
def public_plan(db: DBSession, plan_id: int) -> s.PlanOut:
    plan = supervision.get_plan(db, plan_id)
    if not plan.commitment_sha256:
        raise NotFound("该计划尚未公布承诺。")
    return plan_out(plan, commitment=True)
