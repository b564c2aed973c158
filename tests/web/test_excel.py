import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

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
