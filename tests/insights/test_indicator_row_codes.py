"""Each refusal of an indicator-catalog row has its stable code and a Chinese reason (the codes
of the import that no other test reaches)."""

from __future__ import annotations

import re

import pytest

from huiqi.insights.indicators_excel import RowProblem, _parse

GOOD = {"指标编码": "A-01", "一级指标": "政务服务", "二级指标": "办理时限",
        "监测指标": "平均办理时长",
        "单位": "天", "指标方向": "越低越好", "责任单位": "区行政审批局", "监测频次": "季度"}
DEPTS = {"区行政审批局": 1}


def test_a_good_row_parses() -> None:
    assert _parse(GOOD, DEPTS)["code"] == "A-01"


@pytest.mark.parametrize(("change", "code"), [
    ({"指标编码": "A" * 33}, "too_long"),
    ({"单位": "个" * 21}, "too_long"),
    ({"指标方向": "随便"}, "bad_direction"),
    ({"监测频次": "每周一次"}, "bad_frequency"),
    ({"责任单位": "没有的局"}, "unknown_department"),
    ({"数据来源": "猜的"}, "bad_source"),
    ({"监测指标": ""}, "missing_name"),
])
def test_each_refusal_has_its_code(change: dict[str, str], code: str) -> None:
    with pytest.raises(RowProblem) as err:
        _parse({**GOOD, **change}, DEPTS)
    assert err.value.code == code
    assert re.search(r"[\u4e00-\u9fff]", str(err.value))
