"""Properties of the field encryption, the masks and the backup sealing (hypothesis)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.kit import fieldcrypt
from huiqi.kit.masking import mask_account, mask_phone
from huiqi.security import sealing


@given(st.text(max_size=60))
def test_sealed_values_open_to_themselves_and_never_repeat(value: str) -> None:
    a, b = fieldcrypt.seal(value), fieldcrypt.seal(value)
    assert a != b  # a fresh nonce each time: equal numbers are not visible as equal
    assert fieldcrypt.decrypt(a) == fieldcrypt.decrypt(b) == value
    assert fieldcrypt.reencrypt(a) != a and fieldcrypt.decrypt(fieldcrypt.reencrypt(a)) == value


@given(st.from_regex(r"\d{12,19}", fullmatch=True))
def test_an_account_mask_shows_at_most_eight_digits(number: str) -> None:
    masked = mask_account(number)
    assert len(re.findall(r"\d", masked)) == 8
    assert masked.startswith(number[:4]) and masked.endswith(number[-4:])


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_mobile_mask_hides_the_middle_four(number: str) -> None:
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]
    assert not re.search(r"1[3-9]\d{9}", masked)


@settings(max_examples=15, deadline=None)
@given(data=st.binary(max_size=3 * 1024), flip=st.integers(min_value=0))
def test_backup_sealing_round_trips_and_detects_any_change(
        tmp_path_factory: pytest.TempPathFactory, data: bytes, flip: int) -> None:
    tmp: Path = tmp_path_factory.mktemp("seal")
    plain, sealed, back = tmp / "p", tmp / "s", tmp / "b"
    plain.write_bytes(data)
    with pytest.MonkeyPatch.context() as m:
        m.setenv("HUIQI_BACKUP_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        sealing.seal(plain, sealed)
        sealing.unseal(sealed, back)
        assert back.read_bytes() == data
        raw = bytearray(sealed.read_bytes())
        i = len(sealing.MAGIC) + 24 + flip % (len(raw) - len(sealing.MAGIC) - 24)
        raw[i] ^= 1
        sealed.write_bytes(bytes(raw))
        with pytest.raises(sealing.SealError):
            sealing.unseal(sealed, back)
        sealed.write_bytes(bytes(raw[: len(raw) // 2]) if len(raw) > 60 else b"")
        with pytest.raises(sealing.SealError):
            sealing.unseal(sealed, back)
