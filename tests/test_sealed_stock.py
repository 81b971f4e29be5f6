"""Secrets are sealed at rest, on SQLite and PostgreSQL: the database holds no stock unit, unlimited
content or file in clear, yet buyers, history and the staff's unit list show them; duplicates are still
found; a database is bound to its stock key, so a process with another key refuses to start; what was
stored before sealing is sealed at the next start; the key file is made owner-only beside SQLite."""

import base64
import os
import stat
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from tortoise.connection import get_connection

from storage import Delivered, PurchaseRequest, StockKeyError, StorageSettings, Store, open_store
from storage.models import Item, Purchase, Setting

BUYER = 5001
SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")
SECRETS = ["STEAM-AAAA-1111", "STEAM-BBBB-2222", "STEAM-CCCC-3333"]


async def stored_units(store: Store) -> list[tuple[str, str | None]]:
    """The stock_units table as a copy of the database would show it."""

    async def read() -> list[tuple[str, str | None]]:
        rows = await get_connection(store.backend).execute_query_dict(
            'SELECT "content", "fingerprint" FROM "stock_units" ORDER BY "id"'
        )
        return [(row["content"], row["fingerprint"]) for row in rows]

    return await store.cross(read)


async def shop_with_stock(store: Store) -> int:
    await store.register_user(BUYER, username=None, first_name="Buyer", language_code="en", owner_id=1)
    await store.credit_user(BUYER, Decimal("100.00"), reason="test money")
    await store.add_category("Keys")
    item = await store.add_item("Keys", "Game", Decimal("5.00"))
    await store.import_stock(item.id, SECRETS)
    return item.id


