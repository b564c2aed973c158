from pathlib import Path

from openpyxl import Workbook

from huiqi.registry.reader import read_table


def test_xlsx_row_numbers_skip_blank_rows_but_count_them(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "uscc", "name"
    sheet["A2"], sheet["A5"], sheet["B7"] = "x", "y", "z"
    workbook.save(tmp_path / "gap.xlsx")
    table = read_table(tmp_path / "gap.xlsx")
    assert table.header == ["uscc", "name"]
    assert [n for n, _ in table.rows] == [2, 5, 7]


def test_csv_rows_are_records_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text('uscc,name\nx,1\n\n,\ny,2\n"multi\nline",3\nz,4\n', encoding="utf-8")
    assert [(n, c[0]) for n, c in read_table(path).rows] == [
        (2, "x"), (5, "y"), (6, "multi\nline"), (7, "z")]


def test_csv_with_bom_tabs_and_gbk(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff统一社会信用代码\t企业名称\nA\t甲\n".encode())
    table = read_table(path)
    assert table.header == ["统一社会信用代码", "企业名称"] and table.rows == [(2, ["A", "甲"])]
    path.write_bytes("企业名称\n东宝区满益火锅馆\n".encode("gbk"))
    assert read_table(path).rows == [(2, ["东宝区满益火锅馆"])]
