"""Encryption of a backup file: AES-256-GCM in 1 MiB chunks (any size, constant memory), each
chunk's nonce = an 8-byte random prefix + its 4-byte index, its associated data saying whether
it is the last one (a truncated file is detected, not silently shortened).

The key: `HUIQI_BACKUP_KEY` (base64 of 32 bytes), or `HUIQI_BACKUP_PASSPHRASE` stretched with
scrypt (salt in the header). Layout: `HQBK1` | salt (16) | prefix (8) | chunks of
(length: 4 bytes big-endian | ciphertext+tag)."""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"HQBK1"
CHUNK = 1024 * 1024


class SealError(ValueError):
    pass


def has_key() -> bool:
    return bool(os.environ.get("HUIQI_BACKUP_KEY") or os.environ.get("HUIQI_BACKUP_PASSPHRASE"))


def _key(salt: bytes) -> bytes:
    raw = os.environ.get("HUIQI_BACKUP_KEY")
    if raw:
        try:
            key = base64.b64decode(raw, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise SealError("HUIQI_BACKUP_KEY 须为 32 字节密钥的 base64 编码。")
        return key
    passphrase = os.environ.get("HUIQI_BACKUP_PASSPHRASE")
    if not passphrase:
        raise SealError("备份已加密：请设置 HUIQI_BACKUP_KEY 或 HUIQI_BACKUP_PASSPHRASE"
                        "（与备份时相同）。")
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())


def is_sealed(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def seal(source: Path, target: Path) -> None:
    salt, prefix = os.urandom(16), os.urandom(8)
    aead = AESGCM(_key(salt))
    with source.open("rb") as src, _private(target) as out:
        out.write(MAGIC + salt + prefix)
        index, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk,
                                  b"last" if last else b"more")
            out.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                return
            index, chunk = index + 1, following


def unseal(source: Path, target: Path) -> None:
    with source.open("rb") as src, _private(target) as out:
        if src.read(len(MAGIC)) != MAGIC:
            raise SealError("不是加密的惠企备份文件。")
        salt, prefix = src.read(16), src.read(8)
        aead, index, last = AESGCM(_key(salt)), 0, False
        while header := src.read(4):
            if last:
                raise SealError("备份文件在结束标记之后还有数据，已被改动。")
            size = struct.unpack(">I", header.ljust(4, b"\0"))[0]
            sealed = src.read(size) if 16 <= size <= CHUNK + 16 else b""
            if len(header) != 4 or len(sealed) != size:
                raise SealError("备份文件不完整或已被改动（分块长度不符）。")
            nonce = prefix + struct.pack(">I", index)
            try:
                out.write(aead.decrypt(nonce, sealed, b"last"))
                last = True
            except InvalidTag:
                try:
                    out.write(aead.decrypt(nonce, sealed, b"more"))
                except InvalidTag:
                    raise SealError("备份解密失败：密钥或口令不对，或文件已被改动。") from None
            index += 1
        if not last:
            raise SealError("备份文件不完整（被截断）。")


def _private(path: Path) -> BinaryIO:
    """A new file only the owner can read (backups hold personal data)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
