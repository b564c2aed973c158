"""The future public randomness a plan commits to before it exists.

- drand: a round of the League of Entropy's default (mainnet) chain. Round r is produced at
  genesis + (r − 1) × 30 s; anyone reads its `randomness` (64 hex digits) at
  https://api.drand.sh/public/r. The round named must lie in the future when the plan commits.
- public: a value drawn in public (摇号, dice) at a stated time and place.
Either way the value is entered by two different officials, the second entry must match the
first, and no value or round is ever used by two plans (fresh randomness per plan).

A drand entry may be the bare `randomness` or the whole JSON response of
https://api.drand.sh/public/<round> (pasted, or saved on a machine with network and carried
over). A response is checked before it is accepted (`verify_drand`): its round is the plan's,
randomness = SHA-256(signature), and the BLS signature verifies against the chain's public key
— chained scheme: message = SHA-256(previous_signature ‖ round as 8 bytes big-endian), G2
signature, G1 key, DST BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_ (py_ecc's G2Basic).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from huiqi.kit.errors import ValidationFailed

DRAND_CHAIN = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
DRAND_PUBLIC_KEY = ("868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eed"
                    "a66c7293784a9402801af31")
DRAND_GENESIS = 1595431050
DRAND_PERIOD = 30
MARGIN = timedelta(minutes=5)  # the round must still be at least this far in the future
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Beacon:
    kind: str
    ref: str  # published identifier, unique across plans
    due: datetime  # when the value comes into existence

    def public(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.ref, "due": self.due.isoformat()}


def drand_time(round_no: int) -> datetime:
    return datetime.fromtimestamp(DRAND_GENESIS + (round_no - 1) * DRAND_PERIOD, UTC)


def drand_round_after(moment: datetime) -> int:
    return int((moment.timestamp() - DRAND_GENESIS) // DRAND_PERIOD) + 2


def make(kind: str, ref: str, due: datetime | None) -> Beacon:
    if kind == "drand":
        if not ref.strip().isdigit():
            raise ValidationFailed("drand 轮次应为正整数。")
        round_no = int(ref)
        beacon = Beacon("drand", f"drand:{DRAND_CHAIN}:round:{round_no}", drand_time(round_no))
    elif kind == "public":
        if due is None or len(ref.strip()) < 6:
            raise ValidationFailed("现场公开摇号须写明时间、地点和方式。")
        beacon = Beacon("public", f"public:{due.isoformat()}:{ref.strip()}", due)
    else:
        raise ValidationFailed("随机数来源应为 drand 或 现场公开摇号。")
    return beacon


def require_future(beacon: Beacon, now: datetime) -> None:
    if beacon.due < now + MARGIN:
        raise ValidationFailed(
            "随机数须在承诺公布之后才产生：请选择至少 5 分钟之后的 drand 轮次或摇号时间"
            f"（例如 drand 轮次 {drand_round_after(now + MARGIN + MARGIN)}）。")


def verify_drand(response: str, round_no: int) -> str:
    """The randomness of a drand mainnet response for `round_no`, once its signature verifies."""
    try:
        data = json.loads(response)
        signature = bytes.fromhex(data["signature"])
        previous = bytes.fromhex(data["previous_signature"])
        randomness, got_round = str(data["randomness"]).lower(), int(data["round"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed("drand 响应应为 api.drand.sh/public/<轮次> 返回的 JSON"
                               "（含 round、randomness、signature、previous_signature）。") from exc
    if got_round != round_no:
        raise ValidationFailed(f"drand 响应是第 {got_round} 轮，本计划承诺的是第 {round_no} 轮。")
    if hashlib.sha256(signature).hexdigest() != randomness:
        raise ValidationFailed("drand 响应的 randomness 不等于其签名的 SHA-256：响应被改动过。")
    from eth_typing import BLSPubkey, BLSSignature
    from py_ecc.bls import G2Basic  # pure Python, ~2 s: imported only when a response is checked

    message = hashlib.sha256(previous + round_no.to_bytes(8, "big")).digest()
    try:
        valid = G2Basic.Verify(BLSPubkey(bytes.fromhex(DRAND_PUBLIC_KEY)), message,
                               BLSSignature(signature))
    except (ValueError, AssertionError):
        valid = False
    if not valid:
        raise ValidationFailed("drand 响应的 BLS 签名验证失败："
                               "不是 League of Entropy 主网的随机数。")
    return randomness


def drand_round_of(ref: str) -> int:
    return int(ref.rsplit(":", 1)[1])


def normalise(kind: str, value: str, ref: str = "") -> str:
    value = value.strip()
    if kind == "drand" and value.startswith("{"):
        return verify_drand(value, drand_round_of(ref))
    if kind == "drand":
        value = value.lower()
        if not HEX64.match(value):
            raise ValidationFailed("drand 随机数应为 64 位十六进制字符（randomness 字段）。")
    elif not value:
        raise ValidationFailed("请录入公开摇号的结果。")
    return value
