"""A file item's document, on SQLite and PostgreSQL: the screens around a 20 MB file read none of it,
the first sale uploads it and every later one sends Telegram's file_id, and a file_id Telegram refuses
(another bot's) is replaced by a new upload.

Memory is measured with tracemalloc around the presses: it counts every Python allocation of the
process, the database drivers' included, from the moment it starts. Reading the item's row once
allocates the file's 20 MB (its sealed bytes, then as much again unsealed), while a screen allocates
kilobytes; so the bound, a quarter of the file, leaves the screens ample room and fails on any press
that reads the file.
"""

import os
import tracemalloc
from decimal import Decimal
from typing import Any

import trio

from storage import PurchaseRequest, Store
from storage.models import Item
from telegram.emulator import EmulatedUser, Emulator
from tests.support.chat import labels
from tests.support.shop import OWNER_ID, TOKEN, open_shop
from tests.support.waiting import eventually

MB = 1024 * 1024
# Random bytes: nothing on the way can make them smaller than they are.
BOOK = os.urandom(20 * MB)
BOUND = len(BOOK) // 4
OLD_TOKEN = "654321:old-token"


async def book_shop(store: Store, **balances: str) -> int:
    """The Book (a file item) and its buyers-to-be, by first name: {"Ann": "5.00"} (ids from 1001)."""
    await store.add_category("Files")
    item = await store.add_item(
        "Files", "Book", Decimal("1.00"), "The whole book", kind="file", file_name="book.pdf", file_data=BOOK
    )
    for n, (name, balance) in enumerate(balances.items()):
        await store.register_user(1001 + n, username=None, first_name=name, language_code="en", owner_id=OWNER_ID)
        if Decimal(balance):
            await store.credit_user(1001 + n, Decimal(balance), kind="topup")
    return item.id


async def press_in_turn(user: EmulatedUser, *path: str, bot: Any = None) -> None:
    """Press each label once it is shown."""
    for label in path:
        await user.wait_for(lambda m, label=label: label in labels(m), bot=bot)
        await user.press(label, bot=bot)


async def open_order(user: EmulatedUser, *, bot: Any = None) -> None:
    """/start → Shop → Files → Book → Buy: the confirmation screen."""
    await user.send_text("/start", bot=bot)
    await press_in_turn(user, "🛍 Shop", "Files (1)", "Book · 1.00 USD", "Buy", bot=bot)
    await user.wait_for(lambda m: "✅ Confirm" in labels(m), bot=bot)


async def confirm(user: EmulatedUser, *, bot: Any = None) -> dict[str, Any]:
    """Confirm the order: the document the bot sends."""
    await user.press("✅ Confirm", bot=bot)
    return await user.wait_for(lambda m: "document" in m, timeout=60, bot=bot)


def documents_sent(emu: Emulator, since: int = 0) -> list[Any]:
    """What each sendDocument since call `since` gave as its document: an upload as {"filename", "size"},
    a file_id as itself."""
    return [params["document"] for _, method, params in emu.calls[since:] if method == "sendDocument"]


