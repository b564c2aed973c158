"""How long the office waits when a publication makes thousands of enterprises newly eligible.

    .venv/bin/python bench/notify_publish.py [--enterprises 2500] [--postgres]

Builds a fresh database with N enterprises (one account each), saves a policy every one of them
meets, and times the publication the way a request runs it: the unit of work (re-match, outbox
rows, commit) plus whatever runs after commit before the response. Then reports how many in-app
notifications are visible right after, and how long a full `deliver` of the rest takes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.kit.oncommit import on_commit
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.models.user import Role, User
from huiqi.notify import service as notify
from huiqi.policies import service as policies
from huiqi.registry import service as registry

POLICY = """policy:
  id: bench.everyone
  title: 基准测试政策
  issuer: 测试区人民政府
  region: "500105"
  source: "bench"
  effective_from: 2025-01-01
  effective_to: 2025-12-31
items:
  - id: bench.everyone-rent
    title: 房租补贴（基准）
    department: 测试区商务委员会
    policy_text: 承租国有房屋的企业补贴一个月租金。
    criteria:
      承租国有房屋: rents_state_property
    amount: monthly_rent
    materials: []
    auto_grant: false
    tests:
      - {name: 承租, as_of: 2025-06-01, facts: {rents_state_property: true, monthly_rent: 100},
         expect: {eligible: true, amount: "100.00"}}
      - {name: 不承租, as_of: 2025-06-01, facts: {rents_state_property: false, monthly_rent: 1},
         expect: {eligible: false}}
      - {name: 租金, as_of: 2025-06-01, facts: {rents_state_property: true, monthly_rent: 1},
         expect: {eligible: true, amount: "1.00"}}
"""
OFFICE = Actor(user_id=None, username="bench", display_name="营商办", role=Role.OFFICE)


def uscc(n: int) -> str:
    from stdnum.cn import uscc as number

    body = f"91500105MA{n:07d}"
    return body + number.calc_check_digit(body)


def populate(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as db:
        for i in range(n):
            code = uscc(i)
            registry.upsert(db, {"uscc": code, "name": f"基准企业{i}有限公司", "region": "500105",
                                 "legal_form": "enterprise", "industry_code": "F5212",
                                 "size_class": "small", "rents_state_property": True,
                                 "monthly_rent": "10000"})
            db.add(User(username=f"bench{i}", display_name=f"经办{i}", role="enterprise",
                        enterprise_uscc=code, password_hash="!"))


def run(url: str, n: int) -> None:
    migrate(url)
    engine = make_engine(url)
    clock = FixedClock(datetime(2025, 6, 2, 2, tzinfo=UTC))
    t = time.perf_counter()
    populate(engine, n)
    print(f"  {n} enterprises and accounts in {time.perf_counter() - t:.1f} s")
    with unit_of_work(engine) as db:
        row = policies.save(db, OFFICE, clock, POLICY, "bench.yaml")
        document_id = row.document_id
    committed: list[float] = []
    t = time.perf_counter()
    with unit_of_work(engine) as db:  # the first after-commit callback: marks the commit
        on_commit(db, lambda _engine: committed.append(time.perf_counter()))
        report = policies.publish(db, OFFICE, clock, document_id, 1, as_of=date(2025, 6, 2))
        in_tx = time.perf_counter() - t
    waited = time.perf_counter() - t
    after = time.perf_counter() - committed[0]
    with unit_of_work(engine) as db:
        shown = db.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.delivered_at.is_not(None)))
        pending = db.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == "pending"))
    print(f"  newly eligible {report.rematch.newly_eligible}, notified "
          f"{report.rematch.notified}; transaction {in_tx:.2f} s, request waits "
          f"{waited:.2f} s, of which after commit {after:.2f} s; visible right after: {shown}, "
          f"still pending: {pending}")
    t = time.perf_counter()
    sent = notify.deliver(engine)
    print(f"  deliver() of what was left: {sent} in {time.perf_counter() - t:.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=2500)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            from tests.pgcluster import throwaway_cluster

            url = stack.enter_context(throwaway_cluster())
            print("PostgreSQL")
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/bench.db"
            print("SQLite")
        run(url, args.enterprises)


if __name__ == "__main__":
    main()
