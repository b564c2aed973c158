"""Web benchmark: the 政策礼包 page and its API under concurrent logged-in enterprise users.

    .venv/bin/python bench/web.py                          # SQLite: 200 items, 3,000 enterprises
    .venv/bin/python bench/web.py --pg postgresql://u@h/db # also PostgreSQL (a scratch database
                                                           # is created next to the given one;
                                                           # --pg auto: a throwaway cluster)
    .venv/bin/python bench/web.py --clients 50 --seconds 20 --workers 2

What it does: writes 200 policy items (the seed policies varied — distinct ids, thresholds scaled
by 0.90–1.10, all dated 2025 and placed in one district so every pack weighs all of them) to a
temporary policies folder; migrates a fresh database; imports demo enterprises; publishes the
items through the policy library (which re-matches every enterprise); creates one account and API
token per client; starts uvicorn (a separate process, loopback); logs the clients in; then each
client requests the same URL back to back (no think time) for `--seconds`, after a warm-up.
Latency is per request as the client sees it; throughput is completed requests per second.

Load comes from bench/loadgen.py, a minimal keep-alive HTTP client: httpx costs ~2 ms of CPU per
request and, sharing the 2 cores, capped even a hello-world FastAPI app at ~400 req/s (the raw
client: ~2,100). Figures before session 3 were taken with httpx.

Figures (2 shared vCPUs, SQLite, 200 items, 3,000 enterprises, a pack showing median 60 / max
120 entries; req/s, p50 ms, p95 ms). "s3": end of session 3 (2 workers, uvloop + httptools);
"s4": end of session 4 (hot reads on the event loop, kit/inline.py; the pack keyed on a match
version; a listening socket per worker, kit/workers.py); "s5": end of session 5 (2026-11-23, four
runs): the hot reads served on a dependency plan instead of FastAPI's per-request solving
(kit/planned.py), the published set fingerprinted by one aggregate row, items in force cached on
the library's tuple. (s2, 1 worker and an httpx client: page at 50 clients 36.5 req/s, p95 2.2 s.)

                                s3 (1 run)         s4 (3 runs)                 s5 (4 runs)
    page, 1 client              156   6    8     285-544 1.8-3.1 2.5-5.8     261-774 1.2-3.6 2.2-7.1
    API,  1 client              167   6   10     386-520 1.8-2.4 2.7-4.7     454-727 1.2-1.8 2.4-4.2
    page, 50 clients            250 ~200 ~420    757-780  57-64 100-110    1283-1405  28-34  64-81
    API,  50 clients            366 128  237    787-1006  47-56  82-97      979-1493  29-42  63-102
    notifications, 50 clients   404 107  220     410-677 73-121 103-172      554-590  82-88 114-137
    page, 50, 1 s think          50   9   21          50 3.5-4.0 6.3-6.6          50 2.8-3.0 4.5-6.0
    API,  50, 1 s think          50   7   14          50 3.5-4.0 5.5-8.1          50 2.7-3.3 3.7-11

The target (p95 < 100 ms at 50 clients) is met by the page in all four s5 runs (64, 81, 72,
71 ms) and by the API in three (72, 63, 76 ms); the API's third run (979 req/s, p95 102 ms)
coincided with a slowdown of the whole machine, visible in the same run's 1-client page figure
(261 req/s against 438-774 in the others). A pack request costs ~1.1 ms of server CPU (~1.9 in
s4); the server and this load generator (~0.3 ms per request) share the 2 cores, which these
rates saturate, so p95 also moves with the machine's other load. With one shared listening
socket (uvicorn's own --workers), 50 clients split 39/11 between the workers and p95 was twice
as high: hence a socket per worker.

PostgreSQL (--pg auto: the cluster on the same 2 cores; s5, one run): page 1 client 204 req/s,
50 clients 328 req/s p50 152 p95 224 ms; API 50 clients 400 req/s p50 106 p95 245 ms; with 1 s
think time p95 10-12 ms. Each request there costs ~3.7 ms of server CPU plus ~1 ms of the
database's: two thread-pool hops and six round trips (pool pre-ping, BEGIN, three reads,
COMMIT; counted at the driver); not yet worked on.

The target from issue 13 (`--target --clients 200`): 200 users with 1 s think time on the page,
its API and the notifications API, p95 under 100 ms and no errors, on SQLite and PostgreSQL.
Session 6 (the plain request path: no kit/planned.py, kit/inline.py, kit/prepared.py, no CSRF
splicing), `--pg auto --no-sqlite --enterprises 1000` (142 clients), 10 s, on a machine shared by
8 sessions at load 15-24 on 2 CPUs, so these are not a test of the target:
    PostgreSQL before (91ae69c): API p95 2189 ms (75 req/s), notifications p95 1681 ms (71 req/s)
    PostgreSQL after  (6e50874): API p95 3667 ms (33 req/s), notifications p95 3465 ms (33 req/s)
    (page: no request completed inside the window in either run; 0 errors throughout.)

Session 8 (2026-12-07, a quiet machine: load 0.6-1.2 before each run; `--target --clients 200
--seconds 12`). The last column is the server's CPU per request (all its processes, from /proc;
PostgreSQL's own backends not included). Each client's first request now happens before the
window, all at once, and is reported apart: that one builds the client's pack from its stored
results (p95 2-4 s with 200 arriving together; the 200 items are now parsed at start-up).
    SQLite, 1 worker, before (89a9ae8, load 1.7):
        page p95 5048 ms (25 req/s), API p95 384 ms (159 req/s), notifications 242 ms (187 req/s)
    SQLite, 2 workers, after (2b92cf5):                      p50    p95    p99   req/s  CPU ms
        page /gift-pack                                      9.7   58.9  106.5   196.5   5.09
        API  /api/v1/gift-pack                               7.4   26.5   49.5   197.9   3.64
        API  /api/v1/notifications                           9.9   41.3   58.2   195.6   4.29
    PostgreSQL (--pg auto, same 2 cores), 2 workers, after (2b92cf5):
        page /gift-pack                                     43.2  157.5  234.5   188.2   6.51
        API  /api/v1/gift-pack                              23.5  113.9  160.6   191.6   4.78
        API  /api/v1/notifications                          72.5  216.5  280.7   183.5   6.83
The target is met on SQLite (no errors) and missed on PostgreSQL, where the app spends ~30%
more CPU per request and the database's backends share the same 2 cores. What the SQLite
figures came from: the per-request statements of the 礼包, the session and the bell are built
once on Core columns (building a statement and its cache key cost SQLAlchemy several times what
SQLite takes to run it; ORM-enabled statements take a slower path), Jinja no longer checks every
template's mtime on each render (~0.7 ms a page), and two workers use both cores.

Session 9 (2026-12-07, PostgreSQL): round trips per request. The pool no longer pings each
connection before use (kit.db: optimistic disconnect handling; a GET that meets a dead
connection is answered once more, kit/reconnect.py), and routes marked `web.read_only` (the
notifications API, the bell) read outside a transaction. Counted with pg_stat_statements (BEGIN
and COMMIT included; the ping is not a statement) over one client back to back:
                                    before (4f74bc4)          after
    page /gift-pack                 6 statements + ping       6 statements
    API  /api/v1/gift-pack          6 statements + ping       6 statements
    API  /api/v1/notifications      6 statements + ping       2 (the token; both counts)
--cost now also prints the database's CPU per request (PostgreSQL on this machine: its server
process and backends, from /proc). The 礼包 keeps its transaction: a request may re-match a stale
enterprise (in a savepoint) and the page pops flash messages, both writes.

Session 9, quiet machine (load 0.8 before SQLite, 1.6 before PostgreSQL), d836fab, `--target
--clients 200 --seconds 12 --workers 2 --pg auto`, 0 errors throughout:
                                     p50     p95     p99   req/s  CPU ms  DB CPU ms
    SQLite      page /gift-pack      8.6    35.9    71.8   196.9   4.96
                API  /api/v1/gift-pack 5.3  15.5    21.9   198.2   3.05
                API  /api/v1/notifications 7.4 26.2 41.5   197.1   3.18
    PostgreSQL  page /gift-pack     31.4   148.6   210.9   191.1   5.57   0.75
                API  /api/v1/gift-pack 17.5 61.2    95.4   195.3   4.36   0.70
                API  /api/v1/notifications 11.7 50.1 81.3  195.8   3.54   0.27
Met on SQLite; on PostgreSQL met by both APIs (p95 113.9 and 216.5 ms in session 8) and still
missed by the page (157.5 -> 148.6 ms). The page costs about as much CPU as on SQLite plus the
database's 0.75 ms, so what is left is its six round trips, each a wait for a backend process
on a machine whose 2 cores the 191 req/s keep busy.

Session 10 (2026-12-08, PostgreSQL, the 礼包 GETs read-only): the page, the API and the office's
views of a pack are `web.read_only` routes, so a GET runs no BEGIN and no COMMIT (4 statements
on the page: the session, the published set, the enterprise with its match version, its
applications); a stale pack re-matches in a short transaction of its own (kit.db.apart) and a
page clears its flash messages there. A py-spy profile of a worker under the target load, before:
commit 15% and BEGIN ~3% of the sampled wall time, mostly waiting for the database. Measured on
a machine shared with two other sessions (load 3-8 during every run), so the p95s below are
noise-bound and not a test of the target; the lead re-measures on a quiet machine.
`--cost --pg auto --no-sqlite` (1 client), CPU ms per request, app + database:
                                 before (dcaa916, load 3.8)   after (0471fa6, load 5.9)
    page /gift-pack                 4.37 + 0.60                  4.23 + 0.50
    API  /api/v1/gift-pack          3.26 + 0.59                  3.20 + 0.49
`--target --clients 200 --pg auto --no-sqlite`, back to back (p95 ms, CPU ms app + database):
    before (dcaa916, load 3.9):  page 157.1, 4.62 + 0.76   API 199.3   notifications 148.3
    after  (0471fa6, load 5.3):  page 228.7, 5.28 + 0.65   API 288.8   notifications 146.3
    after, with SQLite (load 4.0-7.5): SQLite page 306.9, API 105.2, notifications 97.6;
        PostgreSQL page 137.6 (5.58 + 0.61), API 101.8, notifications 62.4; 0 errors throughout.
The database's CPU per page falls by ~0.1-0.15 ms (two statements fewer) in every run; the app's
moves with the machine's load more than with the change, so whether the page now meets the
target on PostgreSQL is for the quiet-machine run to say.

Session 10, the lead at 3a60097 on a quiet machine (nothing else running; "load before" is the
previous run's tail), `--target --clients 200 --seconds 12 --workers 2 --pg auto`, three runs:
p95 ms, page / API / notifications, 0 errors in every run.

    run      SQLite                  PostgreSQL              PostgreSQL CPU ms/req (app + DB)
    03:05    115.8 / 38.5 / 30.5     35.4 / 72.1 / 50.9      page 4.77 + 0.52
    03:08     67.4 / 82.6 / 68.5     (SQLite only)
    03:12     44.7 / 43.4 / 27.5     124.1 / 109.5 / 21.0    page 5.95 + 0.62

The same code swings 35-124 ms between runs at 195 req/s on two cores shared with the load
generator: the target is met in some runs, not reliably.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml
from loadgen import RawClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

AS_OF = date(2025, 6, 1)
REGION = "420802"  # 东宝区
PASSWORD = "Bench-Pass-1x"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
# What a good answer contains (a login page or an error answers 200 too).
MARKERS = {"/gift-pack": 'id="gift-pack"', "/api/v1/gift-pack": '"near_misses"',
           "/api/v1/notifications": "["}
# (path, API?, clients: "all" or 1, think seconds). The notifications list is the reference: an
# authenticated request that does almost nothing, i.e. the platform's own cost per request.
SCENARIOS = [
    ("/gift-pack", False, 1, 0.0), ("/api/v1/gift-pack", True, 1, 0.0),
    ("/gift-pack", False, "all", 0.0), ("/api/v1/gift-pack", True, "all", 0.0),
    ("/api/v1/notifications", True, "all", 0.0),
    ("/gift-pack", False, "all", 1.0), ("/api/v1/gift-pack", True, "all", 1.0),
]
# The target (issue 13): every client with 1 s think time on the page, its API and the bell's
# list; p95 under 100 ms, no errors (run with --clients 200 --target).
TARGET = [
    ("/gift-pack", False, "all", 1.0), ("/api/v1/gift-pack", True, "all", 1.0),
    ("/api/v1/notifications", True, "all", 1.0),
]
# The cost of one request of each kind (--cost): one client back to back; read CPU ms/req.
COST = [("/gift-pack", False, 1, 0.0), ("/api/v1/gift-pack", True, 1, 0.0),
        ("/api/v1/notifications", True, 1, 0.0)]


# -- policies: the seed files varied into `n` items ---------------------------------------------

def _scale(rule: str, factor: float) -> str:
    """Scale thresholds (numbers of 10,000 and more) in a rule; small numbers and dates stay."""
    return re.sub(r"(?<![\d.'-])(\d{5,})(?![\d.'-])",
                  lambda m: str(int(round(int(m.group(1)) * factor, -2))), rule)


def write_policies(folder: Path, n: int, region: str = REGION) -> int:
    seeds = sorted((ROOT / "policies").rglob("*.yaml"))
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in seeds]
    if not any(d.get("items") for d in docs):  # else the loop below never reaches n
        raise SystemExit(f"no policy items to vary under {ROOT / 'policies'}")
    variants: list[dict[str, Any]] = []
    batch = 0
    while sum(len(v["items"]) for v in variants) < n:
        batch += 1
        factor = 0.90 + 0.20 * ((batch * 7) % 21) / 20
        for seed in docs:
            variants.append(_variant(seed, batch, factor, region))
    kept, total = set(), 0
    for v in variants:
        v["items"] = v["items"][: max(0, n - total)]
        total += len(v["items"])
        kept |= {i["id"] for i in v["items"]}
    folder.mkdir(parents=True, exist_ok=True)
    for v in variants:
        if not v["items"]:
            continue
        for item in v["items"]:
            item["exclusions"] = [x for x in item.get("exclusions") or [] if x in kept]
        (folder / f"{v['policy']['id']}.yaml").write_text(
            yaml.safe_dump(v, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return total


def _variant(seed: dict[str, Any], batch: int, factor: float, region: str) -> dict[str, Any]:
    doc, suffix = copy.deepcopy(seed), f"-b{batch:02d}"
    old_region = str(doc["policy"]["region"])
    doc["policy"].update(id=doc["policy"]["id"] + suffix, region=region,
                         title=f"{doc['policy']['title']}（第{batch}批）",
                         effective_from=date(2025, 1, 1), effective_to=date(2025, 12, 31))
    for item in doc["items"]:
        item["id"] += suffix
        item["title"] = f"{item['title']}（第{batch}批）"
        item.pop("tests", None)
        item.pop("effective_from", None)
        item.pop("effective_to", None)
        item["exclusions"] = [x + suffix for x in item.get("exclusions") or []]
        for name, crit in list(item["criteria"].items()):
            rule = crit["rule"] if isinstance(crit, dict) else crit
            rule = _scale(str(rule), factor).replace(f"'{old_region}'", f"'{region}'")
            if isinstance(crit, dict):
                crit["rule"] = rule
            else:
                item["criteria"][name] = rule
    return doc


# -- the database: enterprises, published items, accounts -----------------------------------------

@dataclass
class Prepared:
    users: list[tuple[str, str]]  # (username, API token)
    seconds: dict[str, float] = field(default_factory=dict)
    pack_sizes: list[int] = field(default_factory=list)


def prepare(url: str, policies: Path, enterprises: int, clients: int, tmp: Path) -> Prepared:
    from sqlalchemy import func, select

    from huiqi.auth import service as auth_service
    from huiqi.auth.actor import Actor
    from huiqi.kit.clock import Clock
    from huiqi.kit.db import make_engine, unit_of_work
    from huiqi.kit.migrate import migrate
    from huiqi.kit.security import use_fast_hashing_for_tests
    from huiqi.models.enterprise import Enterprise
    from huiqi.models.match_result import MatchResult
    from huiqi.policies import service as library
    from huiqi.registry import demo
    from huiqi.registry import service as registry

    use_fast_hashing_for_tests()  # logins are not what is measured
    out, clock, system = Prepared([]), Clock(), Actor.system("bench", via="cli")
    started = time.perf_counter()
    migrate(url)
    engine = make_engine(url)
    data = demo.write_demo_file(tmp / "enterprises.parquet", enterprises, seed=2025,
                                with_facts=True)
    with unit_of_work(engine) as db:
        registry.import_enterprises(db, data)
    out.seconds["migrate + import enterprises"] = time.perf_counter() - started
    started = time.perf_counter()
    with unit_of_work(engine) as db:
        library.import_files(db, system, clock, [policies], as_of=AS_OF)
    out.seconds["publish items + re-match all"] = time.perf_counter() - started
    with unit_of_work(engine) as db:
        rows = db.execute(
            select(Enterprise.uscc, func.count()).join(
                MatchResult, MatchResult.enterprise_id == Enterprise.id)
            .where(Enterprise.region == REGION, MatchResult.eligible.isnot(False))
            .group_by(Enterprise.uscc).order_by(Enterprise.uscc).limit(clients)).all()
        for n, (uscc, shown) in enumerate(rows):
            user = auth_service.create_user(
                db, system, clock, username=f"bench{n:03d}", display_name=f"压测企业{n}",
                role="enterprise", password=PASSWORD, enterprise_uscc=uscc)
            _, token = auth_service.create_api_token(db, Actor.of(user), clock, "bench")
            out.users.append((user.username, token))
            out.pack_sizes.append(int(shown))
    engine.dispose()
    return out


# -- the server --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, policies: Path, data_dir: Path, workers: int,
           factory: str = "huiqi.app:create_app") -> Iterator[str]:
    with served(url, policies, data_dir, workers, factory) as (base, _pid):
        yield base


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of `pid` and its live descendants (the uvicorn workers), read
    from /proc: the server's cost per request, which the machine's other load does not inflate
    the way it inflates latency."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, total = {pid}, 0.0
    for _ in range(3):  # parent → workers → their threads' processes (none today)
        family |= {p for p, (ppid, _cpu) in stats.items() if ppid in family}
    for p in family:
        total += stats.get(p, (0, 0.0))[1]
    return total


def database_pid(url: str) -> int | None:
    """The PostgreSQL server's main process (postmaster) when it runs on this machine: its
    backends are its children, so cpu_seconds(it) is the database's CPU. None for SQLite (in the
    server's own process) or a database elsewhere."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        try:  # the backend's parent, read while the backend lives
            stat = (Path("/proc") / str(backend) / "stat").read_text()
        except OSError:
            stat = ""
    engine.dispose()
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else None


