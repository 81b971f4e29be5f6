"""`make bench`: every benchmark on SQLite and, when the server answers, PostgreSQL; one table; the
results in bench/results/<UTC date and time>.json.

    .venv/bin/python -m bench [--quick] [--only NAME ...] [--postgres SERVER]

Browsing runs twice, as "browsing" (updates by getUpdates) and "browsing-webhook" (updates posted
to the shop's webhook: updates.py --mode webhook), so that the two modes are measured on the same
machine in the same session; each shows the machine's load average before it ran. "journey" is
updates.py --scenario journey: newcomers' /start and a few screens, with no think time. The benches run
one after another (they would compete for the cores), each as its own script in its own process,
`python bench/<script> … --json FILE` (bench.figures), on a fresh database: a temporary SQLite
file, or on PostgreSQL a scratch database created for the run and dropped after it (the footprint
and dashboard benches clone their cached template instead). PostgreSQL is SERVER, by default
SHOPKEEPER_BENCH_PG or postgres://postgres@127.0.0.1:5432; where it does not answer, the PostgreSQL
column says so and the rest runs.

The results file holds, for each run, its figures, its exit code, how long it took and everything it
printed, with the time, the machine (cores, load average) and the commit. bench/results/ holds only
these files; they are not committed (.gitignore): the figures are the machine's and its load's as much
as the code's. `--quick` runs every bench at a small size, to check that they work in a minute or two
(its figures mean nothing; its results file says "quick").

It exits non-zero when a bench broke (its cell says "broken" and its last lines are shown), never
because of a figure.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import databases

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
BACKENDS = ("sqlite", "postgres")
BROWSING_QUICK = ("--users", "20", "--seconds", "2", "--warmup", "1")


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    # How the script takes PostgreSQL: "--database" an empty database, "--postgres" the server.
    postgres_flag: str
    quick: tuple[str, ...]
    # Arguments the script always takes in this bench, quick or not.
    args: tuple[str, ...] = ()


BENCHES = (
    Bench("purchases", "purchases.py", "--database", ("--buyers", "20", "--purchases", "200", "--stock", "1000")),
    Bench("browsing", "updates.py", "--database", BROWSING_QUICK),
    Bench("browsing-webhook", "updates.py", "--database", BROWSING_QUICK, ("--mode", "webhook")),
    Bench("journey", "updates.py", "--database", BROWSING_QUICK, ("--scenario", "journey")),
    Bench("broadcast", "broadcast.py", "--database", ("--seconds", "2")),
    Bench("footprint", "footprint.py", "--postgres", ("--users", "1000", "--items", "100", "--ledger", "10000", "--settle", "1")),
    Bench(
        "dashboard", "dashboard.py", "--postgres", ("--users", "1000", "--items", "100", "--ledger", "10000", "--requests", "3")
    ),
)


@dataclass(frozen=True)
class Row:
    bench: str
    figure: str  # the key in the bench's figures
    label: str
    target: str
    format: str = "{:,.0f}"


ROWS = (
    Row("purchases", "purchases_per_s", "purchases/s", "≥ 1,000 SQLite, ≥ 600 PostgreSQL"),
    Row("browsing", "updates_per_s", "updates/s", "≥ 600 (200 users)"),
    Row("browsing", "p99_ms", "p99 latency, ms", "< 100"),
    Row("browsing", "errors", "errors", "0"),
    Row("browsing", "shop_cpu_ms_per_update", "shop CPU ms per update", "", "{:.2f}"),
    Row("browsing", "load_before", "load average before", "", "{:.1f}"),
    Row("browsing-webhook", "updates_per_s", "updates/s", "≥ browsing's, ≥ 600 (200 users)"),
    Row("browsing-webhook", "p99_ms", "p99 latency, ms", "< 100"),
    Row("browsing-webhook", "errors", "errors", "0"),
    Row("browsing-webhook", "shop_cpu_ms_per_update", "shop CPU ms per update", "", "{:.2f}"),
    Row("browsing-webhook", "load_before", "load average before", "", "{:.1f}"),
    Row("journey", "updates_per_s", "updates/s", ""),
    Row("journey", "errors", "errors", "0"),
    Row("journey", "shop_cpu_ms_per_update", "shop CPU ms per update", "≤ 1.0", "{:.2f}"),
    Row("journey", "load_before", "load average before", "", "{:.1f}"),
    Row("broadcast", "rate_share_percent", "% of the configured rate", "≥ 97", "{:.1f}"),
    Row("broadcast", "answers_429", "429 answers", "0"),
    Row("footprint", "idle_rss_mb", "idle RSS, MB", "< 120"),
    Row("footprint", "start_to_health_s", "start to /health, s", "< 2", "{:.2f}"),
    Row("dashboard", "median_ms", "GET /dashboard median, ms", "< 200"),
    Row("dashboard", "max_ms", "GET /dashboard max, ms", "< 200"),
)


@dataclass
class Run:
    bench: str
    backend: str
    exit_code: int
    seconds: float
    figures: dict[str, Any]
    output: str
    errors: str


def run(bench: Bench, backend: str, server: str, quick: bool) -> Run:
    """One bench on one backend, in its own process, on a fresh database."""
    with tempfile.TemporaryDirectory() as tmp, _database(bench, backend, server) as database:
        figures_file = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            str(BENCH_DIR / bench.script),
            *database,
            *bench.args,
            *(bench.quick if quick else ()),
            "--json",
            str(figures_file),
        ]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    return Run(bench.name, backend, done.returncode, round(time.monotonic() - started, 1), figures, done.stdout, done.stderr)


@contextmanager
def _database(bench: Bench, backend: str, server: str) -> Iterator[list[str]]:
    """The bench's arguments naming its database: none for SQLite (each makes a fresh file)."""
    if backend == "sqlite":
        yield []
    elif bench.postgres_flag == "--postgres":
        yield ["--postgres", server]
    else:
        with databases.scratch(server) as url:
            yield [bench.postgres_flag, url]


