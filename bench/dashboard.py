"""The web dashboard over a big shop: how long GET /dashboard takes, for each period.

    .venv/bin/python bench/dashboard.py [--postgres SERVER] [--users 100000] [--items 10000] [--ledger 1000000]
                                        [--requests 20] [--rebuild] [--cache-dir DIR] [--template-prefix NAME]
                                        [--json FILE]

The database is the footprint bench's (bench.footprint_data: --users users, --items items with their
stock, --ledger ledger entries with a purchase among every ten, over 60 days), cached the same way and
copied (SQLite) or cloned (PostgreSQL) for the run. On the copy this bench adds what the dashboard
reads beside it: a funnel row for every user, and a payment for every tenth purchase (most paid,
some pending, some stuck past their expiry, some refunding).

The requests go through the whole app (Quart's test client, the owner signed in, the page rendered
with its charts), one at a time, --requests times for each period (after one untimed request). It
prints the median and the slowest per period against the target, 200 ms, and ends with the line
`dashboard median <M> ms, max <X> ms`; it exits non-zero only when a request fails, never because of
a figure.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tortoise.connection import get_connection  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

from bench import databases  # noqa: E402
from bench.figures import add_json_argument, write_figures  # noqa: E402
from bench.footprint_data import CACHE_DIR, FULL, STOCK_KEY, TEMPLATE_PREFIX, Sizes, postgres_template, sqlite_cache  # noqa: E402
from bench.processes import run_bench  # noqa: E402
from storage import SignInLink, StorageSettings, Store, open_store  # noqa: E402
from storage.funnel_models import UserMilestone  # noqa: E402
from storage.models import Payment  # noqa: E402
from webui import Auth, HealthReport, WebSettings, create_app  # noqa: E402
from webui.pages.dashboard import PERIODS  # noqa: E402

TARGET_MS = 200
OWNER_ID = 1
PAYMENT_EVERY = 10  # a payment for every tenth purchase
CHUNK = 5_000


async def _add_dashboard_rows(backend: str) -> tuple[int, int]:
    """Funnel rows for every user (one INSERT … SELECT, the same SQL on both dialects) and payments for
    every PAYMENT_EVERY-th purchase; returns how many of each."""
    conn = get_connection(backend)
    await conn.execute_script(
        "INSERT INTO user_milestones (user_id, started_at, opened_at, confirmed_at, paid_at) "
        "SELECT id, created_at, created_at, CASE WHEN id % 2 = 0 THEN created_at END, "
        "CASE WHEN id % 3 = 0 THEN created_at END FROM users"
    )
    now = datetime.now(UTC)
    statuses = ("paid",) * 7 + ("pending", "expired", "refunding")
    async with in_transaction(backend) as tx:
        rows = await tx.execute_query_dict(
            f"SELECT user_id, total, created_at FROM purchases ORDER BY created_at DESC LIMIT "
            f"(SELECT COUNT(*) / {PAYMENT_EVERY} FROM purchases)"
        )
        payments = []
        for n, row in enumerate(rows):
            created = row["created_at"] if isinstance(row["created_at"], datetime) else datetime.fromisoformat(row["created_at"])
            status = statuses[n % len(statuses)]
            # Every tenth pending one is past its expiry: the reconciler would have expired it (stuck).
            expires = created + timedelta(hours=1) if status != "pending" or n % 100 == 7 else now + timedelta(hours=1)
            payments.append(
                Payment(
                    id=uuid.uuid4(),
                    user_id=row["user_id"],
                    method="stars",
                    status=status,
                    amount=Decimal(str(row["total"])),
                    currency="XTR",
                    provider_amount=100,
                    created_at=created,
                    expires_at=expires,
                    paid_at=created if status in ("paid", "refunding") else None,
                )
            )
        for start in range(0, len(payments), CHUNK):
            await Payment.bulk_create(payments[start : start + CHUNK], using_db=tx)
    if backend == "postgres":
        # What autovacuum does to a live shop's tables: statistics, and the visibility map that lets
        # PostgreSQL answer from an index alone (the template's COPY left it unset).
        await conn.execute_script("VACUUM ANALYZE")
    return await UserMilestone.all().count(), len(payments)


async def _owner_client(store: Store) -> Any:
    await store.register_user(OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID)
    app = create_app(lambda: HealthReport(components={}), Auth(store, WebSettings(), OWNER_ID))
    client = app.test_client()
    issued = await store.issue_sign_in(OWNER_ID, owner_id=OWNER_ID, actor_id=OWNER_ID)
    assert isinstance(issued, SignInLink)
    signed = await client.post(f"/sign-in/{issued.token}")
    if signed.status_code != 303:
        raise RuntimeError(f"signing in answered {signed.status_code}")
    return client


async def measure(database_url: str, requests: int) -> dict[str, list[float]]:
    """The milliseconds of each GET /dashboard, by period."""
    async with open_store(StorageSettings(database_url=database_url, stock_key=STOCK_KEY)) as store:
        funnel_rows, payments = await store.cross(_add_dashboard_rows, store.backend)
        print(f"added: {funnel_rows:,} funnel rows, {payments:,} payments")
        client = await _owner_client(store)
        timings: dict[str, list[float]] = {}
        for period in PERIODS:
            path = f"/dashboard?period={period}"
            times = timings[period] = []
            for n in range(requests + 1):
                started = time.perf_counter()
                response = await client.get(path)
                body = await response.get_data(as_text=True)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200 or 'data-kpi="revenue"' not in body:
                    raise RuntimeError(f"{path} answered {response.status_code}")
                if n:  # the first warms the caches (templates, the connection) and is not counted
                    times.append(elapsed)
    return timings


async def dashboard(args: argparse.Namespace) -> dict[str, float | int | str | None]:
    sizes = Sizes(users=args.users, items=args.items, ledger=args.ledger)
    if args.postgres:
        template, built = await postgres_template(args.postgres, sizes, args.template_prefix, rebuild=args.rebuild)
        source, backend = f"the template database {template}", "postgres"
        clone = f"shopkeeper_bench_{uuid.uuid4().hex[:12]}"
        await trio.to_thread.run_sync(lambda: databases.create(args.postgres, clone, template=template))
        try:
            timings = await measure(databases.database_url(args.postgres, clone), args.requests)
        finally:
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(databases.drop, args.postgres, clone)
    else:
        cache, built = await sqlite_cache(sizes, args.cache_dir, rebuild=args.rebuild)
        source, backend = str(cache), "sqlite"
        with tempfile.TemporaryDirectory() as tmp:
            await trio.to_thread.run_sync(shutil.copyfile, cache, Path(tmp) / "shop.db")
            timings = await measure(f"sqlite://{tmp}/shop.db", args.requests)
    print(f"backend: {backend}   database: {sizes}")
    print(f"database: built in {built:.1f} s, cached as {source}" if built is not None else f"database: cached, {source}")
    figures: dict[str, float | int | str | None] = {"users": sizes.users, "items": sizes.items, "ledger_entries": sizes.ledger}
    for period, times in timings.items():
        median, slowest = statistics.median(times), max(times)
        print(f"GET /dashboard?period={period}: median {median:.0f} ms, max {slowest:.0f} ms over {len(times)} requests")
        figures[f"{period}_median_ms"] = round(median, 1)
        figures[f"{period}_max_ms"] = round(slowest, 1)
    every = [t for times in timings.values() for t in times]
    figures["median_ms"], figures["max_ms"] = round(statistics.median(every), 1), round(max(every), 1)
    print(f"target: under {TARGET_MS} ms")
    print(f"dashboard median {figures['median_ms']:.0f} ms, max {figures['max_ms']:.0f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="SERVER", help="postgres://user@host:port (default: SQLite)")
    parser.add_argument("--users", type=int, default=FULL.users)
    parser.add_argument("--items", type=int, default=FULL.items)
    parser.add_argument("--ledger", type=int, default=FULL.ledger, help="ledger entries")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per period")
    parser.add_argument("--rebuild", action="store_true", help="build the cached database again")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="where the SQLite cache lives")
    parser.add_argument("--template-prefix", default=TEMPLATE_PREFIX, help="the PostgreSQL template's name prefix")
    add_json_argument(parser)
    args = parser.parse_args()
    if min(args.users, args.items, args.ledger, args.requests) < 1:
        parser.error("--users, --items, --ledger and --requests must be at least 1")
    write_figures(args, run_bench(dashboard, args))


if __name__ == "__main__":
    main()
