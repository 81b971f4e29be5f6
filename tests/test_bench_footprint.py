"""The footprint bench at a small size: the database it builds in bulk is one the shop works on, and
bench/footprint.py runs through, building its cache once and then reusing it.

Nothing here is timed: the bench's figures are its own business, not a test's."""

import json
import re
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from bench import databases
from bench.footprint_data import STOCK_KEY, STOCK_PER_ITEM, TOPUP, Sizes, build_database
from bench.processes import FIRST_USER
from storage import Delivered, PurchaseRequest, StorageSettings, open_store
from storage.models import Item, LedgerEntry, Purchase, StockUnit, User
from tests.support.servers import PG_SERVER, missing_service

FOOTPRINT = Path(__file__).resolve().parents[1] / "bench" / "footprint.py"
SMALL = Sizes(users=1_000, items=100, ledger=10_000)
LAST_LINE = re.compile(r"idle RSS \d+ MB, start to /health \d+\.\d\d s")


async def _counts() -> dict[str, int]:
    return {
        "users": await User.all().count(), "items": await Item.all().count(), "ledger": await LedgerEntry.all().count(),
        "purchases": await Purchase.all().count(), "unsold": await StockUnit.filter(sold=False).count(),
    }


async def test_the_built_database_holds_the_sizes_asked_and_the_shop_works_on_it(database_url: str) -> None:
    await build_database(database_url, SMALL)
    async with open_store(StorageSettings(database_url=database_url, stock_key=STOCK_KEY)) as store:
        assert await store.check_ledger() == []
        # Ten entries a user, the second of them a purchase.
        assert await store.cross(_counts) == {
            "users": 1_000, "items": 100, "ledger": 10_000, "purchases": 1_000, "unsold": 100 * STOCK_PER_ITEM,
        }
        # The screens have data: categories, items in stock, a buyer's profile and the key they bought.
        shop = await store.shop_page()
        assert shop.total == 1 and shop.rows[0].item_count == 100
        card = await store.item_card(1)
        assert card is not None and card.item.stock_left == STOCK_PER_ITEM
        profile = await store.profile(FIRST_USER)
        assert profile.purchases == 1 and profile.user.balance == 9 * TOPUP - Decimal("1.00")
        [bought] = (await store.purchase_history(FIRST_USER, 1, 5)).rows
        delivered = await store.purchase_of(FIRST_USER, bought.id)
        assert delivered is not None and delivered.units == ("KEY-1-SOLD-1",)
        # The shop goes on from there: its ids come after the bulk ones, the stock's fingerprints are
        # the shop's own (a unit it has is a duplicate), and a purchase takes the oldest unit.
        await store.add_category("Added later")
        await store.add_item("Added later", "New item", Decimal("2.00"))
        stocked = await store.add_stock("Item 00001", ["KEY-1-1", "NEW-KEY"])
        assert (stocked.added, stocked.duplicates, stocked.stock_left) == (1, 1, STOCK_PER_ITEM + 1)
        [result] = await store.buy([PurchaseRequest(key="after-the-build", user_id=FIRST_USER, item_id=1)])
        assert isinstance(result, Delivered) and result.units == ("KEY-1-1",)
        await store.credit_user(FIRST_USER + 1, Decimal("5.00"), kind="topup")
        assert await store.check_ledger() == []


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_footprint_bench_runs_end_to_end_and_builds_its_cache_once(backend: str, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    command = [sys.executable, str(FOOTPRINT), "--users", str(SMALL.users), "--items", str(SMALL.items),
               "--ledger", str(SMALL.ledger), "--settle", "0", "--json", str(figures)]
    prefix = f"shopkeeper_test_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        command += ["--cache-dir", str(tmp_path / "cache")]
    else:
        why = await trio.to_thread.run_sync(databases.unreachable, PG_SERVER)
        if why is not None:
            missing_service(f"PostgreSQL at {PG_SERVER}", ConnectionError(why))
        command += ["--postgres", PG_SERVER, "--template-prefix", prefix]
    try:
        first, second = [await trio.run_process(command, capture_stdout=True, capture_stderr=True, check=False)
                         for _ in range(2)]
    finally:
        if backend == "postgres":
            await trio.to_thread.run_sync(_drop_databases, prefix)
    for done in (first, second):
        assert done.returncode == 0, done.stderr.decode()
        assert LAST_LINE.fullmatch(done.stdout.decode().splitlines()[-1]), done.stdout.decode()
    assert "database: built in" in first.stdout.decode() and "database: cached" in second.stdout.decode()
    measured = json.loads(figures.read_text())
    assert (measured["users"], measured["items"], measured["ledger_entries"]) == (1_000, 100, 10_000)
    assert measured["complaints"] == 0 and measured["idle_rss_mb"] > 0 and measured["built_s"] is None
    if backend == "sqlite":
        assert [path.suffix for path in (tmp_path / "cache").iterdir()] == [".db"]


def _drop_databases(prefix: str) -> None:
    for row in databases.fetch(PG_SERVER, "SELECT datname FROM pg_database"):
        if row["datname"].startswith(prefix):
            databases.drop(PG_SERVER, row["datname"])
