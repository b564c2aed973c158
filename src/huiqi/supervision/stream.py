"""The draw's only source of randomness: SHA-256 in counter mode over a published seed.

    seed     = SHA-256( commitment_sha256_hex (ASCII) || 0x0A || beacon_value (UTF-8, stripped) )
    block(i) = SHA-256( b"huiqi-draw-v1" || 0x00 || seed || i as 8 bytes big-endian ),  i = 0, 1, …
    u64      = the blocks' bytes read in order, 8 at a time, big-endian
    below(n) = u64 values ≥ 2**64 − (2**64 mod n) are rejected (no modulo bias); else u64 mod n

Anyone can re-implement these four lines from this docstring and the published commitment and
beacon value; nothing here reads `random`, the clock or the database.
"""

from __future__ import annotations

import hashlib

DOMAIN = b"huiqi-draw-v1\x00"
_TWO64 = 1 << 64


def seed_of(commitment_sha256: str, beacon_value: str) -> bytes:
    text = commitment_sha256.encode("ascii") + b"\n" + beacon_value.strip().encode("utf-8")
    return hashlib.sha256(text).digest()


class HashStream:
    """Deterministic integers from a seed (see the module docstring)."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._buffer = b""
        self.draws = 0  # how many u64 values were read (shown by replay)

    def _refill(self) -> None:
        block = hashlib.sha256(DOMAIN + self._seed + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        self._buffer += block

    def u64(self) -> int:
        if len(self._buffer) < 8:
            self._refill()
        value, self._buffer = int.from_bytes(self._buffer[:8], "big"), self._buffer[8:]
        self.draws += 1
        return value

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n <= 0:
            raise ValueError("below(n) needs n ≥ 1")
        limit = _TWO64 - (_TWO64 % n)
        while True:
            value = self.u64()
            if value < limit:
                return value % n
