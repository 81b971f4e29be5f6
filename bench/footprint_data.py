"""The footprint bench's database: many users, items and ledger entries, built in bulk and cached.

What it holds, for `Sizes(users, items, ledger)`:
- `users` users (ids from FIRST_USER), with a username and a language;
- `items` items of kind "unique", ITEMS_PER_CATEGORY to a category, priced 1.00–9.99, each with
  STOCK_PER_ITEM unsold units sealed with STOCK_KEY;
- `ledger` ledger entries shared out evenly among the users. A user's second entry, and every
  PURCHASE_EVERY-th after it, is a purchase (a purchases row, its sold unit and its debit); the others
  are top-ups of TOPUP, so no balance ever dips below zero, and each balance is the sum of its user's
  entries, as storage.check_ledger expects;
- dates spread over the last DAYS days, in id order.

How it is built (`build_database`): open_store makes the schema (the migrations) and records the stock
key's check; then the rows go in, not through the use cases: in one crossing and one transaction,
COPY on PostgreSQL and executemany on SQLite, and PostgreSQL's id sequences are moved past the ids
given.

How it is cached, keyed by the sizes and the schema version (the latest migration's name), so that a new
migration builds it again:
- SQLite (`sqlite_cache`): the file CACHE_DIR/footprint-<sizes>-<schema>.db, which a run copies;
- PostgreSQL (`postgres_template`): the template database <prefix>_<sizes>_<hash of the schema>, which a
  run clones (CREATE DATABASE … TEMPLATE); nobody may connect to it.
A cache is built under another name and renamed once complete, so a build cut short leaves none behind;
building one removes the caches of the same sizes and another schema.
"""

import base64
import hashlib
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import batched
from pathlib import Path

import trio
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

import storage
from bench import databases
from bench.processes import FIRST_USER
from storage import StorageSettings, backend_of, open_store
from storage.vault import Vault, vault

# Fixed, so that a cached database opens in every run (bench data, no secret).
STOCK_KEY = base64.b64encode(hashlib.sha256(b"shopkeeper footprint bench").digest()).decode()
CACHE_DIR = Path(__file__).resolve().parent / "cache"
TEMPLATE_PREFIX = "shopkeeper_footprint"
ITEMS_PER_CATEGORY = 100
STOCK_PER_ITEM = 10
PURCHASE_EVERY = 10
TOPUP = Decimal("10.00")
DAYS = 60
CHUNK = 20_000
# Tables whose ids PostgreSQL takes from a sequence.
SERIAL = ("categories", "items", "stock_units", "ledger_entries")


@dataclass(frozen=True)
class Sizes:
    users: int
    items: int
    ledger: int

    def __str__(self) -> str:
        return f"{self.users:,} users, {self.items:,} items, {self.ledger:,} ledger entries"

    @property
    def key(self) -> str:
        return f"{self.users}u-{self.items}i-{self.ledger}l"


FULL = Sizes(users=100_000, items=10_000, ledger=1_000_000)


def schema_version() -> str:
    """The name of the latest migration."""
    return max(path.stem for path in (Path(storage.__file__).parent / "migrations").glob("[0-9]*.py"))


