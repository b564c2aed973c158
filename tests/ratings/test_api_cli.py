"""The ratings JSON API (Bearer token) on SQLite and PostgreSQL, and `huiqi ratings …` through
the real entry point."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from huiqi.app import create_app
from huiqi.auth import service as auth_service
from huiqi.cli import ratings_cmd
from huiqi.cli.main import app as cli
from huiqi.models.rating import Rating
from tests.ratings.conftest import World, dispatched_appeal


class Clients:
    def __init__(self, world: World, stack: ExitStack) -> None:
        self.world, self.stack = world, stack
        self.app = create_app(world.settings, world.engine, clock=world.clock)

    def api(self, who: str) -> TestClient:
        with self.world.tx() as s:
            _, secret = auth_service.create_api_token(s, self.world.actors[who],
                                                      self.world.clock, "测试")
        client = self.stack.enter_context(TestClient(self.app, follow_redirects=False))
        client.headers["Authorization"] = f"Bearer {secret}"
        return client


@pytest.fixture
def web(world: World) -> Iterator[Clients]:
    with ExitStack() as stack:
        yield Clients(world, stack)


def test_api_rate_loop_and_stats(world: World, web: Clients) -> None:
    appeal_id = dispatched_appeal(world)
    ent, hr, office = web.api("ent_a"), web.api("hr"), web.api("office")
    body = {"case_kind": "appeal", "case_ref": str(appeal_id), "level": 6}
    bad = ent.post("/api/v1/ratings", json=body)
    assert bad.status_code == 422 and "1–5" in bad.json()["error"]["message"]
    made = ent.post("/api/v1/ratings", json={**body, "level": 1, "comment": "回复敷衍"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["stage"] == "verify" and made.json()["verify_due"] == "2025-09-30"
    dup = ent.post("/api/v1/ratings", json={**body, "level": 5})
    assert dup.status_code == 409 and "只能评价一次" in dup.json()["error"]["message"]
    assert web.api("ent_b").get(f"/api/v1/ratings/{rid}").status_code == 404
    assert web.api("market").post(f"/api/v1/ratings/{rid}/verify",
                                  json={"result": "founded", "note": "x"}).status_code == 404
    for step, payload in (("verify", {"result": "partly", "note": "部分属实"}),
                          ("rectify", {"note": "专人跟进"}),
                          ("revisit", {"result": "satisfied", "note": "认可"})):
        r = hr.post(f"/api/v1/ratings/{rid}/{step}", json=payload)
        assert r.status_code == 200, r.text
    stats = office.get("/api/v1/ratings/stats", params={"start": "2025-09-01",
                                                         "end": "2025-09-30"})
    assert stats.status_code == 200
    overall = stats.json()["overall"]
    assert (overall["total"], overall["hundred_percent"], overall["revisited"]["percent"]) == \
        (1, True, "100.0%")
    assert "好评率" in stats.json()["definitions"]
    assert [r["id"] for r in ent.get("/api/v1/ratings").json()["items"]] == [rid]
    assert ent.get("/api/v1/ratings/stats").status_code == 404


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cli_stats_export_feed_and_invite(world: World, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratings_cmd, "default_engine", lambda: world.engine)
    monkeypatch.setenv("HUIQI_SECRET_KEY", "cli-secret")
    from huiqi.kit.settings import get_settings
    get_settings.cache_clear()
    runner = CliRunner()
    link = runner.invoke(cli, ["ratings", "invite", "SL-1", "market", "--item", "企业开办"])
    assert link.exit_code == 0, link.output
    assert "/r/s/" in link.output
    unknown = runner.invoke(cli, ["ratings", "invite", "SL-2", "没有这个局"])
    assert unknown.exit_code == 1 and "没有对应的部门" in "".join(unknown.output.split())
    stats = runner.invoke(cli, ["ratings", "stats", "--start", "2025-09-01", "--end",
                                "2025-09-30", "--by", "channel"])
    assert stats.exit_code == 0 and "好差评统计" in stats.output
    bad = runner.invoke(cli, ["ratings", "stats", "--by", "colour"])
    assert bad.exit_code == 1 and "统计维度" in "".join(bad.output.split())
    out = tmp_path / "好差评.xlsx"
    done = runner.invoke(cli, ["ratings", "export", str(out), "--by", "department"])
    assert done.exit_code == 0 and out.exists()
    assert load_workbook(out).active["A1"].value == "好差评统计"
    fed = runner.invoke(cli, ["ratings", "feed-visits"])
    assert fed.exit_code == 0 and "新增评价 0 条" in fed.output
    get_settings.cache_clear()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cli_import_reports_bad_rows_and_keeps_the_rest(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratings_cmd, "default_engine", lambda: world.engine)
    file = tmp_path / "好差评导出.csv"
    file.write_text(
        "办件编号,部门,评价等级,评价时间,渠道,事项,窗口编号,工号,姓名,评价内容,统一社会信用代码\n"
        "SL-01,区市场监管局,非常满意,2025-09-30 09:30,窗口,企业开办,JLP-01,M001,李娜,,\n"
        "SL-02,market,2,2025-09-30,网上,企业开办,,,,系统卡顿,\n"
        "SL-03,market,6,2025-09-30,,,,,,,\n"
        "SL-01,market,5,2025-09-30,,,,,,,\n"
        "SL-04,没有的局,5,2025-09-30,,,,,,,\n"
        "SL-05,market,5,30/09/2025,,,,,,,\n"
        "SL-06,market,5,2025-09-30,,,,,,,91500105MA0000001X\n"
        "SL-07,market,5,2025-09-30,,,NOPE-9,,,,\n"
        "SL-08,market,5,2025-09-30,信鸽,,,,,,\n"
        "SL-09,market,1,2025-09-30,,,,,,,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["ratings", "import", str(file)])
    out = "".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "已导入2条评价" in out
    for row, reason in ((4, "评价等级应为1–5"), (5, "该办件已评价过"),
                        (6, "部门「没有的局」不存在"), (7, "评价时间「30/09/2025」"),
                        (8, "统一社会信用代码校验码错误")):
        assert f"第{row}行：{reason}" in out, (row, result.output)
    # each kind of bad row has its own stable code, printed beside the Chinese reason
    assert re.findall(r"第(\d+)行：.*?（([a-z_]+)）", out) == [
        ("4", "bad_level"), ("5", "duplicate"), ("6", "unknown_department"), ("7", "bad_date"),
        ("8", "invalid_uscc"), ("9", "unknown_window"), ("10", "bad_channel"),
        ("11", "missing_comment")], result.output
    with world.tx() as s:
        rows = {r.case_ref: r for r in s.query(Rating).all()}
    assert set(rows) == {"SL-01", "SL-02"}
    assert (rows["SL-01"].level, rows["SL-01"].staff_name, rows["SL-01"].window_name) == \
        (5, "李娜", "市场准入综合窗口")
    # rated Tuesday 30 Sep: 核实 due three working days later, across 国庆
    assert (rows["SL-02"].source, rows["SL-02"].verify_due.isoformat()) == ("import",
                                                                            "2025-10-11")
    missing = tmp_path / "缺列.csv"
    missing.write_text("办件编号,等级\nA,5\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["ratings", "import", str(missing)])
    assert refused.exit_code == 1 and "缺少必填列" in "".join(refused.output.split())
