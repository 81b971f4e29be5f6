"""Stock imports, on SQLite and PostgreSQL: duplicates (already in stock, sold or not, or repeated in
the lines) and blank lines are skipped and counted exactly, the item's counter agrees with its unsold
units, two imports racing on one item never stock a line twice, and only unsold units are removed."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from storage import (
    Delivered,
    ItemRecord,
    NotStockable,
    PurchaseRequest,
    SoldOut,
    StockImport,
    StorageSettings,
    Store,
    UnknownItem,
    open_store,
)
from tests.support.shop import storage_section

BUYER = 5001
SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        await opened.register_user(BUYER, username=None, first_name="Buyer", language_code="en", owner_id=1)
        await opened.credit_user(BUYER, Decimal("1000.00"), reason="test money")
        yield opened
        assert await opened.check_ledger() == []


async def key_item(store: Store, title: str = "Key") -> ItemRecord:
    if not await store.list_categories():
        await store.add_category("Keys")
    return await store.add_item("Keys", title, Decimal("1.00"))


async def unsold(store: Store, item_id: int) -> list[str]:
    """Every unsold unit's content, oldest first, read page by page."""
    contents: list[str] = []
    number, pages = 1, 1
    while number <= pages:
        page = await store.unsold_units(item_id, number, 1000)
        contents += [unit.content for unit in page.rows]
        number, pages = number + 1, page.pages
    return contents


async def stock_left(store: Store, item_id: int) -> int:
    item = await store.admin_item(item_id)
    assert item is not None
    return item.stock_left


async def buy(store: Store, item: ItemRecord, key: str, quantity: int = 1) -> object:
    (result,) = await store.buy([PurchaseRequest(key=key, user_id=BUYER, item_id=item.id, quantity=quantity)])
    return result


async def test_ten_thousand_lines_with_duplicates_and_blanks(store: Store) -> None:
    item = await key_item(store)
    first = await store.import_stock(item.id, [f"KEY-{n:05d}" for n in range(300)])
    assert first == StockImport(added=300, duplicates=0, empty=0, stock_left=300)
    sold = await buy(store, item, "early", quantity=5)
    assert isinstance(sold, Delivered) and sold.units == tuple(f"KEY-{n:05d}" for n in range(5))

    # 10,000 distinct keys from a CRLF file, 300 of them in stock already (5 of those sold), 250
    # repeated further down, 40 blank lines of spaces and bare carriage returns.
    lines = [f"  KEY-{n:05d}\r" for n in range(10_000)]
    lines += [f"KEY-{n:05d}" for n in range(1_000, 1_250)]
    lines[5_000:5_000] = ["", "   ", "\r", "\t"] * 10
    result = await store.import_stock(item.id, lines)
    assert result == StockImport(added=9_700, duplicates=300 + 250, empty=40, stock_left=295 + 9_700)

    units = await unsold(store, item.id)
    assert len(units) == len(set(units)) == 9_995 == await stock_left(store, item.id)
    assert units[:2] == ["KEY-00005", "KEY-00006"] and units[-1] == "KEY-09999"
    bought = await buy(store, item, "after")
    assert isinstance(bought, Delivered) and bought.units == ("KEY-00005",)
    assert await stock_left(store, item.id) == len(await unsold(store, item.id)) == 9_994

    again = await store.import_stock(item.id, lines)
    assert (again.added, again.duplicates, again.empty, again.stock_left) == (0, 10_250, 40, 9_994)


async def test_only_unique_items_take_stock(store: Store) -> None:
    await store.add_category("Keys")
    guide = await store.add_item("Keys", "Guide", Decimal("2.00"), kind="unlimited", content="READ-ME")
    with pytest.raises(NotStockable):
        await store.import_stock(guide.id, ["K1"])
    for unknown in (999_999, 0, -1, 2**40):
        with pytest.raises(UnknownItem):
            await store.import_stock(unknown, ["K1"])
    with pytest.raises(UnknownItem):
        await store.add_stock("Nope", ["K1"])


async def test_add_stock_by_title_skips_duplicates_the_same_way(store: Store) -> None:
    item = await key_item(store)
    assert await store.add_stock("Key", ["A", "B", "A", ""]) == StockImport(added=2, duplicates=1, empty=1, stock_left=2)
    assert await store.add_stock("Key", ["B", "C"]) == StockImport(added=1, duplicates=1, empty=0, stock_left=3)
    assert await unsold(store, item.id) == ["A", "B", "C"]