def cell(runs: dict[tuple[str, str], Run], row: Row, backend: str, skipped: dict[str, str]) -> str:
    if backend in skipped:
        return "skipped"
    done = runs.get((row.bench, backend))
    if done is None:
        return ""
    if done.exit_code != 0:
        return "broken"
    value = done.figures.get(row.figure)
    if value is None:
        return "n/a"
    return row.format.format(value)


def table(runs: dict[tuple[str, str], Run], skipped: dict[str, str], names: set[str]) -> str:
    header = ("benchmark", "figure", "SQLite", "PostgreSQL", "target")
    lines = [header] + [
        (row.bench, row.label, cell(runs, row, "sqlite", skipped), cell(runs, row, "postgres", skipped), row.target)
        for row in ROWS
        if row.bench in names
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    aligned = ["<", "<", ">", ">", "<"]
    return "\n".join(
        "  ".join(f"{text:{align}{width}}" for text, align, width in zip(line, aligned, widths, strict=True)).rstrip()
        for line in lines
    )


def commit() -> str | None:
    """The checked-out commit, with "+changes" when the tree differs from it; None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=BENCH_DIR, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: check that every bench works")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], help="run only these benches")
    parser.add_argument("--postgres", metavar="SERVER", default=databases.SERVER, help="the PostgreSQL server")
    args = parser.parse_args()
    benches = [b for b in BENCHES if not args.only or b.name in args.only]
    started, load = datetime.now(UTC), os.getloadavg()[0]
    skipped: dict[str, str] = {}
    if (why := databases.unreachable(args.postgres)) is not None:
        skipped["postgres"] = f"PostgreSQL at {args.postgres} does not answer ({why})"
        print(f"{skipped['postgres']}: SQLite only")
    runs: dict[tuple[str, str], Run] = {}
    for bench in benches:
        for backend in BACKENDS:
            if backend in skipped:
                continue
            print(f"{bench.name} on {backend} …", end=" ", flush=True)
            done = runs[bench.name, backend] = run(bench, backend, args.postgres, args.quick)
            print(f"{done.seconds:.0f} s" + ("" if done.exit_code == 0 else f", broken (exit code {done.exit_code}):"))
            if done.exit_code != 0:
                print("\n".join(f"    {line}" for line in (done.errors or done.output).strip().splitlines()[-15:]))
    print()
    print(table(runs, skipped, {b.name for b in benches}))
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started:%Y-%m-%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started": started.isoformat(timespec="seconds"),
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "quick": args.quick,
                "commit": commit(),
                "machine": {
                    "cores": os.cpu_count(),
                    "load_average_before": load,
                    "system": platform.platform(),
                    "python": platform.python_version(),
                },
                "skipped": skipped,
                "runs": [vars(done) for done in runs.values()],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"\nresults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    sys.exit(1 if any(done.exit_code != 0 for done in runs.values()) else 0)


if __name__ == "__main__":
    main()
