"""适用地区: `huiqi match` gives a firm only its own region's items, on every engine.

Twin firms with the same profile and facts, one in Jiangbei (重庆, 500105) and one in Dongbao
(湖北荆门, 420802), so the region is the only difference; a third twin has no region.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from stdnum.cn import uscc as uscc_number
from typer.testing import CliRunner

from huiqi.cli.main import app

PROFILE = {"legal_form": "enterprise", "industry_code": "H6210", "size_class": "small",
           "above_size": "true", "dishonest_debtor": "false", "major_violation_3y": "false",
           "online_sales": "6000000", "loan_amount": "1000000", "loan_rate": "0.04",
           "first_loan": "true", "rents_state_property": "true", "monthly_rent": "20250",
           "nucleic_test_cost": "3000"}


def _uscc(body: str) -> str:
    return body + uscc_number.calc_check_digit(body)


JIANGBEI, DONGBAO, NOWHERE = (_uscc("91500105MA0000001"), _uscc("91420802MA0000001"),
                              _uscc("91420802MA0000002"))


def _match(tmp_path: Path, as_of: str, *extra: str, env: dict[str, str] | None = None
           ) -> dict[tuple[str, str], dict[str, str]]:
    src, out = tmp_path / "in.csv", tmp_path / f"out-{as_of}-{len(extra)}.csv"
    rows = [{"uscc": JIANGBEI, "region": "500105", **PROFILE},
            {"uscc": DONGBAO, "region": "420802", **PROFILE},
            {"uscc": NOWHERE, "region": "", **PROFILE}]
    with src.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = CliRunner().invoke(app, ["match", "--input", str(src), "--out", str(out),
                                      "--as-of", as_of, *extra], env=env)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        return {(r["uscc"], r["item"]): r for r in csv.DictReader(fh)}


def _check(got: dict[tuple[str, str], dict[str, str]], home: str, away: str, prefix: str) -> None:
    items = {item for _, item in got}
    mine = {i for i in items if got[(home, i)]["eligible"] == "true"}
    assert mine and all(i.startswith(prefix) for i in mine)
    for item in items:  # the other region's firm: false, for its region alone where it differs
        row = got[(away, item)]
        assert row["eligible"] == "false" and "适用地区" in row["failed"].split(";")
        assert row["amount"] == ""
        if item in mine:
            assert row["failed"] == "适用地区"
        nowhere = got[(NOWHERE, item)]  # region unknown: never eligible, region named
        assert nowhere["eligible"] != "true" and "region" in nowhere["missing"].split(";")


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_each_firm_gets_only_its_regions_items(tmp_path: Path, engine: str) -> None:
    _check(_match(tmp_path, "2025-06-01", "--engine", engine), DONGBAO, JIANGBEI, "dongbao.")
    _check(_match(tmp_path, "2022-05-08", "--engine", engine), JIANGBEI, DONGBAO, "jiangbei.")


@pytest.mark.postgres
def test_postgres_engine_applies_the_region(tmp_path: Path, pg_url: str) -> None:
    env = {"HUIQI_DATABASE_URL": pg_url}
    got = _match(tmp_path, "2025-06-01", "--engine", "postgres", env=env)
    assert got == _match(tmp_path, "2025-06-01")
    _check(got, DONGBAO, JIANGBEI, "dongbao.")
