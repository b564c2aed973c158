import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from huiqi.kit import excel
from huiqi.kit.excel import workbook_bytes, xlsx_response


def test_strings_are_never_formulas_and_types_survive() -> None:
    content = workbook_bytes("台账", ["名称", "金额", "日期", "时间"], [
        ["=HYPERLINK(\"http://evil\",\"点我\")", Decimal("15250.00"), date(2025, 6, 1),
         datetime(2025, 5, 31, 16, 30, tzinfo=UTC)],
        ["+1+1", 3, None, None],
    ])
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.title == "台账"
    injected, plus = ws["A2"], ws["A3"]
    assert injected.data_type == "s" and injected.value.startswith("=HYPERLINK")
    assert plus.data_type == "s"
    assert ws["B2"].value == 15250 and ws["B3"].value == 3
    assert ws["C2"].value == datetime(2025, 6, 1)
    assert ws["D2"].value == datetime(2025, 6, 1, 0, 30)  # Beijing wall time


def test_download_name_in_chinese_with_ascii_fallback() -> None:
    response = xlsx_response("申报台账-20250601.xlsx", b"x")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="____-20250601.xlsx"')
    assert "filename*=UTF-8''%E7%94%B3%E6%8A%A5" in disposition


# -- every text that reaches a cell comes out as a valid workbook, never a formula ---------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


def _reopened(content: bytes) -> list[list[object]]:
    wb = load_workbook(io.BytesIO(content))
    return [[_eol(c.value or "") for c in row] for ws in wb.worksheets for row in ws.iter_rows()]


def _eol(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as any XML parser reads it


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_any_text_gives_a_valid_workbook_in_every_writer(texts: list[str]) -> None:
    expected = [_eol(excel.clean(t)) for t in texts]
    plain = _reopened(workbook_bytes("a\x01b", ["\x02名称"] * len(texts), [texts]))
    assert plain[1] == expected
    ledger = _reopened(excel.ledger_bytes("标题\x03", [("筛选\x04", texts[0])], texts, [texts]))
    assert ledger[-1] == expected
    sheets = _reopened(excel.sheet_bytes([("s\x05", [texts, texts], [10] * len(texts), True)]))
    assert sheets[0] == expected


def test_control_characters_are_dropped_and_formulas_stay_text() -> None:
    assert excel.clean("银行\x01名称\x00\x1f\ud800\ufffe\t\n\r") == "银行名称\t\n\r"
    content = workbook_bytes("台账", ["名称"], [["\x01=1+1"], ["@SUM(A1)"], ["-2+3"], ["普通"]])
    ws = load_workbook(io.BytesIO(content)).active
    cells = [ws[f"A{n}"] for n in range(2, 6)]
    assert [c.value for c in cells] == ["=1+1", "@SUM(A1)", "-2+3", "普通"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, False]


def test_csv_text_is_clean_and_never_a_formula(tmp_path: Path) -> None:
    path = excel.write_csv(tmp_path / "x.csv", [
        ["行号", "值"], [2, "=HYPERLINK(\"http://evil\")"], [3, "a\x01b"], [4, "-5"],
        [5, Decimal("-5.00")], [6, "@x"], [7, "+1"]])
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows == [["行号", "值"], ["2", "'=HYPERLINK(\"http://evil\")"], ["3", "ab"],
                    ["4", "'-5"], ["5", "-5.00"], ["6", "'@x"], ["7", "'+1"]]