class Rows:
    """The rows of each table, made on demand, the same every time for the same sizes.

    The n-th purchase (n from 0, in user order) buys item n % items; its sold unit's id comes after
    every unsold unit's. Ids start at 1.
    """

    def __init__(self, sizes: Sizes, sealer: Vault, now: datetime) -> None:
        self.sizes = sizes
        self.sealer = sealer
        self.start = now - timedelta(days=DAYS)
        self.step = timedelta(days=DAYS) / max(1, sizes.ledger)
        self.prices = [Decimal(100 + (j * 37) % 900) / 100 for j in range(sizes.items)]

    def tables(self) -> Iterator[tuple[str, tuple[str, ...], Iterable[tuple[object, ...]]]]:
        """(table, columns, rows) in an order the foreign keys accept."""
        yield "categories", ("id", "name", "created_at"), self.categories()
        yield (
            "items",
            ("id", "category_id", "title", "title_folded", "description", "price", "hidden", "kind", "stock_left", "created_at"),
            self.items(),
        )
        yield "users", ("id", "username", "first_name", "language_code", "role", "balance", "created_at"), self.users()
        yield (
            "purchases",
            (
                "id",
                "request_key",
                "user_id",
                "item_id",
                "item_title",
                "kind",
                "quantity",
                "price",
                "discount",
                "total",
                "created_at",
            ),
            self.purchases(),
        )
        yield "stock_units", ("id", "item_id", "content", "fingerprint", "sold", "purchase_id", "created_at"), self.units()
        yield "ledger_entries", ("id", "user_id", "amount", "kind", "reason", "purchase_id", "created_at"), self.ledger()

    def categories(self) -> Iterator[tuple[object, ...]]:
        for c in range(1, -(-self.sizes.items // ITEMS_PER_CATEGORY) + 1):
            yield c, f"Category {c:04d}", self.start

    def items(self) -> Iterator[tuple[object, ...]]:
        for j, price in enumerate(self.prices):
            title = self.title(j)
            yield (
                j + 1,
                j // ITEMS_PER_CATEGORY + 1,
                title,
                title.casefold(),
                f"Footprint item {j + 1}.",
                price,
                False,
                "unique",
                STOCK_PER_ITEM,
                self.start,
            )

    def users(self) -> Iterator[tuple[object, ...]]:
        for i, entries, first_purchase in self.plan():
            bought = self.purchases_among(entries)
            spent = sum((self.prices[n % self.sizes.items] for n in range(first_purchase, first_purchase + bought)), Decimal(0))
            user_id = FIRST_USER + i
            yield (
                user_id,
                f"user{user_id}",
                f"User {i + 1}",
                ("en", "ru")[i % 2],
                "user",
                TOPUP * (entries - bought) - spent,
                self.start + i * self.step,
            )

    def purchases(self) -> Iterator[tuple[object, ...]]:
        for _, user_id, n, when in self.entries():
            if n is not None:
                j = n % self.sizes.items
                price = self.prices[j]
                yield (
                    self.purchase_id(n),
                    f"footprint-{n}",
                    user_id,
                    j + 1,
                    self.title(j),
                    "unique",
                    1,
                    price,
                    Decimal(0),
                    price,
                    when,
                )

    def units(self) -> Iterator[tuple[object, ...]]:
        for j in range(self.sizes.items):
            for u in range(STOCK_PER_ITEM):
                yield self.unit(j * STOCK_PER_ITEM + u + 1, j, f"KEY-{j + 1}-{u + 1}", None)
        sold = self.sizes.items * STOCK_PER_ITEM + 1
        for _, _, n, _ in self.entries():
            if n is not None:
                j = n % self.sizes.items
                yield self.unit(sold + n, j, f"KEY-{j + 1}-SOLD-{n + 1}", self.purchase_id(n))

    def ledger(self) -> Iterator[tuple[object, ...]]:
        for entry_id, user_id, n, when in self.entries():
            if n is None:
                yield entry_id, user_id, TOPUP, "topup", "", None, when
            else:
                yield entry_id, user_id, -self.prices[n % self.sizes.items], "purchase", "", self.purchase_id(n), when

    def plan(self) -> Iterator[tuple[int, int, int]]:
        """(user index, their number of entries, the number of their first purchase) for each user."""
        share, extra = divmod(self.sizes.ledger, self.sizes.users)
        purchase = 0
        for i in range(self.sizes.users):
            entries = share + (i < extra)
            yield i, entries, purchase
            purchase += self.purchases_among(entries)

    def entries(self) -> Iterator[tuple[int, int, int | None, datetime]]:
        """(entry id, user id, the purchase's number or None for a top-up, date) for each ledger entry."""
        entry_id = 0
        for i, entries, purchase in self.plan():
            for p in range(entries):
                entry_id += 1
                bought = p % PURCHASE_EVERY == 1
                yield entry_id, FIRST_USER + i, purchase if bought else None, self.start + entry_id * self.step
                purchase += bought

    def unit(self, unit_id: int, j: int, secret: str, purchase_id: str | None) -> tuple[object, ...]:
        return (
            unit_id,
            j + 1,
            self.sealer.seal(secret),
            self.sealer.fingerprint(secret),
            purchase_id is not None,
            purchase_id,
            self.start,
        )

    @staticmethod
    def purchases_among(entries: int) -> int:
        return (entries + PURCHASE_EVERY - 2) // PURCHASE_EVERY

    @staticmethod
    def title(j: int) -> str:
        return f"Item {j + 1:05d}"

    @staticmethod
    def purchase_id(n: int) -> str:
        # A version-4 UUID made from n: a purchase's id is the same in every build. Text, which both
        # drivers take for a UUID column (SQLite stores UUIDs as text).
        return str(uuid.UUID(int=(0x5EED << 96) | n, version=4))


async def _fill(sizes: Sizes, backend: str) -> None:
    """Insert every row (runs inside the storage bridge: see `build_database`)."""
    rows = Rows(sizes, vault(), datetime.now(UTC))
    if backend == "postgres":
        async with get_connection(backend).acquire_connection() as conn:
            async with conn.transaction():
                for table, columns, records in rows.tables():
                    for chunk in batched(records, CHUNK, strict=False):
                        await conn.copy_records_to_table(table, records=chunk, columns=columns)
                for table in SERIAL:
                    await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
            await conn.execute("ANALYZE")
        return
    # Decimals and datetimes go in as Tortoise writes them: it registers sqlite3 adapters for both.
    async with in_transaction(backend) as conn:
        for table, columns, records in rows.tables():
            sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
            for chunk in batched(records, CHUNK, strict=False):
                await conn.execute_many(sql, [list(row) for row in chunk])


async def build_database(database_url: str, sizes: Sizes) -> None:
    """Fill the empty database at `database_url` (see the module docstring); STOCK_KEY seals its stock."""
    async with open_store(StorageSettings(database_url=database_url, stock_key=STOCK_KEY)) as store:
        await store.cross(_fill, sizes, backend_of(database_url))


async def sqlite_cache(sizes: Sizes, cache_dir: Path = CACHE_DIR, *, rebuild: bool = False) -> tuple[Path, float | None]:
    """The cached SQLite database of `sizes` and the seconds it took to build (None: it was there)."""
    path = cache_dir / f"footprint-{sizes.key}-{schema_version()}.db"
    if path.exists() and not rebuild:
        return path, None
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.{os.getpid()}.building")
    started = trio.current_time()
    try:
        await build_database(f"sqlite://{building}", sizes)
        # One file, without the write-ahead log (the shop turns it back on).
        with closing(sqlite3.connect(building)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        for stale in cache_dir.glob(f"footprint-{sizes.key}-*.db"):
            stale.unlink()
        building.replace(path)
    finally:
        for leftover in (building, *(building.with_name(building.name + end) for end in ("-wal", "-shm", ".migrating"))):
            leftover.unlink(missing_ok=True)
    return path, trio.current_time() - started


def template_name(sizes: Sizes, prefix: str = TEMPLATE_PREFIX) -> str:
    digest = hashlib.sha256(schema_version().encode()).hexdigest()[:8]
    return f"{prefix}_{sizes.users}_{sizes.items}_{sizes.ledger}_{digest}"


async def postgres_template(
    server: str, sizes: Sizes, prefix: str = TEMPLATE_PREFIX, *, rebuild: bool = False
) -> tuple[str, float | None]:
    """The cached template database of `sizes` on `server` and the seconds it took to build (None: it
    was there)."""
    name = template_name(sizes, prefix)
    if not rebuild and await trio.to_thread.run_sync(databases.exists, server, name):
        return name, None
    building = f"{name}_{os.getpid()}"
    started = trio.current_time()
    await trio.to_thread.run_sync(databases.create, server, building)
    try:
        await build_database(databases.database_url(server, building), sizes)
        same_sizes = re.compile(re.escape(template_name(sizes, prefix)[:-8]) + "[0-9a-f]{8}")
        for row in await trio.to_thread.run_sync(databases.fetch, server, "SELECT datname FROM pg_database"):
            if same_sizes.fullmatch(row["datname"]):
                await trio.to_thread.run_sync(databases.drop, server, row["datname"])
        await trio.to_thread.run_sync(
            databases.make_template, server, building, name, f"footprint bench: {sizes}, schema {schema_version()}"
        )
    finally:
        await trio.to_thread.run_sync(databases.drop, server, building)
    return name, trio.current_time() - started