async def test_the_database_holds_no_secret_yet_buyers_and_staff_see_them(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        item_id = await shop_with_stock(store)
        rows = await stored_units(store)
        assert len(rows) == 3
        assert not any(secret in content for secret in SECRETS for content, _ in rows)
        assert all(fingerprint for _, fingerprint in rows)
        assert len({content for content, _ in rows}) == 3

        assert [unit.content for unit in (await store.unsold_units(item_id)).rows] == SECRETS
        (bought,) = await store.buy([PurchaseRequest(key="k1", user_id=BUYER, item_id=item_id, quantity=2)])
        assert isinstance(bought, Delivered) and bought.units == tuple(SECRETS[:2])
        again = await store.purchase_of(BUYER, uuid.UUID(bought.purchase_id).hex)
        assert again is not None and again.units == tuple(SECRETS[:2])
        # Duplicates are found by fingerprint, sold units included.
        result = await store.import_stock(item_id, [SECRETS[0], SECRETS[2], "STEAM-DDDD-4444"])
        assert (result.added, result.duplicates) == (1, 2)


async def test_a_process_with_another_key_refuses_to_open_the_database(database_url: str, tmp_path: Path) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await shop_with_stock(store)
    other_key = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(StockKeyError, match="not the one .* this process used storage.stock_key$"):
        async with open_store(StorageSettings(database_url=database_url, stock_key=other_key)):
            pass
    # A key file elsewhere (another working directory, say) is named, so the mix-up is plain to see.
    (tmp_path / "elsewhere.key").write_text(other_key)
    with pytest.raises(StockKeyError, match=f"this process used the key file {tmp_path}/elsewhere.key$"):
        async with open_store(StorageSettings(database_url=database_url, stock_key_file=str(tmp_path / "elsewhere.key"))):
            pass
    async with open_store(StorageSettings(database_url=database_url)) as store:
        assert [unit.content for unit in (await store.unsold_units(1)).rows] == SECRETS


async def test_a_configured_key_serves_every_process_whatever_its_directory(database_url: str) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = StorageSettings(database_url=database_url, stock_key=key)
    async with open_store(settings) as store:
        item_id = await shop_with_stock(store)
    async with open_store(StorageSettings(database_url=database_url, stock_key=key.rstrip("="))) as store:
        assert [unit.content for unit in (await store.unsold_units(item_id)).rows] == SECRETS


async def test_units_from_before_sealing_are_sealed_at_the_next_start(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        item_id = await shop_with_stock(store)

        async def as_before_sealing() -> None:
            connection = get_connection(store.backend)
            await connection.execute_query(
                'UPDATE "stock_units" SET "content" = CASE "id" WHEN 1 THEN \'OLD-1\' WHEN 2 THEN \'OLD-2\''
                ' ELSE \'OLD-3\' END, "fingerprint" = NULL'
            )
            await connection.execute_query(
                "DELETE FROM \"settings\" WHERE \"key\" IN ('stock_key_check', 'clear_data_sealed')"
            )

        await store.cross(as_before_sealing)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        rows = await stored_units(store)
        assert all(fingerprint for _, fingerprint in rows) and not any("OLD-" in content for content, _ in rows)
        result = await store.import_stock(item_id, ["OLD-2", "NEW-4"])
        assert (result.added, result.duplicates) == (1, 1)
        (bought,) = await store.buy([PurchaseRequest(key="k1", user_id=BUYER, item_id=item_id, quantity=1)])
        assert isinstance(bought, Delivered) and bought.units == ("OLD-1",)


async def test_the_key_file_is_made_owner_only_beside_a_sqlite_database(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path}/shop/shop.db"
    async with open_store(StorageSettings(database_url=database_url)):
        pass
    key_file = tmp_path / "shop" / "stock.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text())) == 32


async def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "stock.key").write_text("not a key\n")
    with pytest.raises(StockKeyError, match="stock key: a stock key is 32 bytes"):
        async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db")):
            pass


def test_an_operator_command_with_another_key_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}
    env["SHOPKEEPER_STORAGE_DATABASE_URL"] = f"sqlite://{tmp_path}/shop.db"
    first = subprocess.run([SHOPKEEPER, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    env["SHOPKEEPER_STORAGE_STOCK_KEY"] = base64.b64encode(os.urandom(32)).decode()
    second = subprocess.run([SHOPKEEPER, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert second.stderr.startswith("error: the stock key is not the one") and len(second.stderr.splitlines()) == 1
    assert env["SHOPKEEPER_STORAGE_STOCK_KEY"] not in second.stderr


LICENCE = "LICENCE-XYZ-0001"
BOOK = b"%PDF-1.7 the secret chapter"


async def contents_and_files(store: Store) -> tuple[int, int]:
    await store.add_category("Goods")
    guide = await store.add_item("Goods", "Guide", Decimal("2.00"), kind="unlimited", content=LICENCE)
    book = await store.add_item("Goods", "Book", Decimal("3.00"), kind="file", file_name="book.pdf", file_data=BOOK)
    return guide.id, book.id


async def stored_contents(store: Store) -> list[bytes]:
    """Items' contents and files and purchases' contents, as a copy of the database would show them."""

    async def read() -> list[bytes]:
        items = await Item.all().values_list("content", "file_data")
        snapshots = await Purchase.exclude(content=None).values_list("content", flat=True)
        return [
            *(content.encode() for content, _ in items if content),
            *(bytes(data) for _, data in items if data is not None),
            *(content.encode() for content in snapshots),
        ]

    return await store.cross(read)


async def buy_both(store: Store, guide_id: int, book_id: int, key: str) -> tuple[Delivered, Delivered]:
    results = await store.buy([
        PurchaseRequest(key=f"{key}-guide", user_id=BUYER, item_id=guide_id, quantity=1),
        PurchaseRequest(key=f"{key}-book", user_id=BUYER, item_id=book_id, quantity=1),
    ])
    guide, book = results
    assert isinstance(guide, Delivered) and isinstance(book, Delivered)
    return guide, book


async def test_unlimited_contents_and_files_are_sealed_too(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await shop_with_stock(store)
        guide_id, book_id = await contents_and_files(store)
        guide, book = await buy_both(store, guide_id, book_id, "k")
        assert guide.units == (LICENCE,) and (book.file_name, book.file_id) == ("book.pdf", None)
        document = await store.item_file(book_id)
        assert document is not None and (document.file_name, document.data) == ("book.pdf", BOOK)
        stored = await stored_contents(store)
        assert len(stored) == 3 and not any(LICENCE.encode() in value or b"secret" in value for value in stored)
        again = await store.purchase_of(BUYER, uuid.UUID(guide.purchase_id).hex)
        assert again is not None and again.units == (LICENCE,)
        again = await store.purchase_of(BUYER, uuid.UUID(book.purchase_id).hex)
        assert again is not None and again.file_name == "book.pdf"


async def test_contents_and_files_from_before_sealing_are_sealed_at_the_next_start(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await shop_with_stock(store)
        guide_id, book_id = await contents_and_files(store)
        first, _ = await buy_both(store, guide_id, book_id, "k1")

        async def as_before_sealing() -> None:
            await Item.filter(id=guide_id).update(content=LICENCE)
            await Item.filter(id=book_id).update(file_data=BOOK)
            await Purchase.exclude(content=None).update(content=LICENCE)
            await Setting.filter(key="clear_data_sealed").delete()

        await store.cross(as_before_sealing)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        stored = await stored_contents(store)
        assert not any(LICENCE.encode() in value or b"secret" in value for value in stored)
        again = await store.purchase_of(BUYER, uuid.UUID(first.purchase_id).hex)
        assert again is not None and again.units == (LICENCE,)
        guide, book = await buy_both(store, guide_id, book_id, "k2")
        document = await store.item_file(book_id)
        assert guide.units == (LICENCE,) and document is not None and document.data == BOOK
