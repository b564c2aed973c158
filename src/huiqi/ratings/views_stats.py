"""好差评 figures by item, department, window, staff, channel and month over a period, with the
definitions on the page, a chart of the levels, and Excel of the figures and of the ledger
(exports rate limited per account: kit.ratelimit.EXPORT_ACCOUNT)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, ExportLimited
from huiqi.kit import ratelimit, web
from huiqi.kit.clock import Clock, to_local
from huiqi.kit.errors import NotFound
from huiqi.kit.excel import ledger_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.ratings import repository, service, webforms
from huiqi.ratings.figures import Figures
from huiqi.ratings.vocab import Channel, Level, RevisitResult, Source, Stage, VerifyResult
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
READERS = {Role.DEPARTMENT, Role.OFFICE, Role.AUDITOR}
register_nav(NavItem("好差评统计", "/ratings/stats", READERS, order=36,
                     description="好评率、差评核实率、整改率、回访率，按事项、部门、窗口、人员、渠道",
                     group="监督评价"))


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise NotFound("页面不存在，或您没有访问权限。")


def _report(request: Request, db: Any, actor: Actor, clock: Clock) -> service.Report:
    start, end = webforms.period(request, clock.today_local())
    dimension = request.query_params.get("by", "").strip() or "department"
    return service.report(db, actor, start, end, dimension)


def level_chart(f: Figures) -> dict[str, Any]:
    colours = {5: "#2e7d32", 4: "#66bb6a", 3: "#9bb3d9", 2: "#ef8a3c", 1: "#c8322f"}
    return {
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "category", "data": [lv.label for lv in Level]},
        "yAxis": {"type": "value", "name": "条", "minInterval": 1},
        "series": [{"type": "bar", "data": [
            {"value": f.counts.get(int(lv), 0), "itemStyle": {"color": colours[int(lv)]}}
            for lv in Level]}],
        "grid": {"left": 40, "right": 20, "bottom": 30, "top": 30}, "aria": {"enabled": True},
    }


@router.get("/ratings/stats")
def stats_page(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser
               ) -> Response:
    _reader(actor)
    r = _report(request, db, actor, clock)
    return render(request, "ratings/stats.html", {
        "title": "好差评统计", "r": r, "definitions": service.DEFINITIONS,
        "dimensions": service.DIMENSIONS, "chart": level_chart(r.overall),
        "qs": {"start": r.start.isoformat(), "end": r.end.isoformat(), "by": r.dimension}})


HEADERS = ["范围", "名称", "有效评价", "好评率", "好评/有效", "差评", "满意度均分",
           "差评核实率", "已核实/差评", "按时核实率", "整改率", "已整改/应整改", "回访率",
           "已回访/差评", "回访满意率", "已剔除", "三个100%"]


def _row(scope: str, name: str, f: Figures) -> list[object]:
    return [scope, name, f.total, f.good.percent, f"{f.good.numerator}/{f.good.denominator}",
            f.negatives, str(f.average) if f.average is not None else "—",
            f.verified.percent, f"{f.verified.numerator}/{f.verified.denominator}",
            f.verified_on_time.percent, f.rectified.percent,
            f"{f.rectified.numerator}/{f.rectified.denominator}", f.revisited.percent,
            f"{f.revisited.numerator}/{f.revisited.denominator}", f.revisit_satisfied.percent,
            f.excluded, "是" if f.hundred_percent else "否"]


def _limit(request: Request, actor: Actor, clock: Clock) -> None:
    request.app.state.limiter.hit(ratelimit.EXPORT_ACCOUNT, str(actor.user_id),
                                  clock.now().timestamp())


@router.get("/ratings/stats.xlsx")
def stats_xlsx(export_limit: ExportLimited,
               request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser
               ) -> Response:
    _reader(actor)
    _limit(request, actor, clock)
    r = _report(request, db, actor, clock)
    label = service.DIMENSIONS[r.dimension][0]
    rows = [_row("合计", f"{r.start.isoformat()} 至 {r.end.isoformat()}", r.overall)]
    rows += [_row(label, name, f) for name, f in r.groups.items()]
    data = ledger_bytes("好差评统计", [("评价日期", f"{r.start} 至 {r.end}"), ("维度", label)],
                        HEADERS, rows, sheet="统计")
    return xlsx_response(f"好差评统计-{r.start.isoformat()}-{r.end.isoformat()}.xlsx", data)


LEDGER = ["编号", "评价时间", "办件", "等级", "评价内容", "标签", "部门", "事项", "窗口",
          "工作人员", "渠道", "来源", "处置阶段", "核实时限", "核实结论", "整改措施", "回访结果",
          "剔除理由"]


@router.get("/ratings/export.xlsx")
def ledger_xlsx(export_limit: ExportLimited,
                request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser
                ) -> Response:
    if actor.role not in (*READERS, Role.ENTERPRISE):
        raise NotFound("页面不存在，或您没有访问权限。")
    _limit(request, actor, clock)
    flt, q = webforms.rating_filter(request, clock.today_local())
    rows = []
    for x in repository.first_ratings(db, service.list_query(actor, flt), 50_000):
        at = to_local(x.rated_at).strftime("%Y-%m-%d %H:%M")
        rows.append([x.id, at, x.case_key, Level(x.level).label, x.comment,
                     "、".join(x.tags or []), x.department_name, x.item_name, x.window_name,
                     " ".join(p for p in (x.staff_no, x.staff_name) if p), Channel(x.channel).label,
                     Source(x.source).label, "已剔除" if x.excluded else Stage(x.stage).label,
                     x.verify_due, _label(VerifyResult, x.verify_result), x.rectify_note,
                     _label(RevisitResult, x.revisit_result),
                     x.excluded_reason])
    data = ledger_bytes("好差评台账", [(k, v) for k, v in q.items() if v], LEDGER, rows)
    return xlsx_response(f"好差评台账-{clock.today_local().isoformat()}.xlsx", data)


def _label(kind: Any, value: str | None) -> str | None:
    return kind(value).label if value else None
