"""The projects JSON API under /api/v1 (Bearer token): the registry, the countdown table, the
agent's updates, rates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import File, UploadFile

from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.web import ClockDep, DBSession
from huiqi.projects import schemas as s
from huiqi.projects import service
from huiqi.projects.auth import ProjectReader, ProjectWriter, RatesReader

router = web.router(tags=["招商项目"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@router.get("/projects", response_model=list[s.ProjectOut], summary="项目列表")
def project_list(db: DBSession, clock: ClockDep, actor: ProjectReader, region: str = "",
                 q: str = "", late: bool = False) -> list[s.ProjectOut]:
    items = service.summaries(db, actor, clock, region=region, q=q, only_late=late)
    return [s.summary_out(i) for i in items]


@router.post("/projects", response_model=s.TableOut, status_code=201, summary="登记项目")
def create(body: s.ProjectInBody, db: DBSession, clock: ClockDep, actor: ProjectWriter
           ) -> s.TableOut:
    project = service.create_project(db, actor, clock, service.ProjectIn(**body.model_dump()))
    return s.table_out(service.table(db, actor, clock, project.id))


@router.post("/projects/import", response_model=s.ImportOut, status_code=200,
             summary="导入招商项目（Excel/CSV）：正确的行导入，错误行逐行返回原因和代码",
             max_body_size=MAX_IMPORT_BYTES + 1024 * 1024)
def import_projects(db: DBSession, clock: ClockDep, actor: ProjectWriter,
                    file: Annotated[UploadFile, File()]) -> s.ImportOut:
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed("导入文件不能超过 5 MB，请拆分后导入。")
    result = service.import_file(db, actor, clock, file.filename or "projects.xlsx", data)
    return s.ImportOut(total_rows=result.total, imported=result.imported,
                       errors=[s.RowErrorOut(row=e.row, reason=e.reason, code=e.code)
                               for e in result.errors])


@router.get("/projects/rates", response_model=s.RatesOut, summary="开工率、投产率")
def rates(db: DBSession, clock: ClockDep, actor: RatesReader, as_of: date | None = None,
          region: str = "") -> s.RatesOut:
    r = service.rates(db, actor, as_of or clock.today_local(), region)
    return s.RatesOut(as_of=r.as_of, signed=r.signed, started=r.started, produced=r.produced,
                      start_rate=None if r.start_rate is None else str(r.start_rate),
                      production_rate=None if r.production_rate is None
                      else str(r.production_rate), definitions=service.DEFINITIONS)


@router.get("/projects/{project_id:int}", response_model=s.TableOut, summary="倒计时作战表")
def detail(project_id: int, db: DBSession, clock: ClockDep, actor: ProjectReader
           ) -> s.TableOut:
    return s.table_out(service.table(db, actor, clock, project_id))


@router.post("/projects/{project_id:int}/steps/{step_id:int}", response_model=s.TableOut,
             summary="登记环节开始、完成日期")
def record(project_id: int, step_id: int, body: s.StepDatesBody, db: DBSession,
           clock: ClockDep, actor: ProjectWriter) -> s.TableOut:
    service.record_dates(db, actor, clock, project_id, step_id, body.started_on, body.done_on)
    return s.table_out(service.table(db, actor, clock, project_id))


@router.post("/projects/{project_id:int}/steps/{step_id:int}/block", response_model=s.TableOut,
             summary="环节受阻：向责任部门提出诉求")
def block(project_id: int, step_id: int, body: s.BlockBody, db: DBSession, clock: ClockDep,
          actor: ProjectWriter) -> s.TableOut:
    service.block(db, actor, clock, project_id, step_id, body.reason, body.category)
    return s.table_out(service.table(db, actor, clock, project_id))


@router.post("/projects/{project_id:int}/progress", status_code=201, summary="填写本周进度")
def progress(project_id: int, body: s.ProgressBody, db: DBSession, clock: ClockDep,
             actor: ProjectWriter) -> dict[str, object]:
    row = service.add_progress(db, actor, clock, project_id, body.note)
    return {"id": row.id, "week": row.week.isoformat()}