async def test_the_screens_of_a_20_mb_file_item_read_none_of_it(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item_id = await book_shop(shop.store, Ann="1.00", Bob="0", Cy="0", Dee="5.00", Eve="0")
        # Ann bought the book and reviewed it: its card shows the review.
        await shop.store.buy([PurchaseRequest(key="ann", user_id=1001, item_id=item_id)])
        await shop.store.save_review(1001, item_id, 5, "A good read")
        ann, bob, cy, dee, eve = (shop.emu.user(1001 + n) for n in range(5))
        for user in (ann, bob, cy, dee, eve):
            await user.send_text("/start")
            await press_in_turn(user, "🛍 Shop", "Files (1)")
            await user.wait_for(lambda m: "Book · 1.00 USD" in labels(m))

        async def reads_and_rates_again() -> None:  # the reviews, the rating screen, a saved review
            await press_in_turn(ann, "Book · 1.00 USD", "💬 1 review", "✍️ Write a review", "4 ⭐", "Skip")
            await ann.wait_for_text("is updated: ★★★★☆")

        async def cannot_afford() -> None:  # the order preview, then the purchase refused
            await press_in_turn(bob, "Book · 1.00 USD", "Buy", "✅ Confirm")
            await eventually(lambda: any("Not enough balance" in (a["text"] or "") for a in bob.callback_answers))

        async def may_not_review() -> None:  # the reviews, then the rating refused
            await press_in_turn(cy, "Book · 1.00 USD", "💬 1 review", "✍️ Write a review")
            await eventually(lambda: any("Only buyers" in (a["text"] or "") for a in cy.callback_answers))

        async def previews(user: EmulatedUser) -> None:  # the order preview, with a promo code that is not one
            await press_in_turn(user, "Book · 1.00 USD", "Buy", "🎟 Promo code")
            await user.wait_for_text("Send your promo code.")
            await user.send_text("NOPE")
            await user.wait_for_text("There is no such promo code. Send another code")

        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(reads_and_rates_again)
                nursery.start_soon(cannot_afford)
                nursery.start_soon(may_not_review)
                nursery.start_soon(previews, dee)
                nursery.start_soon(previews, eve)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak - start < BOUND, f"{(peak - start) / MB:.1f} MB allocated by screens of a {len(BOOK) // MB} MB file"
        assert (await shop.store.get_user(1002)).balance == Decimal("0.00")
        assert await shop.store.check_ledger() == []


async def test_the_file_is_uploaded_once_then_sent_by_its_file_id(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await book_shop(shop.store, Ann="5.00", Bob="5.00")
        ann, bob = shop.emu.user(1001), shop.emu.user(1002)
        await open_order(ann)
        first = await confirm(ann)
        file_id = first["document"]["file_id"]
        assert first["document"]["file_name"] == "book.pdf" and shop.emu.files[file_id].content == BOOK
        assert documents_sent(shop.emu) == [{"filename": "book.pdf", "size": len(BOOK)}]

        # The second buyer's sale reads no file and uploads nothing: Telegram's file_id goes instead.
        await open_order(bob)
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            second = await confirm(bob)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert documents_sent(shop.emu) == [{"filename": "book.pdf", "size": len(BOOK)}, file_id]
        assert second["document"]["file_unique_id"] == first["document"]["file_unique_id"]
        assert "Book" in second["caption"] and peak - start < BOUND

        # Opened again from the history, it goes by its file_id too.
        await ann.send_text("/start")
        await press_in_turn(ann, "👤 Profile", "🧾 Purchases")
        row = next(label for label in labels(await ann.wait_for_text("You have made 1 purchase")) if " · Book · " in label)
        before = len(ann.bot_messages())
        await ann.press(row)
        await eventually(lambda: sum("document" in m for m in ann.bot_messages()[before:]) == 1, what="the file again")
        assert documents_sent(shop.emu)[2:] == [file_id]
        assert (await shop.store.get_user(1002)).balance == Decimal("4.00")
        assert await shop.store.check_ledger() == []


async def test_a_file_id_telegram_refuses_is_replaced_by_a_new_upload(database_url: str) -> None:
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    old_bot = emu.create_bot(token=OLD_TOKEN, username="old_shop_bot", first_name="Shop")
    async with open_shop(database_url, emu) as shop:
        item_id = await book_shop(shop.store, Ann="5.00", Bob="5.00")
        # The shop ran on another bot before its database came to this one: the file_id it kept is that
        # bot's, and Telegram refuses another bot's file_id.
        owner = emu.user(OWNER_ID)
        await owner.send_text("/start", bot=old_bot)
        old_id = (await owner.send_document("book.pdf", BOOK, bot=old_bot))["document"]["file_id"]

        async def keep_old_id() -> None:
            await Item.filter(id=item_id).update(file_id=old_id)

        await shop.store.cross(keep_old_id)
        ann, bob = emu.user(1001), emu.user(1002)
        since = len(emu.calls)
        await open_order(ann)
        new_id = (await confirm(ann))["document"]["file_id"]
        await open_order(bob)
        again = await confirm(bob)
        assert documents_sent(emu, since) == [old_id, {"filename": "book.pdf", "size": len(BOOK)}, new_id]
        assert new_id != old_id and emu.files[new_id].content == BOOK
        assert again["document"]["file_id"] == new_id
        assert await shop.store.check_ledger() == []
