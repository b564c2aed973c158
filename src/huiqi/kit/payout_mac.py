"""Payout MAC: every payout line carries an HMAC over what decides who is paid how much (batch,
grant, application, business key, amounts, payee, bank, account name and number), so a row
edited in the database by hand (an amount, an account number) is found before the bank file is
made or the batch is marked paid, and by `huiqi grants verify-payouts`.

HMAC-SM3 (GB/T 32905, 国密) where OpenSSL has SM3, HMAC-SHA256 otherwise. Stored as
`mac:1:<alg>:<key id>:<hex>`. Keys: `HUIQI_PAYOUT_MAC_KEYS="m2:<base64>,m1:<base64>"` (16 or 32
bytes each; a key separate from the field-encryption key): the first signs, all verify. Without
the variable a key file `payout_mac_keys` (0600) is made in the data directory. Rotation: put
the new key first, keep the old one, run `huiqi grants verify-payouts --resign` (re-signs only
lines that verify under an old key: a tampered line is never re-signed), then drop the old key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

from huiqi.kit import fieldcrypt

PREFIX = "mac:1:"
ENV = "HUIQI_PAYOUT_MAC_KEYS"


def _sm3_available() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


ALGORITHM = "sm3" if _sm3_available() else "sha256"


def keyring() -> fieldcrypt.Keyring:
    return fieldcrypt.keyring_from(ENV, "payout_mac_keys")


def message(*, batch_id: int, grant_id: int, application_id: int, key: str,
            line_amount: Decimal, grant_amount: Decimal, uscc: str, payee: str,
            bank_name: str | None, account_name: str | None, account: str | None) -> bytes:
    """The signed bytes: a JSON array, amounts to the fen (so 1 and 1.00 sign alike)."""
    def money(v: Decimal) -> str:
        return str(Decimal(v).quantize(Decimal("0.01")))
    parts = [str(batch_id), str(grant_id), str(application_id), key, money(line_amount),
             money(grant_amount), uscc, payee, bank_name or "", account_name or "",
             (account or "").replace(" ", "")]
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(key: bytes, alg: str, msg: bytes) -> str:
    return hmac.new(key, msg, alg).hexdigest()


def sign(msg: bytes) -> str:
    ring = keyring()
    return f"{PREFIX}{ALGORITHM}:{ring.current}:{_digest(ring.keys[ring.current], ALGORITHM, msg)}"


def verify(msg: bytes, mac: str | None) -> bool:
    """True only for a MAC made over exactly these bytes with one of the configured keys."""
    if not mac or not mac.startswith(PREFIX):
        return False
    alg, _, rest = mac[len(PREFIX):].partition(":")
    key_id, _, digest = rest.partition(":")
    key = keyring().keys.get(key_id)
    if key is None or alg not in ("sm3", "sha256"):
        return False
    return hmac.compare_digest(_digest(key, alg, msg), digest)


def needs_resign(mac: str | None) -> bool:
    """A MAC made with another key than the current one (or another algorithm)."""
    if not mac or not mac.startswith(PREFIX):
        return True
    alg, _, rest = mac[len(PREFIX):].partition(":")
    return alg != ALGORITHM or rest.partition(":")[0] != keyring().current
