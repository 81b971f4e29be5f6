"""The shop's footprint over a big database: resident memory of an idle `shopkeeper run`, and the time
from its start to /health answering 200.

    .venv/bin/python bench/footprint.py [--postgres SERVER] [--users 100000] [--items 10000] [--ledger 1000000]
                                        [--settle 5] [--rebuild] [--cache-dir DIR] [--template-prefix NAME]
                                        [--json FILE]

The database (bench.footprint_data) holds --users users, --items items with their stock and --ledger
ledger entries, purchases among them. It is built in bulk once and cached: on SQLite (the default) a
file in bench/cache/ (--cache-dir), copied for the run; on the PostgreSQL server SERVER
(postgres://user@host:port) a template database (named from --template-prefix), cloned for the run, the
clone dropped afterwards. A new migration, or --rebuild, builds it again.

This process serves the Bot API emulator over HTTP; the shop is `shopkeeper run` in its own process
(bench.processes), its web server on a free port. The start time runs from just before the process is
started to the first 200 from /health (asked every 10 ms), which needs the database open and migrated,
every actor running and getUpdates answered once. The shop is then left idle for --settle seconds (no
update comes) and its resident memory read: VmRSS from /proc, with its peak VmHWM (elsewhere `ps`'s
RSS). MB are 2^20 bytes. Targets: under 120 MB, under 2 s.

It ends with the line `idle RSS <N> MB, start to /health <S> s` (--json FILE: the figures as JSON too),
and exits non-zero only when the run is broken (the shop died, or /health never answered 200), never
because of a figure.
"""

import argparse
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import databases  # noqa: E402
from bench.figures import add_json_argument, write_figures  # noqa: E402
from bench.footprint_data import CACHE_DIR, FULL, STOCK_KEY, TEMPLATE_PREFIX, Sizes, postgres_template, sqlite_cache  # noqa: E402
from bench.processes import TOKEN, free_port, open_shop_process, resident_kib, run_bench, wait_healthy  # noqa: E402
from telegram.emulator import Emulator  # noqa: E402

TARGET_MB = 120
TARGET_SECONDS = 2.0


@dataclass
class Footprint:
    start_s: float  # from just before the process started to the first 200 from /health
    rss_kib: int
    peak_kib: int | None
    complaints: list[str]  # the shop's log records at WARNING and above


async def measure(database_url: str, workdir: Path, settle: float) -> Footprint:
    """Start the shop on `database_url`, time it to /health, let it idle `settle` seconds, read its memory."""
    emu = Emulator(record_calls=False)
    emu.create_bot(token=TOKEN, username="footprint_bot", first_name="Footprint")
    web_port = free_port()
    env = {"SHOPKEEPER_WEB_PORT": str(web_port)}
    async with open_shop_process(emu, database_url, workdir, stock_key=STOCK_KEY, env=env) as shop:
        async with trio.open_nursery() as watched:
            watched.start_soon(shop.watch)
            healthy = await wait_healthy(f"http://127.0.0.1:{web_port}/health")
            await trio.sleep(settle)
            rss, peak = resident_kib(shop.pid)
            watched.cancel_scope.cancel()
    return Footprint(healthy - shop.started_at, rss, peak, shop.complaints())


async def footprint(args: argparse.Namespace) -> dict[str, float | int | str | None]:
    sizes = Sizes(users=args.users, items=args.items, ledger=args.ledger)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.postgres:
            template, built = await postgres_template(args.postgres, sizes, args.template_prefix, rebuild=args.rebuild)
            source, backend = f"the template database {template}", "postgres"
            clone = f"shopkeeper_bench_{uuid.uuid4().hex[:12]}"
            await trio.to_thread.run_sync(lambda: databases.create(args.postgres, clone, template=template))
            try:
                result = await measure(databases.database_url(args.postgres, clone), workdir, args.settle)
            finally:
                with trio.CancelScope(shield=True):
                    await trio.to_thread.run_sync(databases.drop, args.postgres, clone)
        else:
            cache, built = await sqlite_cache(sizes, args.cache_dir, rebuild=args.rebuild)
            source, backend = str(cache), "sqlite"
            await trio.to_thread.run_sync(shutil.copyfile, cache, workdir / "shop.db")
            result = await measure(f"sqlite://{workdir}/shop.db", workdir, args.settle)
    rss_mb, peak_mb = result.rss_kib / 1024, None if result.peak_kib is None else result.peak_kib / 1024
    print(f"backend: {backend}   database: {sizes}")
    print(f"database: built in {built:.1f} s, cached as {source}" if built is not None else f"database: cached, {source}")
    print(f"shop's log: {len(result.complaints)} warnings or errors")
    if result.complaints:
        print(f"the shop's first complaint:\n{result.complaints[0].rstrip()}")
    print(
        f"after {args.settle:g} s idle: peak RSS {'n/a' if peak_mb is None else f'{peak_mb:.0f} MB'}; "
        f"targets: idle RSS under {TARGET_MB} MB, start to /health under {TARGET_SECONDS:g} s"
    )
    print(f"idle RSS {rss_mb:.0f} MB, start to /health {result.start_s:.2f} s")
    return {
        "users": sizes.users,
        "items": sizes.items,
        "ledger_entries": sizes.ledger,
        "built_s": None if built is None else round(built, 1),
        "idle_rss_mb": round(rss_mb, 1),
        "peak_rss_mb": None if peak_mb is None else round(peak_mb, 1),
        "start_to_health_s": round(result.start_s, 3),
        "complaints": len(result.complaints),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="SERVER", help="postgres://user@host:port (default: SQLite)")
    parser.add_argument("--users", type=int, default=FULL.users)
    parser.add_argument("--items", type=int, default=FULL.items)
    parser.add_argument("--ledger", type=int, default=FULL.ledger, help="ledger entries")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds idle before reading the memory")
    parser.add_argument("--rebuild", action="store_true", help="build the cached database again")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="where the SQLite cache lives")
    parser.add_argument("--template-prefix", default=TEMPLATE_PREFIX, help="the PostgreSQL template's name prefix")
    add_json_argument(parser)
    args = parser.parse_args()
    if min(args.users, args.items, args.ledger) < 1:
        parser.error("--users, --items and --ledger must be at least 1")
    write_figures(args, run_bench(footprint, args))


if __name__ == "__main__":
    main()
