import csv
from collections import Counter

import pytest

from huiqi.registry import industry


def test_counts_per_level() -> None:
    counts = Counter(e.level for e in industry.table().values())
    # GB/T 4754-2017: 20 门类, 97 大类, 473 中类; both transcribed sources list 1381 小类
    # (the standard's foreword says 1380).
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}


def test_every_entry_hangs_from_the_level_above() -> None:
    table = industry.table()
    above = dict(zip(industry.LEVELS[1:], industry.LEVELS[:-1], strict=True))
    for entry in table.values():
        if entry.level == "section":
            assert entry.parent is None and len(entry.code) == 1
            continue
        parent = table[entry.parent]  # type: ignore[index]
        assert parent.level == above[entry.level]
        assert entry.code.startswith(parent.code)
        assert len(entry.code) == {"division": 3, "group": 4, "class": 5}[entry.level]


def test_csv_has_the_documented_columns() -> None:
    with industry.DATA_PATH.open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["code", "level", "name", "parent"]


def test_lookup_and_path() -> None:
    assert industry.name("C3841") == "锂离子电池制造"
    assert [e.code for e in industry.path("C3841")] == ["C", "C38", "C384", "C3841"]
    assert industry.path_names("C3841") == (
        "制造业 / 电气机械和器材制造业 / 电池制造 / 锂离子电池制造")
    assert industry.lookup("c38").name == "电气机械和器材制造业"  # type: ignore[union-attr]
    assert industry.lookup("C9999") is None
    assert industry.path("X") == []


@pytest.mark.parametrize(("code", "name"), [
    ("A0171", "中草药种植"),  # 2017 split 中药材种植 (2011: A0170)
    ("A0232", "森林改培"),
    ("B1200", "其他采矿业"),
    ("H6210", "正餐服务"),
    ("I6513", "应用软件开发"),
    ("K7020", "物业管理"),
    ("S9100", "中国共产党机关"),
    ("T9700", "国际组织"),
])
def test_known_codes(code: str, name: str) -> None:
    assert industry.name(code) == name
    assert industry.is_valid(code, level="class")


def test_single_class_groups_exist() -> None:
    # a 中类 that is not subdivided has one 小类 ending in 0 with the same name
    assert industry.lookup("C134").name == industry.lookup("C1340").name == "制糖业"  # type: ignore[union-attr]


def test_normalize_class_code() -> None:
    assert industry.normalize_class_code(" c3841 ") == "C3841"
    assert industry.normalize_class_code("3841") == "C3841"
    assert industry.normalize_class_code(6513) == "I6513"
    assert industry.normalize_class_code(3841.0) == "C3841"
    with pytest.raises(ValueError, match="大类"):
        industry.normalize_class_code("C38")
    with pytest.raises(ValueError, match="不是GB/T 4754-2017"):
        industry.normalize_class_code("C3848")


def test_predicates() -> None:
    assert industry.is_manufacturing("C3841")
    assert not industry.is_manufacturing("F5292")
    assert not industry.is_manufacturing(None)
    assert industry.is_industry("D4411") and industry.is_industry("B0610")
    assert industry.is_service("H6210") and industry.is_service("C4310")
    assert not industry.is_service("S9221") and not industry.is_service("C3841")


def test_children() -> None:
    assert [e.code for e in industry.children("C384")] == ["C3841", "C3842", "C3843", "C3844",
                                                            "C3849"]
    assert len(industry.classes()) == 1381
