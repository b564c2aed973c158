"""The audit log's hash chain: `verify` finds a changed, removed or reordered row, and a cut-off
tail; retention counts calendar months and archives before it purges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from threading import Thread

import pytest
from sqlalchemy import delete, select, update

from huiqi import audit
from huiqi.audit import chain, retention
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.audit import AuditLog

ACTOR = Actor(user_id=7, username="wang", display_name="王", role=None, ip="10.1.2.3",
              via="system")
T0 = datetime(2025, 1, 10, 2, 0, tzinfo=UTC)


def _write(engine, n: int, start: datetime = T0, action: str = "test.chain") -> list[int]:
    ids = []
    with unit_of_work(engine) as db:
        for i in range(n):
            row = audit.record(db, ACTOR, action, ("things", i), before={"i": i},
                               after={"amount": "12.50", "note": f"第{i}条"},
                               at=start + timedelta(days=i))
            db.flush()
            ids.append(row.id)
    return ids


def _intrude(engine, *statements) -> None:
    with engine.begin() as conn:
        chain.run_privileged(conn, list(statements))


def _problems(engine) -> set[tuple[int | None, str]]:
    return {(f.row_id, f.problem) for f in chain.verify(engine, limit=0).findings}


@pytest.fixture
def clean(request, app_db_url, tmp_path):
    """A database of its own (the tests play the intruder), on the module's engine kind."""
    from huiqi.kit.db import make_engine
    from tests.fixtures.db import fresh_database

    kind = "sqlite" if app_db_url.startswith("sqlite") else "postgres"
    pg = request.getfixturevalue("pg_url") if kind == "postgres" else None
    with fresh_database(kind, tmp_path, pg) as url:
        engine = make_engine(url)
        assert chain.verify(engine).ok
        yield engine
        engine.dispose()


def test_a_clean_log_verifies_and_concurrent_writers_keep_one_chain(clean) -> None:
    threads = [Thread(target=_write, args=(clean, 5)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = chain.verify(clean)
    assert report.ok and report.checked >= 20


def test_a_changed_row_is_found(clean) -> None:
    ids = _write(clean, 3)
    _intrude(clean, update(AuditLog).where(AuditLog.id == ids[1])
             .values(after={"amount": "99999.00", "note": "第1条"}))
    assert _problems(clean) == {(ids[1], "changed")}
    _intrude(clean, update(AuditLog).where(AuditLog.id == ids[1])
             .values(after={"amount": "12.50", "note": "第1条"}))  # put back: fits again
    assert chain.verify(clean).ok


def test_a_removed_row_is_found(clean) -> None:
    ids = _write(clean, 3)
    _intrude(clean, delete(AuditLog).where(AuditLog.id == ids[1]))
    assert _problems(clean) == {(ids[2], "broken_link")}
    _intrude(clean, delete(AuditLog).where(AuditLog.id >= ids[0]))
    assert _problems(clean) == {(None, "tail_missing")}


def test_reordered_rows_are_found(clean) -> None:
    ids = _write(clean, 3)
    with clean.connect() as conn:
        a, b = (conn.execute(select(AuditLog).where(AuditLog.id == i)).one()._mapping
                for i in ids[:2])
    cols = ("at", "action", "subject_id", "before", "after", "prev_hash", "row_hash")
    _intrude(clean,
             update(AuditLog).where(AuditLog.id == ids[0]).values({c: b[c] for c in cols}),
             update(AuditLog).where(AuditLog.id == ids[1]).values({c: a[c] for c in cols}))
    assert {p for _, p in _problems(clean)} >= {"broken_link"}


def test_the_cli_reports_tampering(clean, monkeypatch) -> None:
    from typer.testing import CliRunner

    from huiqi.cli import audit_cmd
    from huiqi.cli.main import app as cli

    monkeypatch.setattr(audit_cmd, "default_engine", lambda: clean)
    runner = CliRunner()
    ids = _write(clean, 2)
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "审计日志完整" in ok.output
    _intrude(clean, update(AuditLog).where(AuditLog.id == ids[0]).values(source_ip="6.6.6.6"))
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1 and f"第 {ids[0]} 条" in bad.output and "改动" in bad.output


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2025, 8, 31, 4, tzinfo=UTC), datetime(2025, 2, 28, 4, tzinfo=UTC)),
    (datetime(2024, 8, 31, 4, tzinfo=UTC), datetime(2024, 2, 29, 4, tzinfo=UTC)),
    (datetime(2025, 3, 15, 4, tzinfo=UTC), datetime(2024, 9, 15, 4, tzinfo=UTC)),
])
def test_cutoff_is_calendar_months(now, expected) -> None:
    assert retention.cutoff(now, 6) == expected


def test_purge_keeps_six_calendar_months_not_180_days(clean, tmp_path) -> None:
    engine = clean
    now = datetime(2025, 9, 1, 4, tzinfo=UTC)
    # Six calendar months before 1 September are 184 days: a 180-day rule would purge rows of
    # 180–183 days. Kept: 180 and 184 days old (184 = exactly 6 months); purged: 185 days.
    old = _write(engine, 1, now - timedelta(days=185), "old")
    kept = _write(engine, 1, now - timedelta(days=184), "kept")
    kept += _write(engine, 1, now - timedelta(days=180), "kept")
    new = _write(engine, 1, now - timedelta(days=1), "new")
    with pytest.raises(ValueError):
        retention.purge(engine, now, tmp_path / "arch", months=5)
    done = retention.purge(engine, now, tmp_path / "arch", months=6)
    assert done.rows == 1 and done.path.exists()
    assert '"action": "old"' in done.path.read_text()
    with engine.connect() as conn:
        left = set(conn.scalars(select(AuditLog.id)))
    assert set(old).isdisjoint(left) and set(kept + new) == left
    assert chain.verify(engine).ok  # the chain goes on from the archived row's hash
    _write(engine, 1, now)
    assert chain.verify(engine).ok
    # The append-only triggers are back after the purge.
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(delete(AuditLog))


def test_refusals_and_downloads_are_audited(logged_in, app_engine) -> None:
    from tests.fixtures.web import post_form

    auditor = logged_in("auditor")
    # A refused write (the auditor changes nothing): 403, and a row says so.
    assert post_form(auditor, "/account/tokens/999999/revoke").status_code in (403, 404)
    refused = post_form(auditor, "/admin/users", {"username": "x"})
    assert refused.status_code == 403
    export = auditor.get("/audit/export.xlsx")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    with app_engine.connect() as conn:
        rows = conn.execute(select(AuditLog.action, AuditLog.after).where(
            AuditLog.actor_username == auditor.creds.username,
            AuditLog.action.in_(["request.refused", "file.download"]))).all()
    assert ("request.refused", "/admin/users") in [(a, b["path"]) for a, b in rows]
    assert ("file.download", "/audit/export.xlsx") in [(a, b["path"]) for a, b in rows]
    assert chain.verify(app_engine).ok