async def test_two_imports_racing_on_one_item_stock_each_line_once(store: Store) -> None:
    item = await key_item(store)
    await store.import_stock(item.id, [f"K{n}" for n in range(0, 500)])
    batches = [[f"K{n}" for n in range(start, start + 3_000)] for start in (0, 1_000, 2_000, 2_000)]
    results: list[StockImport] = []

    async def run(lines: list[str]) -> None:
        results.append(await store.import_stock(item.id, lines))

    async with trio.open_nursery() as nursery:
        for lines in batches:
            nursery.start_soon(run, lines)
    units = await unsold(store, item.id)
    assert sorted(units) == sorted(f"K{n}" for n in range(5_000))
    assert sum(result.added for result in results) == 4_500
    assert sum(result.duplicates for result in results) == 4 * 3_000 - 4_500
    assert await stock_left(store, item.id) == 5_000
    assert max(result.stock_left for result in results) == 5_000


async def test_two_processes_importing_one_file_stock_each_line_once(database_url: str, tmp_path: Path) -> None:
    """Two `catalog add-stock` commands at once, each its own process and connection."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        item = await key_item(store)
    (tmp_path / "shop.toml").write_text(storage_section(database_url))
    (tmp_path / "a.txt").write_text("".join(f"K{n}\n" for n in range(0, 4_000)))
    (tmp_path / "b.txt").write_text("".join(f"K{n}\n" for n in range(2_000, 6_000)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}

    def launch(name: str) -> subprocess.Popen[str]:
        args = [SHOPKEEPER, "--config", str(tmp_path / "shop.toml"), "catalog", "add-stock", "--item", "Key", "--file", str(tmp_path / name)]
        return subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    processes = [launch("a.txt"), launch("b.txt")]
    outputs = []
    for process in processes:
        out, err = await trio.to_thread.run_sync(process.communicate)
        assert process.returncode == 0, err
        outputs.append(out)
    skipped = sorted(int(out.split("skipped ")[1].split(" ")[0]) for out in outputs)
    assert skipped == [0, 2_000], outputs
    async with open_store(StorageSettings(database_url=database_url)) as store:
        units = await unsold(store, item.id)
        assert sorted(units) == sorted(f"K{n}" for n in range(6_000))
        assert await stock_left(store, item.id) == 6_000


async def test_unsold_units_page_oldest_first(store: Store) -> None:
    item = await key_item(store)
    await store.import_stock(item.id, [f"U{n:02d}" for n in range(20)])
    first = await store.unsold_units(item.id, 1, 8)
    assert ([u.content for u in first.rows], first.number, first.pages, first.total) == ([f"U{n:02d}" for n in range(8)], 1, 3, 20)
    last = await store.unsold_units(item.id, 3, 8)
    assert [u.content for u in last.rows] == [f"U{n:02d}" for n in range(16, 20)]
    assert (await store.unsold_units(item.id, 99, 8)).number == 3
    await buy(store, item, "one", quantity=2)
    assert [u.content for u in (await store.unsold_units(item.id, 1, 8)).rows][:2] == ["U02", "U03"]
    empty = await store.unsold_units(2**40, 1, 8)
    assert (empty.rows, empty.total) == ([], 0)


async def test_remove_unit_takes_an_unsold_unit_only(store: Store) -> None:
    item = await key_item(store)
    await store.import_stock(item.id, ["A", "B", "C"])
    a, b, c = (await store.unsold_units(item.id, 1, 8)).rows
    sold = await buy(store, item, "a")
    assert isinstance(sold, Delivered) and sold.units == ("A",)

    assert await store.remove_unit(a.id) is False
    delivered = await store.purchase_of(BUYER, sold.purchase_id.replace("-", ""))
    assert delivered is not None and delivered.units == ("A",)
    assert await store.remove_unit(b.id) is True
    assert await store.remove_unit(b.id) is False
    for bogus in (0, -5, 2**63, 10**30):
        assert await store.remove_unit(bogus) is False
    assert [u.content for u in (await store.unsold_units(item.id, 1, 8)).rows] == ["C"]
    assert await stock_left(store, item.id) == 1

    assert await store.remove_unit(c.id) is True
    assert await stock_left(store, item.id) == 0
    assert isinstance(await buy(store, item, "none left"), SoldOut)


async def test_imports_and_removals_carry_their_audit_event_in_their_own_transaction(store: Store) -> None:
    item = await key_item(store)
    await store.import_stock(item.id, ["A", "B", "A"], actor_id=7)
    unit = (await store.unsold_units(item.id, 1, 8)).rows[0]
    assert await store.remove_unit(unit.id, actor_id=7) is True
    assert await store.remove_unit(unit.id, actor_id=7) is False  # nothing removed, nothing audited
    events = [(e.actor_id, e.action, e.target, e.detail) for e in reversed((await store.audit_page(1, 10)).rows)]
    assert events[-2:] == [
        (7, "stock.add", str(item.id), "2 added, 1 duplicates"),
        (7, "stock.remove", str(item.id), str(unit.id)),
    ]
