"""The backup/restore drill (requirement 36, issue 14 item 9), on SQLite and PostgreSQL: back up
while appeals are being written, restore into a fresh database and data directory, and check
every table (rows and content), every upload and the audit chain; the refusals say why."""

from __future__ import annotations

import io
import shutil
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text
from typer.testing import CliRunner

from huiqi.appeals import categories, intake
from huiqi.audit import chain
from huiqi.cli.main import app as cli
from huiqi.kit import fieldcrypt
from huiqi.kit.db import default_engine, make_engine
from huiqi.kit.migrate import migrate
from huiqi.kit.settings import get_settings
from huiqi.models.appeal import Appeal
from huiqi.security import backup as backups
from huiqi.security import dumps
from tests.fixtures.service_db import ENGINES
from tests.grants.conftest import World
from tests.security.test_personal_data import ACCOUNT, _approved_with_bank

runner = CliRunner()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (PostgreSQL too): the shared service database empties its tables
    between tests but keeps the audit log, so its hash chain is not whole (tests/fixtures)."""
    if request.param == "sqlite":
        path = tmp_path / "huiqi.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = _new_pg_database(request)
        migrate(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


def _new_pg_database(request: pytest.FixtureRequest) -> str:
    admin_url = request.getfixturevalue("pg_url")
    name = f"drill_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def target(world: World, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the world's kind."""
    if world.engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    return _new_pg_database(request)


def _url(world: World) -> str:
    return world.engine.url.render_as_string(hide_password=False)


def _restore_cli(monkeypatch: pytest.MonkeyPatch, archive: Path, url: str, data: Path
                 ) -> tuple[int, str]:
    with monkeypatch.context() as m:
        m.setenv("HUIQI_DATABASE_URL", url)
        m.setenv("HUIQI_DATA_DIR", str(data))
        get_settings.cache_clear()
        default_engine.cache_clear()
        result = runner.invoke(cli, ["restore", str(archive)])
    get_settings.cache_clear()
    default_engine.cache_clear()
    return result.exit_code, result.output.replace("\n", "")  # rich wraps long lines


def _seed(world: World) -> None:
    _approved_with_bank(world)
    with world.tx() as s:
        categories.create_category(s, world.office, world.clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5)


def _appeal(world: World, n: int) -> None:
    world.do(intake.submit, world.ent_a, data=intake.AppealIn(
        category="用工招聘", title=f"诉求{n}", description="写入中的诉求",
        contact_phone=f"138{n:08d}"))


def _appeal_ids(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(Appeal.id).order_by(Appeal.id)))
    finally:
        engine.dispose()


def test_backup_under_writes_restores_every_row_file_and_the_audit_chain(
        world: World, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(world)
    assert chain.verify(world.engine).ok
    written, stop = [0], threading.Event()

    def writer() -> None:
        while not stop.is_set():
            _appeal(world, written[0])
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 3:
            stop.wait(0.01)
        before = written[0]
        done = backups.backup(_url(world), world.settings.uploads_dir, tmp_path / "backups",
                              world.clock.now())
        during = written[0]
        while written[0] < during + 2:  # the writer went on after the snapshot
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert done.path.stat().st_mode & 0o777 == 0o600
    uploads = done.manifest["uploads"]
    assert uploads and all(len(f["sha256"]) == 64 for f in uploads)
    snapshot_appeals = done.manifest["tables"]["appeals"]["rows"]
    assert before <= snapshot_appeals <= during + 1

    code, output = _restore_cli(monkeypatch, done.path, target, tmp_path / "restored")
    assert code == 0, output
    assert "与备份清单逐一核对一致" in output and "审计日志哈希链完整" in output

    # Every table as in the snapshot; the appeals are exactly the source's first ones.
    restored_tables, _ = dumps.fingerprint(target)
    assert restored_tables == done.manifest["tables"]
    restored_ids = _appeal_ids(target)
    assert restored_ids == _appeal_ids(_url(world))[:len(restored_ids)]
    assert len(restored_ids) == snapshot_appeals and written[0] > snapshot_appeals
    for item in uploads:
        restored = tmp_path / "restored" / "uploads" / item["path"]
        assert restored.read_bytes() == (world.settings.uploads_dir / item["path"]).read_bytes()
        assert restored.stat().st_mode & 0o777 == 0o600
    engine = make_engine(target)
    try:
        assert chain.verify(engine).ok
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT bank_account FROM grant_applications")).scalar_one()
            audit_rows = conn.scalar(text("SELECT count(*) FROM audit_log"))
    finally:
        engine.dispose()
    assert fieldcrypt.decrypt(raw) == ACCOUNT  # with the same field keys (kept apart)
    assert audit_rows == done.manifest["tables"]["audit_log"]["rows"] > 0

    again, refused = _restore_cli(monkeypatch, done.path, target, tmp_path / "other")
    assert again == 1 and "目标数据库不是空的" in refused


def _tampered(archive: Path, tmp_path: Path) -> Path:
    """The same archive with one byte of one upload changed (its manifest unchanged)."""
    out = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.startswith("uploads/"):
                data = bytes([data[0] ^ 1]) + data[1:]
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return out


def test_refusals_are_clear_and_leave_the_target_untouched(
        world: World, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(world)
    monkeypatch.setenv("HUIQI_BACKUP_PASSPHRASE", "正确的口令-2025")
    sealed = backups.backup(_url(world), world.settings.uploads_dir, tmp_path / "b",
                            world.clock.now(), encrypt=True)
    assert sealed.path.name.endswith(".tar.enc") and b"manifest" not in sealed.path.read_bytes()
    plain = backups.backup(_url(world), world.settings.uploads_dir, tmp_path / "p",
                           world.clock.now())
    code, out = _restore_cli(monkeypatch, _tampered(plain.path, tmp_path), target,
                             tmp_path / "d1")
    assert code == 1 and "SHA-256 校验值与清单不符" in out
    monkeypatch.setenv("HUIQI_BACKUP_PASSPHRASE", "错误的口令")
    code, out = _restore_cli(monkeypatch, sealed.path, target, tmp_path / "d2")
    assert code == 1 and "解密失败" in out
    monkeypatch.delenv("HUIQI_BACKUP_PASSPHRASE")
    code, out = _restore_cli(monkeypatch, sealed.path, target, tmp_path / "d3")
    assert code == 1 and "HUIQI_BACKUP_PASSPHRASE" in out
    assert dumps.existing_tables(target) == []  # nothing was written by any refusal
    monkeypatch.setenv("HUIQI_BACKUP_PASSPHRASE", "正确的口令-2025")
    code, out = _restore_cli(monkeypatch, sealed.path, target, tmp_path / "d4")
    assert code == 0, out
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Appeal)) == 0
    finally:
        engine.dispose()
