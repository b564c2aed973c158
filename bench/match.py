"""Matching benchmark: all seed items over synthetic enterprises, every engine side by side.

    .venv/bin/python bench/match.py                 # 1,000,000 and 5,000,000 enterprises
    .venv/bin/python bench/match.py --sizes 200000  # quicker
    .venv/bin/python bench/match.py --sizes 1000000 --configs cli,hand --rounds 3  # median

Each configuration runs in its own process so its peak memory (max RSS) is its own. Figures are
enterprise×item pairs per second; ratios are taken within one run on the same machine.

2026-11-22, 1,000,000 enterprises × 10 seed items, this 2-core VM shared with a web benchmark
(1-minute load 3.9–5.6). Before = the engines as of d304ab8, run alternately with the new ones
(two rounds each; `vector` before had one 1.8 s round, so both rounds are given):

    config           target        before (pairs/s)         after (pairs/s)       peak MB
    vector           ≥ 35 M        14.6 M,  5.5 M           55.4 M, 49.8 M        1,160
    vector-details   ≥ 20 M         9.9 M, 17.5 M           35.4 M, 33.0 M        1,160
    sqlite           ≥ 1 M          336 k,  370 k           1.08 M, 0.99 M          745
    cli (duckdb)     ≤ 1.5 GB       397 k, 1,107 MB         508 k, 1,105 MB (load 4.0)

What made the difference (see the module docstrings): the numpy engine computes amounts only on
eligible rows, maps its result memory in 4 KiB pages (numpy's huge pages cost a fresh VM more
than the work: 0.3 s of system time on a first run), tests text through sorted dictionary codes
as code runs, and runs one thread in blocks of 2^18 rows; SQLite returns a few comma-separated
strings per block of rows (criteria two bits each, eligible rows' amounts) instead of a Python
value per row and item, and the industry sections are one GLOB class. The numpy engine run
repeatedly in one process (result memory reused) at load 1.5: 74 M/s, 48 M/s with details.

2026-12-07 (issue 20), `--configs cli,hand`: the CLI (a clean Parquet file: one streamed DuckDB
COPY on one thread, memory limit 1 GB) against the hand-written query (two threads, no limit),
7 items in force, on this 2-core VM shared by 8 sessions (1-minute load 14-24, so seconds are
slow in absolute terms; compare within a row):

    n            cli s    hand s   ratio   cli peak MB   hand peak MB   load
    1,000,000    138.6    164.3    0.84         687          2,555      19.0-23.9
    5,000,000    230.9    402.9    0.57       1,008          7,478      14.2-20.7

The 20,000,000-row run (`--sizes 20000000 --configs cli`, input generated a tile at a time) was
started but could not finish before the session's deadline at that load.

2026-12-07, second session (same machine, 1-minute load 10-18, runs at `nice -n 10`): the
bench now also prints the CPU seconds of each run (this process and the CLI it starts), which
the other sessions' load does not inflate, and a linearity line (CPU seconds per million rows at
each size). `--sizes 1000000,5000000,20000000 --configs cli`:

    n            seconds   CPU s   peak MB   load
    1,000,000    378.0     14.5       685    12.6
    5,000,000    106.9     43.6       976     6.1   (`--sizes 5000000`, later, lower load)
   20,000,000    203.6    179.1     1,015     3.5   (`--sizes 20000000`, 140,000,000 pairs)

Time is linear in rows: 8.7 CPU s per million rows at 5M, 9.0 at 20M (1M: 14.5, of which a
few seconds are start-up); peak memory stays about 1 GB at 20M (target: under 4 GB). At load
12-18 a nice'd process got about 4% of a core (generating the first 1M-row tile took 280 s), so
the first 1M,5M,20M run was stopped and each size run alone as the load fell. In one run, for
the lead on a quiet machine (the 20M input is 1.1 GB, generated in 5 minutes):

    PYTHONPATH=src .venv/bin/python bench/match.py --sizes 1000000,5000000,20000000 --configs cli

The line `# cli linearity: ...` gives seconds, CPU seconds per 1M rows and peak MB at each size.

2026-12-08, session 9, a quiet machine (load 0.8-1.2), `--sizes 1000000,5000000 --configs
cli,hand` at d836fab:

    n            cli s    hand s   ratio   cli peak MB   hand peak MB   cli CPU s   hand CPU s
    1,000,000    10.67     7.41    1.44         695          2,535         11.0         11.3
    5,000,000    40.06    68.25    0.59       1,046          7,541         41.0         85.9

At 1M the CLI spends the same CPU as the hand query but on one core (wall = CPU), so it is 1.44x
the wall time; two DuckDB threads without insertion order (tried: 11.8 s) do not change it, so
the single-threaded part is outside the COPY (start-up and the screening pass with its Python
USCC check are the candidates; not profiled). At 5M the hand query's memory (7.5 GB) spills
and the CLI is faster.

2026-12-08, session 10 (h20cli), the CLI after this change against the same hand query. Profile
of the old CLI at 1M (EXPLAIN ANALYZE / JSON profiling of its COPY): the Parquet writer
(COPY_TO_FILE, 3.8-4.8 s) and the per-row checks in the COPY's WHERE (FILTER 1.4 s, and the
scan 1.2 s instead of 0.4 s) ran on the one thread; the query itself is the hand query's. Now
(engines/direct.py): the checks run in the screening pass (which already read the file; 1.4 CPU
s at 1M on every core) and the query has no WHERE; DuckDB computes on every core and streams
batches in input order to pyarrow's Parquet writer in the calling thread (1.9 CPU s at 1M
against DuckDB's 3.8; the same values, types and order, decimal as INT64), or to a one-thread
DuckDB connection for CSV (the same bytes). The Python USCC check is not what kept the COPY on
one thread (with it, two threads ran; `THREADS = 1` did), and a pure-SQL check (mod 31 via
strpos) cost 0.94 CPU s at 1M against the Arrow UDF's 0.36, so the UDF stays. The peak column
before 01:50 today was wrong for the CLI: a child started by vfork from the process that had
generated the input inherited its peak (about 690 MB at 1M); only the child's is counted now.
Every run below was on this VM shared with two other sessions (1-minute load 3.7-12.8), so the
seconds swing by 2x between rounds; the CPU seconds do not (hand's include about 1.7 s of its
untimed set-up: importing huiqi and compiling the SQL it runs):

    run (load)                      n     cli s   hand s  ratio  cli MB  hand MB  cli CPU  hand CPU
    01:44 (4.0)             1,000,000     13.68    14.47   0.95    687*    2,556     10.7      13.2
    01:48 (7.6)             1,000,000     19.21    18.09   1.06    685*    2,555      9.8      11.1
    01:51 (3.8-4.7)         1,000,000     15.16    10.67   1.42     385    2,530      9.7       9.6
    01:54 (6.0-8.0)         1,000,000     10.45    12.42   0.84     350    2,531      8.7      10.1
    01:55 3 rounds (3.7-4.7) 1,000,000    14.57    10.66   1.37     349    2,537     10.7      11.4
    02:01 (3.7-4.2)         5,000,000     58.32    94.48   0.62     544    8,062     41.6      69.5
    02:09 one run (7.0)     1,000,000     15.68    12.85   1.22     392    2,538      9.5      10.0
    02:09 same run (8.1-12.8) 5,000,000  115.13    53.93   2.13     532    7,466     43.1      51.3
    01:54 CSV (7.5)         1,000,000     18.32    17.48   1.05     358    2,021     14.2      18.9
    02:47 3 rounds (5.5-7.6) 1,000,000    14.67    10.54   1.39     386    2,565      9.1      10.7

(* the inherited peak described above; the CLI's own, by /usr/bin/time at 1M: 350-410 MB. The
3-round rows give the medians; the rounds were cli 14.57, 16.34, 12.35 s, hand 13.99, 10.21,
10.66 s, and at 02:47 cli 19.46, 14.67, 13.19 s, hand 12.73, 9.67, 10.54 s.) The CLI now
spends less CPU than the hand query at both sizes (1M: 8.5-10.7 s with
its ~1.7 s of start-up, imports 1.0 s, policies 0.35 s, SQL compile 0.33 s; 5M: 8.3-8.6 CPU s
per million rows) and its peak stays flat (350-550 MB at 1M and 5M; the hand query 2.5 GB and
7.5-8 GB). On a loaded machine the wall ratio follows which process the other sessions' load
hits: 0.84-1.42 at 1M, 0.62 and 2.13 at 5M (the 2.13: load 12.8 during the CLI's run, 8.1 in
the hand query's). Not yet measured on a quiet machine; from the CPU figures, the CLI should
be about 5.5-6 s at 1M against the hand query's 7.4 s (ratio about 0.8). Under load the CLI
loses on its ~1.7 CPU s of single-threaded start-up (imports, the policies' YAML, sqlglot
compiling the SQL), which the hand query's timing leaves out: at load 6 one thread gets about a
third of a core, so that start-up alone is about 5 s. Overlapping the screening pass with it
(tried: a thread) gained nothing here, as the Arrow USCC UDF then waits for the GIL. For the lead:

    PYTHONPATH=src .venv/bin/python bench/match.py --sizes 1000000,5000000 --configs cli,hand \
        --rounds 3

20M, the same session (`--sizes 20000000 --configs cli` under `nice -n 5`, load 4-12; input
generated in 542 s): 291.6 s, 154.5 CPU s (7.7 per million rows, against 179.1 CPU s on one
thread before), peak 1,002 MB (target: under 4 GB; the flat 1.5 GB of issue 20 holds too).

2026-12-08, session 10 (lead), a quiet machine (load 1.3-1.6, nothing else running), one run of
`--sizes 1000000,5000000 --configs cli,hand` at 3a60097:

    n            cli s    hand s   ratio   cli peak MB   hand peak MB   cli CPU s   hand CPU s
    1,000,000     8.15     7.65    1.07          386          2,546          8.7         11.6
    5,000,000    29.20    25.97    1.12          538          7,976         40.3         45.4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

AS_OF = date(2025, 6, 1)
CONFIGS = [
    ("vector", "in-memory engine (numpy), eligible + amount"),
    ("vector-details", "in-memory engine (numpy), + per-criterion failed/missing"),
    ("duckdb", "DuckDB in memory, eligible + amount"),
    ("duckdb-details", "DuckDB in memory, + failed/missing text"),
    ("cli", "huiqi match CLI end to end, Parquet in → Parquet out"),
    ("hand", "hand-written DuckDB query, Parquet in → the same long Parquet out (no checks)"),
    ("cli-csv", "huiqi match CLI end to end, Parquet in → CSV out"),
    ("hand-csv", "hand-written DuckDB query, Parquet in → the same long CSV out"),
    ("sqlite", "SQLite in memory, full results"),
    ("python", "naive per-row Python (reference evaluator)"),
    ("rule-engine", "rule-engine package, per row, eligible + amount"),
]
END_TO_END = ("cli", "cli-csv", "hand", "hand-csv")
# Per-row evaluators are slow: they run on a sample and are reported as pairs/s.
SAMPLE = {"python": 3_000, "rule-engine": 20_000, "sqlite": 200_000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,5000000")
    parser.add_argument("--only")
    parser.add_argument("--n", type=int)
    parser.add_argument("--file")
    parser.add_argument("--configs", default=",".join(c for c, _ in CONFIGS))
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the configs this many times, alternating; the median counts")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.n, Path(args.file))))
        return
    from bench_support import item_count, make_input

    wanted = args.configs.split(",")
    print(f"# huiqi match benchmark — {item_count()} seed items, as of {AS_OF}, "
          f"{os.cpu_count()} cores; load = 1-minute load average when the config finished "
          f"(the machine is shared: compare ratios within one run)")
    print(f"{'config':<16}{'enterprises':>12}{'pairs':>14}{'seconds':>10}"
          f"{'pairs/s':>16}{'peak MB':>10}{'load':>7}{'CPU s':>9}")
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "enterprises.parquet"
            t0 = time.perf_counter()
            make_input(path, n)
            print(f"# generated {n:,} enterprises in {time.perf_counter() - t0:.1f}s -> {path}")
            runs: dict[str, list[dict[str, float]]] = {}
            for _round in range(args.rounds):  # configs alternate: load changes hit each alike
                for config, _label in CONFIGS:
                    if config not in wanted:
                        continue
                    m = min(n, SAMPLE.get(config, n))
                    out = subprocess.run(
                        [sys.executable, __file__, "--only", config, "--n", str(m), "--file",
                         str(path)], capture_output=True, text=True, check=False)
                    if out.returncode != 0:
                        print(f"{config:<16} failed: {out.stderr.strip()[-400:]}")
                        continue
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    runs.setdefault(config, []).append(r)
                    print(f"{config:<16}{m:>12,}{r['pairs']:>14,}{r['seconds']:>10.2f}"
                          f"{r['pairs'] / r['seconds']:>16,.0f}{r['peak_mb']:>10.0f}"
                          f"{os.getloadavg()[0]:>7.1f}{r.get('cpu', 0.0):>9.1f}", flush=True)
            for config, done in runs.items():  # the median round (by seconds) stands for it
                rows[(config, n)] = sorted(done, key=lambda r: r["seconds"])[len(done) // 2]
        _ratios(rows, n)
        _side_by_side(rows, n)
    _linearity(rows)
    print("\n" + "\n".join(f"# {c}: {label}" for c, label in CONFIGS))


def _ratios(rows: dict[tuple[str, int], dict[str, float]], n: int) -> None:
    def rate(c: str) -> float | None:
        r = rows.get((c, n))
        return r["pairs"] / r["seconds"] if r else None

    v, re_, py = rate("vector"), rate("rule-engine"), rate("python")
    if v and re_:
        print(f"# n={n:,}: in-memory engine / rule-engine = {v / re_:,.0f}x", end="")
        if py:
            print(f"; / naive Python = {v / py:,.0f}x", end="")
        print()
    d, s = rate("duckdb"), rate("sqlite")
    if v and d:
        print(f"# n={n:,}: in-memory engine / DuckDB compiled SQL = {v / d:,.1f}x", end="")
        print(f"; SQLite / rule-engine = {s / re_:,.0f}x" if s and re_ else "")


def _side_by_side(rows: dict[tuple[str, int], dict[str, float]], n: int) -> None:
    """The CLI against the hand-written query for the same output (target: ratio ≤ 1.25)."""
    for cli, hand in (("cli", "hand"), ("cli-csv", "hand-csv")):
        a, b = rows.get((cli, n)), rows.get((hand, n))
        if a and b:
            print(f"# n={n:,} {cli} vs {hand}: {a['seconds']:.2f} s / {b['seconds']:.2f} s = "
                  f"{a['seconds'] / b['seconds']:.2f}x (target ≤ 1.25); peak "
                  f"{a['peak_mb']:,.0f} MB / {b['peak_mb']:,.0f} MB; CPU "
                  f"{a.get('cpu', 0.0):.1f} s / {b.get('cpu', 0.0):.1f} s; "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)


def _linearity(rows: dict[tuple[str, int], dict[str, float]]) -> None:
    """Time, CPU time per million rows and peak memory of each end-to-end config across the
    sizes: flat CPU seconds per million means time linear in rows (issue 20: 20M under 4 GB)."""
    for config in END_TO_END:
        runs = sorted((n, r) for (c, n), r in rows.items() if c == config)
        if len(runs) > 1:
            print(f"# {config} linearity: " + "; ".join(
                f"{n / 1e6:g}M {r['seconds']:.1f} s, CPU {r.get('cpu', 0.0):.1f} s "
                f"({r.get('cpu', 0.0) / (n / 1e6):.2f} CPU s per 1M), peak {r['peak_mb']:,.0f} MB"
                for n, r in runs), flush=True)


def run_one(config: str, n: int, path: Path) -> dict[str, float]:
    from bench_support import CASES

    t0 = time.perf_counter()
    pairs = CASES[config](path, n)
    seconds = time.perf_counter() - t0 if not isinstance(pairs, tuple) else pairs[1]
    pairs = pairs[0] if isinstance(pairs, tuple) else pairs
    # The end-to-end configs run in a child process: its peak is theirs. (Not this process's:
    # started by vfork from the process that generated the input, it inherits that peak, about
    # 690 MB at 1M rows, which the CLI's figures before 2026-12-08 01:50 showed instead.)
    who = resource.RUSAGE_CHILDREN if config in END_TO_END else resource.RUSAGE_SELF
    peak = resource.getrusage(who).ru_maxrss / 1024
    # CPU seconds (user + system, this process and the CLI it ran): on a shared machine the
    # wall-clock time grows with the other sessions' load, the CPU time only with the work.
    cpu = sum(getattr(resource.getrusage(who), f) for who in
              (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
    return {"pairs": pairs, "seconds": seconds, "peak_mb": peak, "cpu": cpu}


if __name__ == "__main__":
    main()
