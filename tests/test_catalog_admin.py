"""The staff's catalog use cases on SQLite and PostgreSQL: hidden things stay off the shop and off
sale, edits are checked and audited, and deleting never takes a purchase away from its buyer."""

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage import (
    CategoryNotEmpty, Delivered, Duplicate, InvalidItem, ItemUnavailable, PurchaseRequest, StorageSettings, Store,
    open_store,
)

OWNER = 1
ANN = 1001


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN):
            await opened.register_user(user_id, username=None, first_name="U", language_code="en", owner_id=OWNER, referrer_id=None)
        await opened.credit_user(ANN, Decimal("100.00"), kind="adjustment")
        await opened.add_category("Games")
        await opened.add_category("Indie", parent="Games")
        await opened.add_item("Indie", "Quest", Decimal("5.00"))
        await opened.add_stock("Quest", ["Q-1", "Q-2", "Q-3"])
        yield opened
        assert await opened.check_ledger() == []


async def buy(store: Store, item_id: int, key: str) -> object:
    [result] = await store.buy([PurchaseRequest(key=key, user_id=ANN, item_id=item_id)])
    return result


async def ids(store: Store) -> tuple[int, int, int]:
    top = await store.category_tree(None)
    assert top is not None
    games = next(c for c in top.children if c.name == "Games")
    indie_tree = await store.category_tree(games.id)
    assert indie_tree is not None
    indie = indie_tree.children[0]
    quest = (await store.category_tree(indie.id)).items[0]  # type: ignore[union-attr]
    return games.id, indie.id, quest.id


async def test_a_hidden_category_takes_its_items_off_the_shop_and_off_sale(store: Store) -> None:
    games, indie, quest = await ids(store)
    await store.set_category_hidden(games, True, actor_id=OWNER)
    assert (await store.shop_page()).total == 0
    assert await store.item_card(quest) is None and (await store.search_items("quest")).total == 0
    assert await store.category_page(indie) is None
    assert isinstance(await buy(store, quest, "k1"), ItemUnavailable)
    # The staff still see it all.
    tree = await store.category_tree(None)
    assert tree is not None and [(c.name, c.hidden) for c in tree.children] == [("Games", True)]
    await store.set_category_hidden(games, False, actor_id=OWNER)
    assert (await store.shop_page()).total == 1 and isinstance(await buy(store, quest, "k2"), Delivered)


async def test_edits_are_checked_and_audited(store: Store) -> None:
    _, indie, quest = await ids(store)
    item = await store.update_item(quest, title="Quest II", price=Decimal("6.50"), description="Sequel", actor_id=OWNER)
    assert (item.title, item.price, item.description) == ("Quest II", Decimal("6.50"), "Sequel")
    assert (await store.search_items("quest ii")).total == 1
    await store.add_item("Indie", "Other", Decimal("1.00"))
    with pytest.raises(Duplicate):
        await store.update_item(quest, title="Other", actor_id=OWNER)
    for bad in (Decimal("0"), Decimal("-1"), Decimal("1.001")):
        with pytest.raises(InvalidItem):
            await store.update_item(quest, price=bad, actor_id=OWNER)
    with pytest.raises(InvalidItem):
        await store.update_item(quest, photo="not a photo!", actor_id=OWNER)
    with pytest.raises(Duplicate):
        await store.rename_category(indie, "Games", actor_id=OWNER)
    await store.rename_category(indie, "Indie games", actor_id=OWNER)
    events = await store.audit_page(1, 10)
    assert [(e.action, e.actor_id, e.detail) for e in reversed(events.rows)] == [
        ("category.create", None, "Games"), ("category.create", None, "Indie"), ("item.create", None, "Quest"),
        ("stock.add", None, "3 added, 0 duplicates"),
        ("item.edit", OWNER, "description, price, title"), ("item.create", None, "Other"),
        ("category.rename", OWNER, "Indie games"),
    ]
    assert (await store.admin_item(quest)).price == Decimal("6.50")  # type: ignore[union-attr]


async def test_deleting_an_item_with_sales_keeps_every_purchase_readable(store: Store) -> None:
    games, indie, quest = await ids(store)
    sold = await buy(store, quest, "k1")
    assert isinstance(sold, Delivered)
    assert await store.delete_item(quest, actor_id=OWNER) is False
    assert await store.admin_item(quest) is None and await store.item_card(quest) is None
    assert isinstance(await buy(store, quest, "k2"), ItemUnavailable)
    history = await store.purchase_history(ANN, 1, 10)
    assert [row.item_title for row in history.rows] == ["Quest"]
    again = await store.purchase_of(ANN, history.rows[0].id)
    assert again is not None and again.units == ("Q-1",)
    # The title is free again, and the category can go once nothing visible is left in it.
    await store.add_item("Indie", "Quest", Decimal("5.00"))
    with pytest.raises(CategoryNotEmpty):
        await store.delete_category(indie, actor_id=OWNER)
    new_quest = (await store.category_tree(indie)).items[0].id  # type: ignore[union-attr]
    assert await store.delete_item(new_quest, actor_id=OWNER) is True
    # Indie is kept (its deleted item has a sale), out of sight; Games shows nothing left.
    await store.delete_category(indie, actor_id=OWNER)
    tree = await store.category_tree(games)
    assert tree is not None and tree.children == [] and tree.items == []
    await store.delete_category(games, actor_id=OWNER)
    assert (await store.category_tree(None)).children == []  # type: ignore[union-attr]
    await store.add_category("Games")  # the name is free again
    assert [e.action for e in reversed((await store.audit_page(1, 10)).rows) if e.actor_id == OWNER] == [
        "item.delete", "item.delete", "category.delete", "category.delete"
    ]
