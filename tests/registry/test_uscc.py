import random
import string

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from huiqi.registry import uscc

VALID = "91110000600037341L"  # python-stdnum's own example


def test_valid_code_is_returned_normalised() -> None:
    assert uscc.validate(VALID) == VALID
    assert uscc.validate(" 9111-0000 6000 37341l ") == VALID
    assert uscc.validate("９１１１００００６０００３７３４１Ｌ") == VALID  # full-width digits


@pytest.mark.parametrize(("raw", "why"), [
    ("9111000060003734", "应为18位，实际为16位"),
    ("91110000600037341LX", "实际为19位"),
    ("9111000O600037341L", "第8位“O”不合法"),
    ("91110000600037341I", "第18位“I”不合法"),
    ("91110000600037341M", "校验码错误：第18位应为“L”，实际为“M”"),
])
def test_invalid_code_says_why(raw: str, why: str) -> None:
    with pytest.raises(uscc.InvalidUSCC, match=why):
        uscc.validate(raw)
    assert not uscc.is_valid(raw)


def test_messages_are_in_chinese_with_a_code() -> None:
    said = r"^统一社会信用代码校验码错误：第18位应为“.”，实际为“M”$"
    with pytest.raises(uscc.InvalidUSCC, match=said) as err:
        uscc.validate("91110000600037341M")
    assert err.value.code == "invalid_uscc"


@given(st.text(alphabet=uscc.ALPHABET + "IOSVZ", min_size=18, max_size=18))
def test_fast_path_agrees_with_stdnum(code: str) -> None:
    assert uscc.is_valid(code) == stdnum_uscc.is_valid(code)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8),
       st.text(alphabet=uscc.ALPHABET, min_size=9, max_size=9))
def test_completed_codes_are_valid_for_stdnum(head: str, tail: str) -> None:
    code = head + tail + stdnum_uscc.calc_check_digit(head + tail)
    assert uscc.validate(code) == code


def test_generated_codes_are_valid_and_well_formed() -> None:
    rng = random.Random(5)
    for form, kind in (("enterprise", "1"), ("individual", "2"), ("farmer_coop", "3")):
        code = uscc.generate("420802", rng, legal_form=form)
        assert stdnum_uscc.is_valid(code)
        assert code[:8] == f"9{kind}420802"
        assert code[16] == uscc.org_check_char(code[8:16])


def test_org_check_char_matches_gb11714_examples() -> None:
    # GB 11714 worked examples: D2143569-? and 12345678-?
    assert uscc.org_check_char("D2143569") == "X"
    assert uscc.org_check_char("12345678") == "8"


def test_generate_many_is_valid_and_distinct() -> None:
    n = 20_000
    regions = np.array(["500105", "420802"] * (n // 2))
    kinds = np.array(["1", "2", "3", "1"] * (n // 4))
    codes = [c.decode() for c in uscc.generate_many(regions, kinds, np.random.default_rng(1))]
    assert len(set(codes)) == n
    assert all(stdnum_uscc.is_valid(c) for c in codes)
    assert all(c[16] == uscc.org_check_char(c[8:16]) for c in codes[:2000])
    assert codes[0][1:8] == "1500105" and codes[1][1:8] == "2420802"


def test_random_garbage_is_rejected() -> None:
    rng = random.Random(0)
    for _ in range(200):
        raw = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(18))
        assert uscc.is_valid(raw) == stdnum_uscc.is_valid(raw.upper())
