"""The database part of a backup: SQLite through its online backup API (a consistent copy while
writers go on), PostgreSQL through `pg_dump` on a snapshot exported by a REPEATABLE READ
transaction, in which the row fingerprints are taken too (the same instant as the dump)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url

from huiqi.kit.db import make_engine
from huiqi.security import repository as repo

SQLITE_FILE, PG_FILE = "database.sqlite3", "database.pgdump"


class DumpError(RuntimeError):
    pass


@dataclass(frozen=True)
class Dump:
    engine: str  # sqlite | postgresql
    file: str
    tables: dict[str, dict[str, object]]
    revision: str | None


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise DumpError("内存中的 SQLite 数据库无法备份或恢复。")
    return Path(path)


def dump(url: str, stage: Path) -> Dump:
    return _dump_sqlite(url, stage) if kind_of(url) == "sqlite" else _dump_pg(url, stage)


def _private_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def _dump_sqlite(url: str, stage: Path) -> Dump:
    source, target = sqlite_path(url), stage / SQLITE_FILE
    if not source.exists():
        raise DumpError(f"数据库文件不存在：{source}")
    _private_file(target)
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one instant
        repo.make_self_contained(dst)
    finally:
        dst.close()
        src.close()
    return Dump("sqlite", SQLITE_FILE, *_fingerprint_sqlite(target))


def _fingerprint_sqlite(path: Path) -> tuple[dict[str, dict[str, object]], str | None]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return repo.table_fingerprints(conn), repo.schema_revision(conn)
    finally:
        engine.dispose()


def pg_env(url: str) -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore (the password never on a command line)."""
    u = make_url(url)
    env = {**os.environ, "PGDATABASE": u.database or ""}
    host = u.query.get("host") or u.host
    for name, value in (("PGHOST", host), ("PGPORT", u.port), ("PGUSER", u.username),
                        ("PGPASSWORD", u.password)):
        if value:
            env[name] = str(value)
    return env


def run_tool(args: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise DumpError(f"找不到 {args[0]}：请安装 PostgreSQL 客户端（Debian：apt-get install "
                        "postgresql-client），且版本不低于数据库服务器。")
    done = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise DumpError(f"{args[0]} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-500:]}")


def _dump_pg(url: str, stage: Path) -> Dump:
    target = stage / PG_FILE
    _private_file(target)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = repo.export_snapshot(conn)
                run_tool(["pg_dump", "--format=custom", f"--snapshot={snapshot}",
                          "--no-password", f"--file={target}"], pg_env(url))
                tables, revision = repo.table_fingerprints(conn), repo.schema_revision(conn)
    finally:
        engine.dispose()
    return Dump("postgresql", PG_FILE, tables, revision)


def restore_sqlite(file: Path, url: str) -> None:
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    _private_file(target)
    src, dst = sqlite3.connect(file), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore_pg(file: Path, url: str) -> None:
    run_tool(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", "--no-password", f"--dbname={make_url(url).database}",
              str(file)], pg_env(url))


def fingerprint(url: str) -> tuple[dict[str, dict[str, object]], str | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return repo.table_fingerprints(conn), repo.schema_revision(conn)
    finally:
        engine.dispose()


def existing_tables(url: str) -> list[str]:
    if kind_of(url) == "sqlite" and not sqlite_path(url).exists():
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return repo.table_names(conn)
    finally:
        engine.dispose()
