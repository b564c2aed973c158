"""Field-level encryption of personal data (bank account, phone and ID numbers, TOTP secrets):
SM4-GCM (GB/T 32907, 国密) from the `cryptography` package, AES-256-GCM where the OpenSSL build
lacks SM4. A value is stored as `enc:1:<alg>:<key id>:<base64(nonce | ciphertext | tag)>`.

Keys come from the environment: `HUIQI_FIELD_KEYS="k2:<base64>,k1:<base64>"`, the first one
encrypts, all of them decrypt. Rotation: put the new key first, keep the old one listed, run
`huiqi security rotate-key` (re-encrypts every value under the first key), then drop the old key.
Without the variable, a per-installation key is made in the data directory (0600), as the signing
secret is. Values that are not `enc:` are read as they are (rows from before encryption).
"""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc:1:"


class DecryptionFailed(ValueError):
    pass


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, raw: str) -> Keyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in raw.split(","):
            if not item.strip():
                continue
            key_id, _, b64 = item.strip().partition(":")
            key = base64.b64decode(b64)
            if len(key) not in (16, 32):
                raise ValueError(f"HUIQI_FIELD_KEYS: key {key_id} must be 16 or 32 bytes")
            keys[key_id] = key
            order.append(key_id)
        if not order:
            raise ValueError("HUIQI_FIELD_KEYS has no key")
        return cls(order[0], keys)


def _sm4_available() -> bool:
    try:
        Cipher(algorithms.SM4(b"\0" * 16), modes.GCM(b"\0" * 12)).encryptor()
    except (UnsupportedAlgorithm, AttributeError, ValueError):
        return False
    return True


ALGORITHM = "sm4gcm" if _sm4_available() else "aesgcm"


def keyring() -> Keyring:
    """The keys: HUIQI_FIELD_KEYS, else a key made once in the data directory (0600). Read on
    each use (a changed environment takes effect at once); parsed once per distinct value."""
    return keyring_from("HUIQI_FIELD_KEYS", "field_keys")


def keyring_from(env: str, file_name: str) -> Keyring:
    """Keys from the variable `env`, else from `file_name` in the data directory (made once,
    0600, with one random 32-byte key `k1`)."""
    return _parsed(os.environ.get(env) or _key_from_file(file_name))


@functools.cache
def _parsed(raw: str) -> Keyring:
    return Keyring.parse(raw)


@functools.cache
def _read_key_file(path: Path, mtime_ns: int) -> str:
    """Read once per version of the file (every value of a page is decrypted: no read each)."""
    return path.read_text().strip()


def _key_from_file(name: str = "field_keys") -> str:
    from huiqi.kit.settings import get_settings

    path: Path = get_settings().data_dir / name
    try:
        return _read_key_file(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = "k1:" + base64.b64encode(os.urandom(32)).decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _sm4(key: bytes, nonce: bytes, data: bytes, *, encrypt: bool, tag: bytes = b"") -> bytes:
    if encrypt:
        enc = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
        return enc.update(data) + enc.finalize() + enc.tag
    dec = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, tag)).decryptor()
    return dec.update(data) + dec.finalize()


def encrypt(value: str | None) -> str | None:
    """Seal a value; one already sealed (`enc:1:…`) is kept as it is (migrations, rotation)."""
    if value is None or value.startswith(PREFIX):
        return value
    return seal(value)


def seal(value: str) -> str:
    """Always seal, even text that looks sealed: what a user typed is never taken as
    ciphertext (a phone typed as `enc:1:…` would otherwise make its page fail to decrypt)."""
    ring = keyring()
    key, nonce = ring.keys[ring.current], os.urandom(12)
    if ALGORITHM == "sm4gcm":
        sealed = _sm4(key, nonce, value.encode(), encrypt=True)
    else:
        sealed = AESGCM(key if len(key) == 32 else key * 2).encrypt(nonce, value.encode(), None)
    body = base64.b64encode(nonce + sealed).decode()
    return f"{PREFIX}{ALGORITHM}:{ring.current}:{body}"


def decrypt(value: str | None) -> str | None:
    if value is None or not value.startswith(PREFIX):
        return value
    try:
        alg, key_id, body = value[len(PREFIX):].split(":", 2)
        key = keyring().keys[key_id]
        raw = base64.b64decode(body)
        nonce, sealed = raw[:12], raw[12:]
        if alg == "sm4gcm":
            return _sm4(key, nonce, sealed[:-16], encrypt=False, tag=sealed[-16:]).decode()
        return AESGCM(key if len(key) == 32 else key * 2).decrypt(nonce, sealed, None).decode()
    except (KeyError, ValueError, InvalidTag) as exc:
        raise DecryptionFailed("个人信息解密失败：密钥不匹配或数据被改动。") from exc


def key_id_of(value: str | None) -> str | None:
    if not value or not value.startswith(PREFIX):
        return None
    return value[len(PREFIX):].split(":", 2)[1]


def needs_rotation(value: str | None) -> bool:
    """True for a value not (yet) sealed under the current key: plaintext or an older key."""
    return value is not None and key_id_of(value) != keyring().current


def reencrypt(value: str | None) -> str | None:
    """The value sealed under the current key (plaintext is encrypted, None stays None)."""
    return encrypt(decrypt(value))
