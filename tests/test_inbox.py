"""The update inbox on SQLite and PostgreSQL: what was handled is recorded (a replay skips it, an
update delivered again is recognised), kept a day and then pruned, and a use case asked to act once
per update (`once=`) claims it in its own transaction."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
import trio

from actors.housekeeper import Housekeeper
from storage import AlreadyHandled, StorageSettings, Store, open_store

ANN = 1001


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        await opened.register_user(1, username=None, first_name="Owner", language_code="en", owner_id=1, referrer_id=None)
        await opened.register_user(ANN, username=None, first_name="Ann", language_code="en", owner_id=1, referrer_id=None)
        yield opened


def update(update_id: int) -> tuple[int, int, bytes]:
    return update_id, ANN, msgspec.json.encode({"update_id": update_id})


async def kept(store: Store) -> list[int]:
    return [msgspec.json.decode(payload)["update_id"] for payload in await store.unhandled_updates()]


async def test_handled_updates_are_recorded_skipped_and_pruned_after_a_day(store: Store) -> None:
    assert await store.stash_updates([update(1), update(2), update(3)]) == [1, 2, 3]
    await store.mark_handled([1, 3])
    assert await kept(store) == [2], "a replay takes only what was not handled"
    # Telegram delivers 2 and 3 again (and 4 for the first time): only 4 is new, whether the others were handled or not.
    assert await store.stash_updates([update(2), update(3), update(4)]) == [4]
    assert await kept(store) == [2, 4]

    housekeeper = Housekeeper(store, 0)
    now = datetime.now(UTC)
    assert await housekeeper.forget_handled(now + timedelta(hours=23)) == 0, "kept for Telegram's redelivery window"
    assert await housekeeper.forget_handled(now + timedelta(days=1, minutes=1)) == 2
    assert await kept(store) == [2, 4], "unhandled updates stay, however old"
    assert await store.stash_updates([update(1)]) == [1], "a day later, an id is new again"


async def test_an_id_given_to_another_update_is_a_new_update(store: Store) -> None:
    """A new bot token on this database, or a restarted emulator, numbers its updates afresh: an id
    kept for another update (other JSON) does not hide the new one."""
    assert await store.stash_updates([update(1)]) == [1]
    await store.mark_handled([1])
    other = (1, ANN, msgspec.json.encode({"update_id": 1, "message": "another"}))
    assert await store.stash_updates([other]) == [1]
    assert await store.unhandled_updates() == [other[2]]


async def test_an_effect_claims_its_update_once(store: Store) -> None:
    await store.create_promo("MANY5", "credit", Decimal("5.00"), once_per_user=False)
    await store.stash_updates([update(10)])
    first = await store.redeem_promo("MANY5", ANN, once=10)
    assert first.balance == Decimal("5.00")
    assert await kept(store) == [], "the claim marked the update handled with the credit"
    with pytest.raises(AlreadyHandled):
        await store.redeem_promo("MANY5", ANN, once=10)
    user = await store.get_user(ANN)
    assert user is not None and user.balance == Decimal("5.00"), "the replay changed nothing"
    # Without an update (the CLI, a test), or with one the inbox never held, there is nothing to claim.
    assert (await store.redeem_promo("MANY5", ANN)).balance == Decimal("10.00")
    assert (await store.redeem_promo("MANY5", ANN, once=99)).balance == Decimal("15.00")


async def test_the_staffs_effects_and_disputes_claim_their_update(store: Store) -> None:
    await store.stash_updates([update(20), update(21), update(22)])
    assert await store.adjust_balance(ANN, Decimal("3.00"), "goodwill", actor_id=1, once=20) == Decimal("3.00")
    with pytest.raises(AlreadyHandled):
        await store.adjust_balance(ANN, Decimal("3.00"), "goodwill", actor_id=1, once=20)
    await store.create_broadcast(1, "News", "all", once=21)
    with pytest.raises(AlreadyHandled):
        await store.create_broadcast(1, "News", "all", once=21)
    assert len(await store.recent_broadcasts(10)) == 1
    await store.open_dispute(ANN, "charged twice", recent=5, once=22)
    with pytest.raises(AlreadyHandled):
        await store.open_dispute(ANN, "charged twice", recent=5, once=22)
    events = await store.audit_page(1, 20)
    assert [e.action for e in events.rows].count("payment.dispute") == 1
    assert [e.action for e in events.rows].count("balance.adjust") == 1
    user = await store.get_user(ANN)
    assert user is not None and user.balance == Decimal("3.00")


async def test_a_webhook_update_is_taken_by_one_taker_only(store: Store) -> None:
    """Webhook mode: each request's update is taken in the inbox before its 200; of two processes
    that get the same update at once (a redelivery racing the first request), exactly one takes it."""
    won: list[int] = []

    async def take(update_id: int) -> None:
        if await store.take_update(*update(update_id)) == "kept":
            won.append(update_id)

    async with trio.open_nursery() as nursery:
        for update_id in range(1, 21):
            nursery.start_soon(take, update_id)
            nursery.start_soon(take, update_id)
    assert sorted(won) == list(range(1, 21))
    assert await store.take_update(*update(5)) == "duplicate", "delivered again: already taken"
    await store.mark_handled([5])
    assert await store.take_update(*update(5)) == "duplicate", "delivered again after handling: still taken"
    other = (5, ANN, msgspec.json.encode({"update_id": 5, "message": "another"}))
    assert await store.take_update(*other) == "kept", "an id reused for another update is new"
    assert other[2] in await store.unhandled_updates()