@contextmanager
def served(url: str, policies: Path, data_dir: Path, workers: int,
           factory: str = "huiqi.app:create_app") -> Iterator[tuple[str, int]]:
    """The app under uvicorn in its own process: (base URL, the server's pid)."""
    port = _free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HUIQI_DATABASE_URL": url, "HUIQI_POLICIES_DIR": str(policies),
           "HUIQI_AS_OF": AS_OF.isoformat(), "HUIQI_DATA_DIR": str(data_dir),
           "HUIQI_SECRET_KEY": "bench-secret",
           # Every simulated user comes from 127.0.0.1: the per-address limits (sized for one
           # office's NAT) would refuse them; per-account limits stay as configured.
           "HUIQI_RATE_LOGIN_IP": "1000000/60", "HUIQI_RATE_API_IP": "1000000/60",
           # --cost: one account back to back, past its API limit (600 a minute per worker)
           # within seconds; the limit is still counted, it just does not refuse.
           "HUIQI_RATE_API_ACCOUNT": "1000000/60"}
    log = (data_dir / "server.log").open("w")
    # As `huiqi serve --workers N` runs it: a listening socket per worker (huiqi.kit.workers).
    run = ("import sys; from huiqi.kit.workers import serve; serve(sys.argv[1], host='127.0.0.1',"
           " port=int(sys.argv[2]), workers=int(sys.argv[3]), log_level='warning',"
           " access_log=False)")
    proc = subprocess.Popen([sys.executable, "-c", run, factory, str(port), str(workers)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # start-up parses the items: slow on a busy machine
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()  # the parent stops its workers
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        _server_errors(data_dir / "server.log")


def _server_errors(path: Path) -> None:
    """What the server logged, in one line per kind of failure (the log is in a temp dir)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    kinds: dict[str, int] = {}
    for line in lines:
        if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", line):
            kinds[line[:160]] = kinds.get(line[:160], 0) + 1
    for what, n in kinds.items():
        print(f"   server logged {n}×: {what}")


# -- the load ----------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    latencies: list[float]
    errors: int
    seconds: float
    cpu: float | None = None  # the server's CPU seconds over the measured window
    db_cpu: float | None = None  # the database server's (PostgreSQL on this machine), the same
    first: list[float] = field(default_factory=list)  # each client's first request, before it

    def row(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name:<52} no successful requests ({self.errors} errors)"
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
        return (f"{self.name:<52} {len(lat):>8} {len(lat) / self.seconds:>7.1f} "
                f"{q[49] * 1000:>8.1f} {q[94] * 1000:>8.1f} {q[98] * 1000:>8.1f} "
                f"{self.errors:>6}" + "".join(f" {cpu * 1000 / len(lat):>9.2f}"
                                              for cpu in (self.cpu, self.db_cpu) if cpu is not None)
                )


async def _cpu_between(pid: int, start: float, end: float, out: list[float]) -> None:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = cpu_seconds(pid)
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    out.append(cpu_seconds(pid) - before)


async def _login(client: httpx.AsyncClient, username: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        for attempt in range(20):
            try:
                token = CSRF.search((await client.get("/login")).text)
                assert token, "no CSRF token on /login"
                r = await client.post("/login", data={
                    "username": username, "password": PASSWORD, "csrf_token": token.group(1),
                    "next": "/"})
                if r.status_code == 429:  # the password-check slots were busy: wait as told
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                    continue
                break
            except httpx.TransportError:
                if attempt == 19:
                    raise
    assert r.status_code == 303, f"login of {username} failed: {r.status_code}"


async def _hammer(client: RawClient, path: str, until: float, measure_from: float,
                  lat: list[float], errors: list[int], marker: bytes, think: float) -> None:
    if think:  # spread the clients' first requests over one think time
        await asyncio.sleep(think * (id(client) % 1000) / 1000)
    while (now := time.perf_counter()) < until:
        try:
            status, body = await client.get(path)
        except (ConnectionError, asyncio.IncompleteReadError):
            errors.append(0)
            continue
        done = time.perf_counter()
        if now >= measure_from:
            if status == 200 and marker in body:
                lat.append(done - now)
            else:
                errors.append(status)
        if think:
            await asyncio.sleep(think)


async def _session_cookies(base: str, users: list[tuple[str, str]]) -> list[str]:
    """Log each user in through the login form (httpx: cookies, CSRF); their Cookie headers."""
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60) for _ in users]
    gate = asyncio.Semaphore(5)
    await asyncio.gather(*(_login(c, username, gate)
                           for c, (username, _) in zip(clients, users, strict=True)))
    cookies = ["; ".join(f"{k}={v}" for k, v in c.cookies.items()) for c in clients]
    for c in clients:
        await c.aclose()
    return cookies


async def load(base: str, users: list[tuple[str, str]], path: str, api: bool, seconds: float,
               warmup: float, think: float = 0.0, server_pid: int | None = None,
               db_pid: int | None = None) -> Result:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    if api:
        headers = [{"Authorization": f"Bearer {token}"} for _, token in users]
    else:
        headers = [{"Cookie": cookie} for cookie in await _session_cookies(base, users)]
    clients = [RawClient(host, int(port), h) for h in headers]
    # Each client's first request (a cold pack: built from its stored results) happens before
    # the window, all at once; its latencies are reported apart (Result.first).
    first = await asyncio.gather(*(_timed(c, path) for c in clients))
    lat: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    measure_from, until = start + warmup, start + warmup + seconds
    marker = MARKERS.get(path, "").encode()
    cpu: list[float] = []
    db_cpu: list[float] = []
    watch = [_cpu_between(pid, measure_from, until, out)
             for pid, out in ((server_pid, cpu), (db_pid, db_cpu)) if pid]
    await asyncio.gather(*watch, *(_hammer(c, path, until, measure_from, lat, errors, marker,
                                           think) for c in clients))
    for c in clients:
        await c.aclose()
    kind = "API " if api else "page"
    what = f"{len(users)} clients" + (f", think {think:g}s" if think else "")
    return Result(f"{kind} {path} ({what})", lat, len(errors), seconds,
                  cpu[0] if cpu else None, db_cpu[0] if db_cpu else None, first)


async def _timed(client: RawClient, path: str) -> float:
    start = time.perf_counter()
    await client.get(path)
    return time.perf_counter() - start


# -- main --------------------------------------------------------------------------------------

def _scratch_pg(url: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, make_url, text

    name = f"bench_web_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def run(label: str, url: str, policies: Path, tmp: Path, args: argparse.Namespace) -> None:
    prep = prepare(url, policies, args.enterprises, args.clients, tmp)
    sizes = sorted(prep.pack_sizes)
    print(f"\n== {label}: {args.items} items, {args.enterprises:,} enterprises, "
          f"{len(prep.users)} clients, {args.workers} uvicorn worker(s)")
    for what, secs in prep.seconds.items():
        print(f"   {what}: {secs:.1f} s")
    print(f"   items shown per pack (eligible + unknown + near misses among them): "
          f"median {statistics.median(sizes)}, max {sizes[-1]}")
    with served(url, policies, tmp / f"data-{label}", args.workers, args.factory) as (base, pid):
        print(f"   load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
        db_pid = database_pid(url)
        print(f"   {'endpoint (clients, think time)':<52} {'requests':>8} {'req/s':>7} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'CPU ms/req':>9}"
              + (f" {'DB CPU ms':>9}" if db_pid else ""))
        scenarios = COST if args.cost else TARGET if args.target else SCENARIOS
        for path, api, clients, think in scenarios:
            users = prep.users[:1] if clients == 1 else prep.users
            result = asyncio.run(load(base, users, path, api, args.seconds, args.warmup, think,
                                      server_pid=pid, db_pid=db_pid))
            print("   " + result.row(), flush=True)
            if len(result.first) > 1:
                q = statistics.quantiles(result.first, n=100)
                print(f"      (before the window, every client's first request at once: "
                      f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms)", flush=True)
        print(f"   load after: {os.getloadavg()[0]:.2f} (1 min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--enterprises", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pg", help="PostgreSQL URL (a scratch database is made next to it), "
                        "or 'auto' for a throwaway cluster")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--target", action="store_true",
                        help="only the target scenarios: all clients, 1 s think time")
    parser.add_argument("--cost", action="store_true",
                        help="only one client per endpoint: the server's CPU per request")
    parser.add_argument("--factory", default="huiqi.app:create_app",
                        help="the app factory uvicorn runs (to try a variant of the app)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="huiqi-bench-web-") as name:
        tmp = Path(name)
        policies = tmp / "policies"
        args.items = write_policies(policies, args.items)
        if not args.no_sqlite:
            run("SQLite", f"sqlite:///{tmp / 'bench.db'}", policies, tmp, args)
        if args.pg == "auto":  # a throwaway cluster, as the tests make one
            sys.path.insert(0, str(ROOT))
            from tests.pgcluster import throwaway_cluster

            with throwaway_cluster() as pg:
                run("PostgreSQL", pg, policies, tmp, args)
        elif args.pg:
            url, drop = _scratch_pg(args.pg)
            try:
                run("PostgreSQL", url, policies, tmp, args)
            finally:
                drop()


if __name__ == "__main__":
    main()
