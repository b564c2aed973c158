"""`huiqi restore`: a backup onto an EMPTY instance (a database without tables, an empty
uploads directory). Every file is checked against the manifest before anything is written;
after, every table's rows and content hash and every upload are checked again."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huiqi.security import dumps, sealing
from huiqi.security.backup import FORMAT, MANIFEST, sha256_of


class RestoreRefused(RuntimeError):
    """Nothing was written: the target is not empty, or the backup is unusable."""


class RestoreFailed(RuntimeError):
    """The restored copy does not match the backup (the target must be discarded)."""


@dataclass(frozen=True)
class RestoreDone:
    tables: int
    rows: int
    files: int
    manifest: dict[str, Any]


def restore(archive: Path, database_url: str, uploads: Path) -> RestoreDone:
    if not archive.is_file():
        raise RestoreRefused(f"备份文件不存在：{archive}")
    with tempfile.TemporaryDirectory(prefix="huiqi-restore-") as tmp:
        stage = Path(tmp)
        manifest = _unpack(archive, stage)
        _check_files(stage, manifest)
        _check_target(manifest, database_url, uploads)
        db_file = stage / manifest["database"]["file"]
        if manifest["engine"] == "sqlite":
            dumps.restore_sqlite(db_file, database_url)
        else:
            dumps.restore_pg(db_file, database_url)
        tables, _ = dumps.fingerprint(database_url)
        _compare(manifest["tables"], tables)
        _place_uploads(stage / "uploads", uploads, manifest["uploads"])
    rows = sum(int(t["rows"]) for t in manifest["tables"].values())
    return RestoreDone(len(tables), rows, len(manifest["uploads"]), manifest)


def _unpack(archive: Path, stage: Path) -> dict[str, Any]:
    tar = archive
    if sealing.is_sealed(archive):
        tar = stage / "backup.tar"
        sealing.unseal(archive, tar)
    try:
        with tarfile.open(tar) as bundle:
            bundle.extractall(stage / "content", filter="data")  # no links, no paths outside
    except (tarfile.TarError, OSError) as exc:
        raise RestoreRefused(f"无法读取备份文件（不是惠企备份，或已损坏）：{exc}") from exc
    try:
        manifest: dict[str, Any] = json.loads((stage / "content" / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise RestoreRefused("备份中没有可读的 manifest.json，无法校验，已停止。") from exc
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(f"备份格式 {manifest.get('format')} 不受支持"
                             f"（本版本读取格式 {FORMAT}）。")
    for item in (stage / "content").iterdir():
        item.rename(stage / item.name)
    return manifest


def _check_files(stage: Path, manifest: dict[str, Any]) -> None:
    expected = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    expected += [(f"uploads/{f['path']}", f["sha256"]) for f in manifest["uploads"]]
    for rel, digest in expected:
        path = stage / rel
        if not path.is_file():
            raise RestoreRefused(f"备份不完整：缺少文件 {rel}。")
        if sha256_of(path) != digest:
            raise RestoreRefused(f"备份已损坏：{rel} 的 SHA-256 校验值与清单不符。")


def _check_target(manifest: dict[str, Any], database_url: str, uploads: Path) -> None:
    kind = dumps.kind_of(database_url)
    if kind != manifest["engine"]:
        raise RestoreRefused(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {kind}；"
                             "请用同类数据库。")
    tables = dumps.existing_tables(database_url)
    if tables:
        raise RestoreRefused(f"目标数据库不是空的（已有 {len(tables)} 张表，如 {tables[0]}）。"
                             "恢复只能在空实例上进行：请新建一个空数据库后再试，现有数据未被改动。")
    if uploads.exists() and any(uploads.iterdir()):
        raise RestoreRefused(f"上传目录 {uploads} 不是空的。恢复只能在空实例上进行："
                             "请指定新的数据目录（HUIQI_DATA_DIR）。")


def _compare(expected: dict[str, Any], found: dict[str, dict[str, object]]) -> None:
    for name, figures in expected.items():
        got = found.get(name)
        if got is None:
            raise RestoreFailed(f"恢复后缺少数据表 {name}：请丢弃该数据库，检查备份后重试。")
        if got["rows"] != figures["rows"]:
            raise RestoreFailed(f"恢复后数据表 {name} 有 {got['rows']} 行，备份时为 "
                                f"{figures['rows']} 行：请丢弃该数据库后重试。")
        if got["sha256"] != figures["sha256"]:
            raise RestoreFailed(f"恢复后数据表 {name} 的内容与备份不一致：请丢弃该数据库后重试。")


def _place_uploads(source: Path, target: Path, files: list[dict[str, Any]]) -> None:
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for item in files:
        dest = target / item["path"]
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, (source / item["path"]).open("rb") as src:
            shutil.copyfileobj(src, out)
        if sha256_of(dest) != item["sha256"]:
            raise RestoreFailed(f"上传文件 {item['path']} 写入后校验不符：请检查磁盘后重试。")
