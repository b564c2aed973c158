"""Time the 包联 coverage page and the three rates over 100,000 enterprises and 3 tiers, on
SQLite and PostgreSQL (target: each under 1 s).

    PYTHONPATH=src .venv/bin/python bench/liaison.py [--n 100000] [--sqlite-only]
                                                     [--postgres URL]

Builds a fresh database: N demo enterprises (registry bulk import), streets, three tiers
(重点企业 by a profile rule, 规上企业, 全部市场主体), assignments for ~70 % of each tier's members
across 300 officials, ~N/2 contacts in the last 60 days (a third explaining policies), a
match result per enterprise (30 % eligible) and 2,000 grants. Then times, five runs each
(best and median): the coverage check (`service.coverage`: counts, one page of uncovered,
stale counts per tier) and the rates report (`service.report`: overall, per tier, street,
department and the official league table; the last 30 days, and a closed earlier period, read
from the events), after the kept members and flags
(`liaison_members`) are built once; each timed call still checks they are caught up.
Without --postgres a throwaway cluster is started
(tests/pgcluster.py). Ends with one line per database (medians, with the load average):

    sqlite     100000 enterprises 3 tiers  coverage 0.31 s  rates 0.62 s  (...)

2026-12-08, session 9, quiet machine (d836fab, medians of 5):

    sqlite     100000 enterprises 3 tiers  coverage 0.05 s  rates 0.14 s  (past 0.38 s; load 1.9)
    postgresql 100000 enterprises 3 tiers  coverage 0.12 s  rates 0.13 s  (past 0.35 s; load 1.4)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.liaison import rates as liaison_rates
from huiqi.liaison import repository as repo
from huiqi.liaison import service, tiers
from huiqi.models.application import Application
from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.grant import Grant
from huiqi.models.liaison import LiaisonContact
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.match_result import MatchResult
from huiqi.models.user import Role, User
from huiqi.registry import demo
from huiqi.registry import service as registry

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
TODAY = date(2025, 6, 2)
OFFICE = Actor(None, "bench", "bench", Role.OFFICE, via="cli")
TIERS = [("key", "重点企业", "high_tech OR srdi_level IN ('province', 'national', 'little_giant')"),
         ("above", "规上企业", "above_size"), ("grid", "全部市场主体", "TRUE")]


def build(url: str, n: int) -> None:
    migrate(url)
    engine = make_engine(url)
    clock = FixedClock(NOW)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = demo.write_demo_file(Path(tmp) / "e.parquet", n, seed=11)
        with unit_of_work(engine) as db:
            registry.import_enterprises(db, path)
    with unit_of_work(engine) as db:
        repo.demo_set_streets(db, [f"街道{i}" for i in range(12)])
        made = [service.save_tier(db, OFFICE, clock, code=c, name=name, official_label=name,
                                  rule=rule, stale_days=60, position=i)
                for i, (c, name, rule) in enumerate(TIERS)]
        depts = [Department(code=f"d{i}", name=f"部门{i}") for i in range(20)]
        db.add_all(depts)
        db.flush()
        users = [User(username=f"official-{i}", display_name=f"干部{i}", role="liaison",
                      password_hash="!", department_id=depts[i % 20].id) for i in range(300)]
        db.add_all(users)
        db.flush()
        ids = {u: i for i, u in db.execute(select(enterprises.c.id, enterprises.c.uscc))}
        rows: list[dict[str, Any]] = []
        for t, tier in enumerate(made):
            members = repo.tier_members(db, tiers.rule_sql(db, tier), limit=n)
            for k, uscc in enumerate(members):
                if rng.random() < 0.7:
                    rows.append({"user_id": users[(k * 3 + t) % 300].id,
                                 "enterprise_uscc": uscc, "created_at": NOW,
                                 "tier_id": tier.id})
        seen: set[tuple[int, str]] = set()
        rows = [r for r in rows if (key := (r["user_id"], r["enterprise_uscc"])) not in seen
                and not seen.add(key)]  # type: ignore[func-returns-value]
        _bulk(db, LiaisonAssignment, rows)
        usccs = list(ids)
        _bulk(db, LiaisonContact, [{
            "enterprise_uscc": rng.choice(usccs), "user_id": users[rng.randrange(300)].id,
            "channel": "visit", "contacted_on": TODAY - timedelta(days=rng.randrange(60)),
            "recorded_at": NOW, "people_met": "", "topics": "", "policies_explained": [],
            "policy_count": 1 if rng.random() < 0.33 else 0, "problems": "",
            "facts_collected": {}, "materials": 1, "cards": 0} for _ in range(n // 2)])
        _bulk(db, MatchResult, [{
            "enterprise_id": eid, "item_id": "bench.item", "eligible": rng.random() < 0.3,
            "amount": None, "failed": "", "missing": "", "near_miss": False, "as_of": TODAY,
            "computed_at": NOW} for eid in ids.values()])
        lucky = rng.sample(usccs, 2000)
        _bulk(db, Application, [{
            "enterprise_uscc": u, "enterprise_name": "x", "item_id": "bench.item",
            "item_title": "x", "policy_version": "1", "department": "x", "year": 2025,
            "as_of": TODAY, "status": "approved", "facts": {}, "submitted_at": NOW,
            "updated_at": NOW} for u in lucky])
        apps = dict(db.execute(select(Application.enterprise_uscc, Application.id)).all())
        _bulk(db, Grant, [{
            "application_id": apps[u], "source": "apply", "enterprise_uscc": u,
            "enterprise_name": "x", "item_id": "bench.item", "item_title": "x",
            "department": "x", "year": 2025, "amount": 1000, "status": "approved",
            "approved_at": NOW} for u in lucky])
    if engine.dialect.name == "postgresql":
        with engine.begin() as con:
            con.exec_driver_sql("ANALYZE")
    engine.dispose()


def _bulk(db: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 5000):
        db.execute(insert(model), rows[i:i + 5000])


def timed(fn: Callable[[], object], runs: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def measure(url: str, label: str, n: int) -> str:
    """Time the coverage page and the rates; returns the summary line of this database."""
    engine = make_engine(url)
    clock = FixedClock(NOW)
    t0 = time.perf_counter()
    with unit_of_work(engine) as db:  # the kept members and flags, built once (as after a
        liaison_rates.tier_sql(db, TODAY)  # bulk import); requests then catch up what changed
    print(f"{label}: members and flags built in {time.perf_counter() - t0:.1f} s")
    with unit_of_work(engine) as db:
        counts = [(c.tier.name, c.members, c.assigned, c.uncovered_total)
                  for c in service.coverage(db, clock)]

        def coverage() -> object:
            return service.coverage(db, clock, per_page=50)

        def rates() -> object:
            return service.report(db, TODAY - timedelta(days=29), TODAY)

        def past() -> object:  # a closed period: read from the events
            return service.report(db, TODAY - timedelta(days=59), TODAY - timedelta(days=30),
                                  today=TODAY)

        load = os.getloadavg()[0]
        cov, rat, old = timed(coverage), timed(rates), timed(past)
        load = max(load, os.getloadavg()[0])
    print(f"{label}: tiers {counts}")
    print(f"{label}: coverage page  best {cov[0]:.3f} s, median {cov[1]:.3f} s")
    print(f"{label}: rates report   best {rat[0]:.3f} s, median {rat[1]:.3f} s")
    print(f"{label}: rates of a past period  best {old[0]:.3f} s, median {old[1]:.3f} s")
    engine.dispose()
    return (f"{label:<10} {n} enterprises {len(counts)} tiers  coverage {cov[1]:.2f} s  "
            f"rates {rat[1]:.2f} s  (past period {old[1]:.2f} s; medians of 5, "
            f"load {load:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="enterprises (100000)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL URL to build in (default: a "
                        "throwaway cluster)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; n = {args.n}")
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t0 = time.perf_counter()
        build(url, args.n)
        print(f"sqlite: built in {time.perf_counter() - t0:.0f} s")
        lines.append(measure(url, "sqlite", args.n))
    if not args.sqlite_only:
        if args.postgres:
            lines.append(_postgres(args.postgres, args.n))
        else:
            from tests.pgcluster import throwaway_cluster

            with throwaway_cluster() as pg:
                lines.append(_postgres(pg, args.n))
    print("\n".join(["", "target: each under 1 s", *lines]))


def _postgres(url: str, n: int) -> str:
    t0 = time.perf_counter()
    build(url, n)
    print(f"postgresql: built in {time.perf_counter() - t0:.0f} s")
    return measure(url, "postgresql", n)


if __name__ == "__main__":
    main()
