"""Conversation state (telegram.routing.StateSlot): a typed value per user that lasts its TTL, the same
in process and on Redis, under the keys the shop has always used; a value that does not decode (an
older format, a hand-written one) reads as absent."""

import random

import msgspec
import pytest
import redis
import trio
import trio.testing

from storage import KeyValue, StorageSettings, StorageUnavailable, open_store
from storage.kv import MemoryKV
from telegram.routing import StateSlot
from telegram.routing.context import PENDING, PENDING_SECONDS, Pending
from telegram.screens.admin.broadcasts import DRAFT, DRAFT_SECONDS, Draft
from telegram.screens.user.buy import CHECKOUT, CHECKOUT_SECONDS, Checkout
from tests.support.servers import REDIS_URL, missing_service


def someone() -> int:
    """A user id of this test alone (Redis is shared with other test runs)."""
    return random.randrange(10**12, 10**13)


async def test_each_slot_gives_back_what_was_saved_for_that_user_alone(kv: KeyValue) -> None:
    ann, bob = someone(), someone()
    saved = [
        (PENDING, Pending(name="promo_code", data={"item_id": 7, "quantity": 2})),
        (CHECKOUT, Checkout(item_id=7, code="SPRING")),
        (DRAFT, Draft(text="<b>Sale</b> — до пятницы", audience="ru", button_text="Open", button_url="https://t.me/x")),
    ]
    for slot, value in saved:
        assert await slot.load(kv, ann) is None
        await slot.save(kv, ann, value)
    for slot, value in saved:
        assert await slot.load(kv, ann) == value
        assert await slot.load(kv, bob) is None
    # A save replaces the value.
    await CHECKOUT.save(kv, ann, Checkout(item_id=8, code="AUTUMN"))
    assert await CHECKOUT.load(kv, ann) == Checkout(item_id=8, code="AUTUMN")
    for slot, _ in saved:
        await slot.clear(kv, ann)
        assert await slot.load(kv, ann) is None


async def test_state_saved_before_the_slots_reads_on(kv: KeyValue) -> None:
    """The keys and their JSON are what the hand-made state wrote: a question asked, a code applied or
    a draft begun just before an upgrade is still there after it (on Redis, across the restart)."""
    ann = someone()
    await kv.set(f"pending:{ann}", '{"name":"quantity","data":{"item_id":3}}', ttl=60)
    await kv.set(f"checkout:{ann}", '{"item_id":3,"code":"SPRING"}', ttl=60)
    await kv.set(f"broadcast-draft:{ann}", '{"text":"Hi","audience":"buyers","button_text":null,"button_url":null}', ttl=60)
    assert await PENDING.load(kv, ann) == Pending(name="quantity", data={"item_id": 3})
    assert await CHECKOUT.load(kv, ann) == Checkout(item_id=3, code="SPRING")
    assert await DRAFT.load(kv, ann) == Draft(text="Hi", audience="buyers")
    for slot in (PENDING, CHECKOUT, DRAFT):
        await slot.clear(kv, ann)


UNDECODABLE = ["x", "", "[1, 2]", '{"item_id": "seven", "code": "SPRING"}', '{"code": "SPRING"}', '{"item_id": 1']


@pytest.mark.parametrize("raw", UNDECODABLE)
async def test_a_value_that_does_not_decode_reads_as_absent(kv: KeyValue, raw: str) -> None:
    ann = someone()
    await kv.set(CHECKOUT.key(ann), raw, ttl=60)
    assert await CHECKOUT.load(kv, ann) is None
    # The step starts again: a new value is saved over it and read back.
    await CHECKOUT.save(kv, ann, Checkout(item_id=1, code="SPRING"))
    assert await CHECKOUT.load(kv, ann) == Checkout(item_id=1, code="SPRING")
    await CHECKOUT.clear(kv, ann)


async def test_in_process_a_value_lasts_its_ttl_from_its_last_save(autojump_clock: trio.testing.MockClock) -> None:
    kv = MemoryKV()
    slot = StateSlot("test-step", Checkout, ttl=600.0)
    await slot.save(kv, 1, Checkout(item_id=1, code="SPRING"))
    await trio.sleep(599)
    assert await slot.load(kv, 1) == Checkout(item_id=1, code="SPRING")
    await slot.save(kv, 1, Checkout(item_id=1, code="AUTUMN"))  # a save starts the TTL anew
    await trio.sleep(599)
    assert await slot.load(kv, 1) == Checkout(item_id=1, code="AUTUMN")
    await trio.sleep(2)
    assert await slot.load(kv, 1) is None


@pytest.mark.parametrize(("slot", "seconds"), [(PENDING, PENDING_SECONDS), (CHECKOUT, CHECKOUT_SECONDS), (DRAFT, DRAFT_SECONDS)])
async def test_the_shops_slots_last_as_long_as_they_always_did(
    autojump_clock: trio.testing.MockClock, slot: StateSlot[msgspec.Struct], seconds: float
) -> None:
    kv = MemoryKV()
    value = {PENDING: Pending(name="search"), CHECKOUT: Checkout(item_id=1, code="SPRING"), DRAFT: Draft(text="Hi")}[slot]
    await slot.save(kv, 1, value)
    await trio.sleep(seconds - 1)
    assert await slot.load(kv, 1) == value
    await trio.sleep(2)
    assert await slot.load(kv, 1) is None


@pytest.mark.redis
async def test_on_redis_a_value_carries_its_ttl(sqlite_url: str) -> None:
    """Redis keeps time itself: the key is written with the slot's TTL, renewed by each save."""
    settings = StorageSettings(database_url=sqlite_url, redis_url=REDIS_URL)
    ann = someone()
    try:
        async with open_store(settings) as store:
            await PENDING.save(store.kv, ann, Pending(name="search"))
            server = redis.Redis.from_url(REDIS_URL)
            assert (PENDING_SECONDS - 60) * 1000 < server.pttl(f"pending:{ann}") <= PENDING_SECONDS * 1000
            server.pexpire(f"pending:{ann}", 1000)
            await PENDING.save(store.kv, ann, Pending(name="search"))
            assert server.pttl(f"pending:{ann}") > (PENDING_SECONDS - 60) * 1000
            await PENDING.clear(store.kv, ann)
    except StorageUnavailable as error:
        missing_service(f"Redis at {REDIS_URL}", error)
