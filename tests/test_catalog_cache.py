"""Buyers' catalog screens come from a short-lived cache: this process's own changes (a purchase, stock,
an edit) show at once, another process's within storage.catalog_cache_seconds, and a read that was under
way while a change committed is not kept."""

from decimal import Decimal

import pytest
import trio
import trio.testing

from actors.config import ConfigError, validate
from storage import StorageSettings, open_store
from storage.catalog_cache import CatalogCache
from tests.support.chat import open_card, press_when_shown
from tests.support.shop import TOKEN, open_shop


async def test_this_process_changes_show_on_the_next_screen(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await shop.store.add_category("Games")
        item = await shop.store.add_item("Games", "Quest", Decimal("10.00"), "A quest.")
        await shop.store.add_stock("Quest", ["Q-1", "Q-2", "Q-3"])
        ann = shop.emu.user(1001, first_name="Ann")
        await open_card(ann, "Games (1)", "Quest · 10.00 USD")
        await shop.store.credit_user(1001, Decimal("50.00"), reason="test top-up")
        assert "In stock: 3" in ann.bot_messages()[-1]["text"]

        await ann.press("Buy")
        await press_when_shown(ann, "1")
        await press_when_shown(ann, "✅ Confirm")
        await ann.wait_for_text("Q-1")
        await ann.press("🏠 Main menu")
        for label in ("🛍 Shop", "Games (1)", "Quest · 10.00 USD"):
            await press_when_shown(ann, label)
        await ann.wait_for_text("In stock: 2")

        await shop.store.add_stock("Quest", ["Q-4"])
        await shop.store.update_item(item.id, actor_id=None, title="Quest II")
        await ann.press("‹ Back")
        await press_when_shown(ann, "Quest II · 10.00 USD")
        await ann.wait_for_text("In stock: 3")


async def test_another_process_changes_show_within_the_configured_seconds(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, storage={"catalog_cache_seconds": 0.5}) as shop:
        await shop.store.add_category("Games")
        item = await shop.store.add_item("Games", "Quest", Decimal("10.00"), "A quest.")
        await shop.store.add_stock("Quest", ["Q-1"])
        ann = shop.emu.user(1001, first_name="Ann")
        await open_card(ann, "Games (1)", "Quest · 10.00 USD")
        # An operator's command, or a second shop process, on the same database.
        async with open_store(StorageSettings(database_url=sqlite_url), migrate=False) as other:
            await other.update_item(item.id, actor_id=None, price=Decimal("12.00"))
        await trio.sleep(0.6)  # time passes: longer than the 0.5 s the catalog cache keeps an answer
        await ann.press("‹ Back")
        await press_when_shown(ann, "Quest · 12.00 USD")


async def test_a_read_under_way_while_the_catalog_changes_is_not_kept() -> None:
    cache = CatalogCache(60)
    release = trio.Event()

    async def slow_old_read() -> str:
        await release.wait()
        return "old"

    async def fresh_read() -> str:
        return "new"

    async with trio.open_nursery() as nursery:
        answers: list[str] = []

        async def read() -> None:
            answers.append(await cache.get("card", slow_old_read))

        nursery.start_soon(read)
        await trio.testing.wait_all_tasks_blocked()
        cache.invalidate()  # a change committed while the read was in the database
        release.set()
    assert answers == ["old"]
    assert await cache.get("card", fresh_read) == "new"
    assert await cache.get("card", slow_old_read) == "new", "a kept answer is served without a read"


def test_the_cache_time_is_checked_in_config() -> None:
    with pytest.raises(ConfigError) as error:
        validate({"telegram": {"token": TOKEN, "owner_id": 1}, "storage": {"catalog_cache_seconds": -1}})
    assert error.value.key == "storage.catalog_cache_seconds"


async def test_readers_of_a_missing_entry_share_one_load_but_not_across_a_change() -> None:
    cache = CatalogCache(60)
    release = trio.Event()
    loads: list[str] = []

    async def slow_read(answer: str) -> str:
        loads.append(answer)
        await release.wait()
        return answer

    answers: list[str] = []

    async def read(answer: str) -> None:
        answers.append(await cache.get("card", lambda: slow_read(answer)))

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(read, "old")
        await trio.testing.wait_all_tasks_blocked()
        cache.invalidate()  # a change: who reads after it waits for no load begun before
        nursery.start_soon(read, "new")
        await trio.testing.wait_all_tasks_blocked()
        release.set()
    assert loads == ["old", "new"], "five readers, one load; the reader after the change, its own"
    assert sorted(answers) == ["new"] + ["old"] * 5
    assert await cache.get("card", lambda: slow_read("later")) == "new"


async def test_a_failed_load_leaves_each_waiting_reader_to_load_on_its_own() -> None:
    cache = CatalogCache(60)
    release = trio.Event()
    calls = 0

    async def failing_then_fine() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
            raise RuntimeError("database gone")
        return "card"

    results: list[str] = []

    async def read() -> None:
        try:
            results.append(await cache.get("card", failing_then_fine))
        except RuntimeError as error:
            results.append(str(error))

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(read)
        await trio.testing.wait_all_tasks_blocked()
        release.set()
    assert sorted(results) == ["card", "card", "database gone"]
