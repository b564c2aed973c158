from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, inspect

from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.enterprise import column_type, enterprises
from huiqi.registry import service
from huiqi.registry.catalog import load_catalog, profile_fields
from huiqi.registry.uscc import make
from huiqi.rules import FieldType

A = make("500105", "MA5U0001")
B = make("420802", "MA4J0002")


def test_table_columns_follow_the_catalog(engine: Engine) -> None:
    names = [c.name for c in enterprises.columns]
    assert names[1:-3] == [s.name for s in profile_fields()]
    assert names[-3:] == ["size_class_derived", "created_at", "updated_at"]
    catalog = load_catalog()
    assert column_type(catalog["revenue"]).scale == 2  # type: ignore[attr-defined]
    assert column_type(catalog["layoff_rate"]).scale == 4  # type: ignore[attr-defined]
    assert column_type(catalog["high_tech"]).python_type is bool
    assert {c["name"] for c in inspect(engine).get_columns("enterprises")} == set(names)
    assert {c["name"] for c in inspect(engine).get_columns("enterprise_facts")} == {
        "id", "enterprise_id", "field", "value", "updated_at"}
    assert all(s.type is not FieldType.MONEY or s.kind for s in catalog)


def test_upsert_get_and_derive_size(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        created = service.upsert(s, {"uscc": A.lower(), "name": "重庆市江北区满益火锅馆",
                                     "region": "江北区", "legal_form": "个体工商户",
                                     "industry_code": "H6210", "employees": "12",
                                     "revenue": "1,500,000"})
        assert created.uscc == A and created.region == "500105"
        assert (created.size_class, created.size_class_derived) == ("small", True)
    with unit_of_work(engine) as s:
        updated = service.upsert(s, {"uscc": A, "revenue": "500000", "high_tech": "否"})
        assert updated.name == "重庆市江北区满益火锅馆"  # untouched
        assert (updated.size_class, updated.high_tech) == ("micro", False)  # re-derived
        updated = service.upsert(s, {"uscc": A, "revenue": "2000000"})
        assert updated.size_class == "small"
        given = service.upsert(s, {"uscc": A, "size_class": "小型"})
        assert (given.size_class, given.size_class_derived) == ("small", False)
        kept = service.upsert(s, {"uscc": A, "employees": 2})
        assert kept.size_class == "small"  # a given class is not overwritten by derivation
    with unit_of_work(engine) as s:
        found = service.get_by_uscc(s, f" {A} ")
        assert found is not None and found.revenue == Decimal("2000000.00")
        assert service.get_by_uscc(s, "not a code") is None
        with pytest.raises(NotFound):
            service.require_by_uscc(s, B)


def test_upsert_reports_every_bad_field(engine: Engine) -> None:
    with unit_of_work(engine) as s, pytest.raises(ValidationFailed) as caught:
        service.upsert(s, {"uscc": A, "revenue": "1.234", "high_tech": "maybe", "nope": 1})
    assert set(caught.value.details) == {"revenue", "high_tech", "nope"}  # type: ignore[arg-type]
    assert "营业收入" in caught.value.message
    with unit_of_work(engine) as s, pytest.raises(ValidationFailed, match="缺少统一社会信用代码"):
        service.upsert(s, {"name": "无代码"})


def test_search_and_pagination(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        for k in range(25):
            region, industry = ("500105", "H6210") if k % 2 else ("420802", "C3841")
            service.upsert(s, {"uscc": make(region, f"MA{k:06d}"), "name": f"企业{k:02d}",
                               "region": region, "industry_code": industry})
    with unit_of_work(engine) as s:
        page = service.list_enterprises(s, per_page=10, page=3)
        assert (page.total, page.pages, len(page.items)) == (25, 3, 5)
        assert service.list_enterprises(s, region="500105").total == 12
        assert service.list_enterprises(s, industry_prefix="c38").total == 13
        assert [e.name for e in service.list_enterprises(s, query="企业0").items] == [
            f"企业0{k}" for k in range(10)]
        assert service.list_enterprises(s, size="small").total == 0


def test_set_and_get_facts(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        enterprise = service.upsert(s, {"uscc": B})
        facts = service.set_facts(s, enterprise, {"loan_amount": "1,000,000", "ip_pledge": "是",
                                                  "loan_rate": "3.45%"})
        assert facts == {"loan_amount": Decimal("1000000.00"), "ip_pledge": True,
                         "loan_rate": Decimal("0.034500")}
        facts = service.set_facts(s, enterprise, {"ip_pledge": None, "loan_amount": 2000})
        assert facts == {"loan_amount": Decimal("2000.00"), "loan_rate": Decimal("0.034500")}
        with pytest.raises(ValidationFailed) as caught:
            service.set_facts(s, enterprise, {"revenue": 1, "loan_amount": "x"})
        assert set(caught.value.details) == {"revenue", "loan_amount"}  # type: ignore[arg-type]
