"""`huiqi backup`: one file holding the database (a consistent snapshot), the uploads directory
and `manifest.json` (SHA-256 of every file, rows and a content hash of every table, the schema
revision), optionally encrypted (huiqi.security.sealing). Created 0600: it holds personal data.
The field-encryption keys are NOT in it: keep HUIQI_FIELD_KEYS (or var/field_keys) apart."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import huiqi
from huiqi.security import dumps, sealing

FORMAT = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BackupDone:
    path: Path
    manifest: dict[str, Any]
    encrypted: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def backup(database_url: str, uploads: Path, out_dir: Path, now: datetime, *,
           encrypt: bool = False) -> BackupDone:
    if encrypt and not sealing.has_key():
        raise sealing.SealError("加密备份需要 HUIQI_BACKUP_KEY 或 HUIQI_BACKUP_PASSPHRASE。")
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"huiqi-backup-{now.strftime('%Y%m%dT%H%M%SZ')}"
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".staging-") as tmp:
        stage = Path(tmp)
        # The database first: every upload its rows name was written before the snapshot.
        db = dumps.dump(database_url, stage)
        files = _copy_uploads(uploads, stage / "uploads")
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(), "huiqi_version": huiqi.__version__,
            "engine": db.engine, "schema_revision": db.revision,
            "database": {"file": db.file, "sha256": sha256_of(stage / db.file),
                         "bytes": (stage / db.file).stat().st_size},
            "tables": db.tables, "uploads": files,
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
        tar = stage / f"{name}.tar"
        _tar(stage, tar, [MANIFEST, db.file, "uploads"])
        final = out_dir / (f"{name}.tar.enc" if encrypt else f"{name}.tar")
        if encrypt:
            sealing.seal(tar, final)
        else:
            os.replace(tar, final)
            os.chmod(final, 0o600)
    return BackupDone(final, manifest, encrypt)


def _copy_uploads(source: Path, target: Path) -> list[dict[str, Any]]:
    target.mkdir(mode=0o700)
    files: list[dict[str, Any]] = []
    if not source.is_dir():
        return files
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(source).as_posix()
        if rel.endswith(".part"):
            continue  # an upload still being written: not yet named by any row
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(path, dest)
        files.append({"path": rel, "sha256": sha256_of(dest), "bytes": dest.stat().st_size})
    return files


def _tar(stage: Path, tar: Path, members: list[str]) -> None:
    fd = os.open(tar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w") as archive:
        for member in members:
            archive.add(stage / member, arcname=member)
