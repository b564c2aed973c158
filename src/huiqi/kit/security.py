"""Passwords (Argon2id), the password policy, random tokens and the signing secret."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from huiqi.kit.password_blocklist import is_common
from huiqi.kit.ratelimit import RateLimited

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128  # Argon2 cost grows with input; refuse megabyte "passwords"
PASSWORD_POLICY_MESSAGE = "密码至少 8 位，且须包含大写字母、小写字母、数字、符号中的至少三类。"  # noqa: S105

_hasher = PasswordHasher()  # RFC 9106 low-memory profile: t=3, m=64 MiB, p=4
# Verified against when the username does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-Huiqi-1")


def use_fast_hashing_for_tests() -> None:
    """Cheap Argon2 parameters: for test suites only (hundreds of logins, seconds not minutes)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not-a-real-password-Huiqi-1")


class WeakPassword(ValueError):
    """The message is shown to the user as is."""


def _classes(password: str) -> int:
    groups = [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(groups)


def check_password_policy(password: str, username: str | None = None) -> None:
    """Raise WeakPassword with a Chinese message saying what to change."""
    if len(password) < PASSWORD_MIN_LENGTH or _classes(password) < 3:
        raise WeakPassword(PASSWORD_POLICY_MESSAGE)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(f"密码不能超过 {PASSWORD_MAX_LENGTH} 个字符。")
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise WeakPassword("密码不能包含用户名。")
    if is_common(password):
        raise WeakPassword(
            "密码过于常见或是键盘序列（如 P@ssw0rd、1qaz@WSX），容易被猜中，请换一个。")


# Argon2 takes 64 MiB and most of a core per check: at most this many run at once (the rest wait
# briefly, then get 429), so a login flood from many addresses cannot take every core and thread.
PASSWORD_SLOTS = int(os.environ.get("HUIQI_PASSWORD_SLOTS") or max(1, (os.cpu_count() or 2) // 2))
PASSWORD_SLOT_WAIT = float(os.environ.get("HUIQI_PASSWORD_SLOT_WAIT") or 2.0)  # seconds
_slots = threading.BoundedSemaphore(PASSWORD_SLOTS)


class PasswordChecksBusy(RateLimited):
    def __init__(self) -> None:
        super().__init__(5, "登录请求过多，系统正忙，请 5 秒后再试。")


def _slot() -> threading.BoundedSemaphore:
    if not _slots.acquire(timeout=PASSWORD_SLOT_WAIT):
        raise PasswordChecksBusy()
    return _slots


def hash_password(password: str) -> str:
    slot = _slot()
    try:
        return _hasher.hash(password)
    finally:
        slot.release()


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time whether or not a hash exists. Raises PasswordChecksBusy (429) when
    all slots stay taken."""
    slot = _slot()
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        slot.release()


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password(length: int = 16) -> str:
    """A random password that always satisfies the policy (no look-alike characters)."""
    lower, upper, digits, symbols = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", \
        "23456789", "-_.!@#%+="
    alphabet = lower + upper + digits + symbols
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if _classes(candidate) == 4 and not is_common(candidate):
            return candidate


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token (session ids, API tokens, CSRF tokens)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What is stored for a bearer secret: a leaked table does not yield usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def sign(secret: str, value: str) -> str:
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{value}.{mac}"


def unsign(secret: str, signed: str | None) -> str | None:
    if not signed or "." not in signed:
        return None
    value, _, _mac = signed.rpartition(".")
    return value if same(sign(secret, value), signed) else None


@lru_cache
def secret_from_file(data_dir: Path) -> str:
    """A per-installation secret kept in data_dir when HUIQI_SECRET_KEY is not set."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = new_token(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret

