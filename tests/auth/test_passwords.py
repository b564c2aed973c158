import pytest

from huiqi.kit.security import (
    PASSWORD_POLICY_MESSAGE,
    WeakPassword,
    check_password_policy,
    generate_password,
    hash_password,
    verify_password,
)


@pytest.mark.parametrize("password", [
    "Kxmtpwr7",        # upper, lower, digit — 8 characters ("Abcdefg1" is a run: common)
    "kxmtpwr7!",       # lower, digit, symbol
    "KXMTPWR7!",       # upper, digit, symbol
    "密码Kxm18462",     # CJK counts as a symbol-class character; still 3 classes
])
def test_accepts_eight_chars_from_three_classes(password: str) -> None:
    check_password_policy(password)


@pytest.mark.parametrize("password", [
    "Abcde1!",         # 7 characters
    "abcdefgh1",       # only two classes
    "ABCDEFGHIJ",      # one class
    "12345678!",       # two classes
    "",
])
def test_refuses_short_or_too_simple_with_chinese_message(password: str) -> None:
    with pytest.raises(WeakPassword) as exc:
        check_password_policy(password)
    assert str(exc.value) == PASSWORD_POLICY_MESSAGE
    assert "至少 8 位" in str(exc.value) and "三类" in str(exc.value)


def test_refuses_password_containing_username() -> None:
    with pytest.raises(WeakPassword, match="用户名"):
        check_password_policy("Wangwei-2025", username="wangwei")


def test_refuses_absurdly_long_password() -> None:
    with pytest.raises(WeakPassword):
        check_password_policy("Aa1!" * 100)


def test_argon2_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("Correct-Horse-1")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Correct-Horse-1")
    assert not verify_password(hashed, "correct-horse-1")
    assert not verify_password(None, "Correct-Horse-1")
    assert not verify_password("not a hash", "x")


def test_generated_passwords_satisfy_the_policy_and_differ() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for p in passwords:
        check_password_policy(p)
