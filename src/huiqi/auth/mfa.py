"""Second factor: TOTP (RFC 6238 via pyotp, 30-second steps, 6 digits) plus one-time recovery
codes. Required for the accounts huiqi.auth.mfa_policy names, optional for the others.

- A code is accepted for its own 30-second step only (HUIQI_TOTP_DRIFT_STEPS widens it), and
  only once: the last accepted step is stored and a code of that step or an earlier one is
  refused (replay).
- Ten recovery codes at enrolment, shown once, stored as SHA-256 digests; each works once.
- Failures count towards the login lockout of the (account, source) pair (huiqi.auth.throttle).
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth import throttle
from huiqi.auth.actor import Actor
from huiqi.kit.security import token_digest
from huiqi.models.user import User

ISSUER = "惠企"
STEP = 30
DRIFT_STEPS = int(os.environ.get("HUIQI_TOTP_DRIFT_STEPS") or 0)
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _step(at: datetime) -> int:
    return int(at.timestamp()) // STEP


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp, base = pyotp.TOTP(secret), _step(now)
    for step in range(base - DRIFT_STEPS, base + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_codes() -> list[str]:
    return ["-".join(secrets.token_hex(3) for _ in range(2)) for _ in range(RECOVERY_CODES)]


def secret_of(user: User) -> str | None:
    from huiqi.kit import fieldcrypt

    return fieldcrypt.decrypt(user.totp_secret) if user.totp_secret else None


def enrol(db: Session, actor: Actor, user: User, secret: str, code: str, now: datetime,
          ) -> list[str] | None:
    """Enrol when `code` is right for `secret`; returns the recovery codes (shown once)."""
    from huiqi.kit import fieldcrypt

    step = _matching_step(secret, code.strip(), now)
    if step is None:
        return None
    codes = _recovery_codes()
    user.totp_secret, user.totp_last_step = fieldcrypt.encrypt(secret), step
    user.recovery_codes = [token_digest(c) for c in codes]
    user.mfa_enrolled_at = now
    audit.record(db, actor, "auth.mfa_enrol", user, at=now)
    return codes


def enrol_directly(user: User, secret: str, now: datetime) -> list[str]:
    """Enrol without a code (server-side tooling: the demo, tests); returns recovery codes."""
    from huiqi.kit import fieldcrypt

    codes = _recovery_codes()
    user.totp_secret, user.totp_last_step = fieldcrypt.encrypt(secret), None
    user.recovery_codes = [token_digest(c) for c in codes]
    user.mfa_enrolled_at = now
    return codes


def verify(db: Session, who: Actor, user: User, code: str, source: str, now: datetime) -> bool:
    """Check a TOTP or recovery code for an enrolled user; each works once. Failures count."""
    code = code.strip().replace(" ", "")
    secret = secret_of(user)
    if secret and code.isdigit():
        step = _matching_step(secret, code, now)
        if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            return True
        if step is not None:
            audit.record(db, who, "auth.mfa_replay_refused", user, after={"source": source},
                         at=now)
    digest = token_digest(code.lower())
    if user.recovery_codes and digest in user.recovery_codes:
        user.recovery_codes = [d for d in user.recovery_codes if d != digest]
        audit.record(db, who, "auth.mfa_recovery_code_used", user,
                     after={"left": len(user.recovery_codes)}, at=now)
        return True
    throttle.failed(db, who, user, source, now, "bad_otp")
    return False


def enrolled(user: User) -> bool:
    return bool(user.totp_secret)


def reset(db: Session, actor: Actor, user: User) -> None:
    """Remove the second factor (the security administrator, for a lost phone): the owner
    enrols again at the next login."""
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, None, None
    user.mfa_enrolled_at = None
    audit.record(db, actor, "auth.mfa_reset", user)
