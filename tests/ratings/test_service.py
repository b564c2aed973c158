"""Taking ratings and the 差评 loop through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from huiqi.appeals import service as appeals
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.ratelimit import Limiter, RateLimited
from huiqi.models.appeal import Appeal
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification
from huiqi.models.rating import Rating
from huiqi.ratings import service
from huiqi.ratings.service import RatingIn, WindowRatingIn
from tests.ratings.conftest import SECRET, World, dispatched_appeal

BAD = RatingIn(level=2, comment="排队两小时，材料被要求补了三次", tags=["等待时间长"])


def _qr_sig(world: World) -> str:
    with world.tx() as s:
        window = service.qr_window.__globals__["repo"].window(s, "JLP-01")
        return service.qr_path(SECRET, window).rsplit("/", 1)[1]


def rate_at_window(world: World, data: RatingIn = BAD, ticket: str | None = None,
                   ip: str = "10.0.0.1", limiter: Limiter | None = None) -> Rating:
    sig = _qr_sig(world)
    return world.do(lambda s: service.rate_window(
        s, world.clock, limiter or Limiter(), ip, SECRET, "JLP-01", sig,
        WindowRatingIn(data, item="企业开办", staff_no="M001", ticket=ticket)))


def test_portal_rating_of_own_appeal_once(world: World) -> None:
    appeal_id = dispatched_appeal(world)
    rating = world.do(lambda s: service.rate_case(s, world.ent_a, world.clock, "appeal",
                                                  str(appeal_id), RatingIn(level=5)))
    assert (rating.case_key, rating.department_name, rating.stage) == \
        (f"appeal:{appeal_id}", "区人力社保局", "none")
    with pytest.raises(Conflict, match="只能评价一次"):
        world.do(lambda s: service.rate_case(s, world.ent_a, world.clock, "appeal",
                                             str(appeal_id), RatingIn(level=4)))
    with pytest.raises(NotFound):  # another enterprise's appeal looks missing
        world.do(lambda s: service.rate_case(s, world.ent_b, world.clock, "appeal",
                                             str(appeal_id), RatingIn(level=1, comment="x")))


@pytest.mark.parametrize("level", [0, 6, -1, "abc", "５", "", None, 2.5])
def test_level_outside_1_to_5_refused(world: World, level: object) -> None:
    appeal_id = dispatched_appeal(world)
    with pytest.raises(ValidationFailed, match="1–5") as err:
        world.do(lambda s: service.rate_case(s, world.ent_a, world.clock, "appeal",
                                             str(appeal_id), RatingIn(level=level)))
    assert err.value.status_code == 422
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(Rating)) == 0


def test_bad_rating_needs_a_reason_and_bad_window_input(world: World) -> None:
    with pytest.raises(ValidationFailed, match="差评请写明原因"):
        rate_at_window(world, RatingIn(level=1))
    sig = _qr_sig(world)
    with pytest.raises(ValidationFailed, match="不是本窗口办理的事项"):
        world.do(lambda s: service.rate_window(s, world.clock, Limiter(), "1", SECRET, "JLP-01",
                                               sig, WindowRatingIn(RatingIn(level=5),
                                                                   item="房产登记")))
    with pytest.raises(NotFound, match="评价链接无效"):
        world.do(lambda s: service.rate_window(s, world.clock, Limiter(), "1", SECRET, "JLP-01",
                                               "0" * 32, WindowRatingIn(RatingIn(level=5))))


def test_window_ticket_once_and_rate_limit(world: World) -> None:
    rate_at_window(world, RatingIn(level=5), ticket="SL-20250926-001")
    with pytest.raises(Conflict):
        rate_at_window(world, RatingIn(level=4), ticket="SL-20250926-001")
    limiter = Limiter()
    for _ in range(service.QR_IP.limit):
        rate_at_window(world, RatingIn(level=5), limiter=limiter)
    with pytest.raises(RateLimited):
        rate_at_window(world, RatingIn(level=5), limiter=limiter)
    rate_at_window(world, RatingIn(level=5), limiter=limiter, ip="10.0.0.2")  # other address


def test_deadlines_across_national_day(world: World) -> None:
    world.clock.set(datetime(2025, 9, 30, 2, 0, tzinfo=UTC))  # Tuesday before 国庆
    rating = rate_at_window(world)
    # 1–8 Oct holiday; 9, 10 Oct and the 调休 Saturday 11 Oct are the three working days
    assert rating.verify_due == date(2025, 10, 11)
    world.clock.set(datetime(2025, 10, 9, 2, 0, tzinfo=UTC))
    done = world.do(lambda s: service.verify(s, world.market, world.clock, rating.id, "founded",
                                             "属实，窗口人手不足"))
    assert done.rectify_due == date(2025, 10, 28)  # 15 working days after 30 Sep
    fixed = world.do(lambda s: service.rectify(s, world.market, world.clock, rating.id,
                                               "增开周末窗口，推行一次性告知"))
    assert fixed.revisit_due == date(2025, 10, 15)  # 10, 11 (调休), 13, 14, 15 Oct


def test_loop_access_order_and_notifications(world: World) -> None:
    rating = rate_at_window(world)
    with world.tx() as s:
        told = s.scalars(select(Notification.user_id).where(
            Notification.title == "收到差评，请核实整改")).all()
        assert told == [world.market.user_id]
    for who in ("hr", "ent_a", "office", "auditor"):  # not the owning department: 404
        with pytest.raises(NotFound):
            world.do(lambda s, w=who: service.verify(s, world.actors[w], world.clock, rating.id,
                                                     "founded", "x"))
    with pytest.raises(Conflict, match="待核实"):
        world.do(lambda s: service.rectify(s, world.market, world.clock, rating.id, "x"))
    with pytest.raises(ValidationFailed, match="核实结论"):
        world.do(lambda s: service.verify(s, world.market, world.clock, rating.id, "maybe", "x"))
    world.do(lambda s: service.verify(s, world.market, world.clock, rating.id, "partly", "核实"))
    world.do(lambda s: service.rectify(s, world.market, world.clock, rating.id, "整改"))
    done = world.do(lambda s: service.revisit(s, world.office, world.clock, rating.id,
                                              "satisfied", "电话回访，评价人认可整改"))
    assert done.stage == "done"
    with world.tx() as s:
        actions = s.scalars(select(AuditLog.action).where(
            AuditLog.subject_id == str(rating.id), AuditLog.subject_type == "ratings")
            .order_by(AuditLog.id)).all()
    assert actions == ["rating.create", "rating.verify", "rating.rectify", "rating.revisit"]


def test_revisit_tells_the_enterprise(world: World) -> None:
    appeal_id = dispatched_appeal(world)
    rating = world.do(lambda s: service.rate_case(s, world.ent_a, world.clock, "appeal",
                                                  str(appeal_id), BAD))
    world.do(lambda s: service.verify(s, world.hr, world.clock, rating.id, "unfounded", "不属实"))
    world.do(lambda s: service.revisit(s, world.hr, world.clock, rating.id, "basic", "已解释"))
    with world.tx() as s:
        rows = s.scalars(select(Notification).where(Notification.title == "您的评价已回访")).all()
        assert [n.user_id for n in rows] == [world.ent_a.user_id]
        assert "基本满意" in rows[0].body
    with pytest.raises(NotFound):
        world.do(lambda s: service.detail(s, world.ent_b, rating.id))
    assert world.do(lambda s: service.detail(s, world.ent_a, rating.id)).stage.value == "done"


def test_dispute_upheld_excludes_from_figures(world: World) -> None:
    rating = rate_at_window(world)
    rate_at_window(world, RatingIn(level=5))
    today = world.clock.today_local()
    before = world.do(lambda s: service.report(s, world.office, today, today))
    assert (before.overall.total, before.overall.good.percent) == (2, "50.0%")
    with pytest.raises(NotFound):
        world.do(lambda s: service.dispute(s, world.hr, world.clock, rating.id, "误评"))
    d = world.do(lambda s: service.dispute(s, world.market, world.clock, rating.id,
                                           "评价人误将其他窗口的排队记在本窗口"))
    with pytest.raises(Conflict, match="待复核"):
        world.do(lambda s: service.dispute(s, world.market, world.clock, rating.id, "再申诉"))
    with pytest.raises(NotFound):
        world.do(lambda s: service.decide(s, world.market, world.clock, d.id, True, "x"))
    world.do(lambda s: service.decide(s, world.office, world.clock, d.id, True,
                                      "经调取叫号记录，评价人未在本窗口办理"))
    after = world.do(lambda s: service.report(s, world.office, today, today))
    assert (after.overall.total, after.overall.excluded, after.overall.good.percent) == \
        (1, 1, "100.0%")
    view = world.do(lambda s: service.detail(s, world.market, rating.id))
    assert view.rating.excluded and "叫号记录" in (view.rating.excluded_reason or "")
    with pytest.raises(Conflict, match="剔除"):
        world.do(lambda s: service.verify(s, world.market, world.clock, rating.id, "founded", "x"))


def _tamper(token: str) -> str:
    return token[:-1] + ("1" if token[-1] == "0" else "0")


def test_sms_invite_is_one_time(world: World) -> None:
    _, path = world.do(lambda s: service.invite(s, world.market, world.clock, SECRET,
                                                service.InviteIn("contact", "SL-0001", "market",
                                                                 item_name="企业开办")))
    token = path.rsplit("/", 1)[1]
    rating = world.do(lambda s: service.rate_invite(s, world.clock, "1.2.3.4", SECRET, token,
                                                    RatingIn(level=4)))
    assert (rating.source, rating.case_key, rating.item_name) == ("sms", "contact:SL-0001",
                                                                  "企业开办")
    with pytest.raises(Conflict, match="已使用"):
        world.do(lambda s: service.rate_invite(s, world.clock, "1", SECRET, token,
                                               RatingIn(level=1, comment="x")))
    with pytest.raises(NotFound):
        world.do(lambda s: service.rate_invite(s, world.clock, "1", SECRET, _tamper(token),
                                               RatingIn(level=5)))
    with pytest.raises(Conflict):  # the 办件 is rated: no second invitation
        world.do(lambda s: service.invite(s, world.office, world.clock, SECRET,
                                          service.InviteIn("contact", "SL-0001", "market")))


def test_appeal_return_visit_feeds_a_rating(world: World) -> None:
    appeal_id = dispatched_appeal(world)
    A = appeals.AppealAction
    for action, who, payload in ((A.SIGN, "hr", {}), (A.REPLY, "hr", {"reply": "已对接"}),
                                 (A.CONFIRM, "ent_a", {}),
                                 (A.VISIT, "office", {"satisfaction": 2, "comment": "慢"})):
        world.do(lambda s, a=action, w=who, p=payload: appeals.act(
            s, world.actors[w], world.clock, appeal_id, a, p))
    assert world.do(lambda s: service.feed_appeal_visits(s, world.clock)) == 1
    assert world.do(lambda s: service.feed_appeal_visits(s, world.clock)) == 0  # once
    with world.tx() as s:
        r = s.scalar(select(Rating).where(Rating.case_key == f"appeal:{appeal_id}"))
        assert r is not None and (r.level, r.source, r.stage, r.department_name) == \
            (2, "appeal_visit", "verify", "区人力社保局")
    with pytest.raises(Conflict):  # the enterprise cannot rate it a second time
        world.do(lambda s: service.rate_case(s, world.ent_a, world.clock, "appeal",
                                             str(appeal_id), RatingIn(level=5)))


def test_cannot_do_window_becomes_an_appeal(world: World) -> None:
    data = service.CannotDoIn(enterprise_uscc=world.ent_b.enterprise_uscc or "",
                              matter="跨省迁移登记", description="系统不支持外省档案调取",
                              place="九龙坡区政务服务中心办不成事窗口", contact_name="王先生")
    with pytest.raises(NotFound):
        world.do(lambda s: service.record_cannot_do(s, world.market, world.clock, data))
    appeal = world.do(lambda s: service.record_cannot_do(s, world.office, world.clock, data))
    again = world.do(lambda s: service.record_cannot_do(s, world.office, world.clock, data))
    with world.tx() as s:
        rows = s.scalars(select(Appeal).where(Appeal.id.in_([appeal.id, again.id]))).all()
    assert {(a.source, a.category_name) for a in rows} == {("cannot_do", "办不成事")}
    assert rows[0].title == "办不成事：跨省迁移登记" and rows[0].address.startswith("九龙坡")


def test_tick_flags_overdue_steps_once(world: World) -> None:
    from huiqi.ratings.tasks import tick

    world.clock.set(datetime(2025, 9, 30, 2, 0, tzinfo=UTC))
    rating = rate_at_window(world)  # 核实 due 11 Oct (across 国庆)
    world.clock.set(datetime(2025, 10, 11, 10, 0, tzinfo=UTC))  # the due day itself: not late
    assert world.do(tick).overdue == 0
    world.clock.set(datetime(2025, 10, 12, 2, 0, tzinfo=UTC))
    assert world.do(tick).overdue == 1
    assert world.do(tick).overdue == 0  # once per step and due date
    flt = service.RatingFilter(overdue_on=world.clock.today_local())
    with world.tx() as s:
        assert [r.id for r in s.scalars(service.list_query(world.market, flt))] == [rating.id]
        told = s.scalars(select(Notification.user_id).where(
            Notification.title == "差评处置已超期")).all()
        assert sorted(told) == sorted([world.market.user_id, world.office.user_id])
    world.do(lambda s: service.verify(s, world.market, world.clock, rating.id, "founded", "迟"))
    with world.tx() as s:  # 整改 due 28 Oct: not overdue yet
        assert list(s.scalars(service.list_query(world.market, flt))) == []
    world.clock.set(datetime(2025, 10, 29, 2, 0, tzinfo=UTC))
    assert world.do(tick).overdue == 1  # the next step, its own notice
