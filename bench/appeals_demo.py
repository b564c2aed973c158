"""Time the appeals demo step (`huiqi.appeals.demo.seed_appeals`, part of `make run`) on a fresh
SQLite database with the demo's departments, 80 enterprises of 东宝 (420802) and accounts like
`huiqi demo-up`'s (an office account, one per department, demo-enterprise), so the notifications
the steps send are written and delivered as under `make run`.

    .venv/bin/python bench/appeals_demo.py [--profile] [--postgres URL]

Prints the seconds (wall and CPU) of the seeding alone (setup excluded), the SQL statements it
ran, the appeals, events and audit rows written; --profile adds the top of cProfile by
cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from sqlalchemy import event, func, select
from stdnum.cn import uscc as uscc_number

from huiqi.appeals.demo import seed_appeals
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.models.appeal import Appeal, AppealEvent
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification
from huiqi.models.user import User
from huiqi.registry import service as registry

DEPARTMENTS = ["东宝区人力资源和社会保障局", "东宝区经济和信息化局", "东宝区财政局",
               "东宝区市场监督管理局", "东宝区商务局", "东宝区农业农村局", "东宝区税务局"]


def _uscc(n: int) -> str:
    body = f"91420802MA{n:07d}"
    return body + uscc_number.calc_check_digit(body)


def setup(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        for n, name in enumerate(DEPARTMENTS, start=1):
            dept = auth_service.create_department(db, Actor.system("bench"), f"dept-{n:02d}", name)
            db.add(User(username=f"demo-dept-{n}", display_name=name, role="department",
                        password_hash="!", department_id=dept.id))
        for n in range(1, 81):
            registry.upsert(db, {"uscc": _uscc(n), "name": f"东宝演示企业{n}有限公司",
                                 "region": "420802", "legal_form": "enterprise",
                                 "industry_code": "C3484", "size_class": "small"})
        db.add_all([User(username="demo-office", display_name="营商办", role="office",
                         password_hash="!"),
                    User(username="demo-enterprise", display_name="演示企业", role="enterprise",
                         password_hash="!", enterprise_uscc=_uscc(1))])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime, …)")
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'bench.db'}"
        setup(url)
        engine = make_engine(url)
        console = Console(file=sys.stderr)
        profiler = cProfile.Profile() if args.profile else None
        statements = [0]
        event.listen(engine, "before_cursor_execute",
                     lambda *_: statements.__setitem__(0, statements[0] + 1))
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        seed_appeals(engine, console)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        with unit_of_work(engine) as db:
            counts = [db.scalar(select(func.count()).select_from(t))
                      for t in (Appeal, AppealEvent, AuditLog, Notification)]
        engine.dispose()
    print(f"seed_appeals: {seconds:.2f} s wall, {cpu:.2f} s CPU, {statements[0]} SQL statements — "
          f"{counts[0]} appeals, {counts[1]} events, {counts[2]} audit rows, "
          f"{counts[3]} notifications")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(35)


if __name__ == "__main__":
    main()
