"""The live watcher (webui.live.LiveFeed) on SQLite and PostgreSQL: an id that commits after a higher
one is still handed out, once; a stream that stops reading is dropped and told to reload, without
holding up the others; closing ends every stream."""

from collections.abc import AsyncIterator

import pytest
import trio

from storage import ShopEventKind, StorageSettings, Store, open_store
from storage.feed_models import ShopEvent
from webui.live import SUBSCRIBER_BUFFER, LiveFeed


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        yield opened


async def write(store: Store, *ids: int) -> None:
    """Feed rows with these ids, as if their transactions committed in this order."""

    async def insert() -> None:
        for event_id in ids:
            await ShopEvent.create(id=event_id, kind=ShopEventKind.STAFF, summary=f"event {event_id}")

    await store.cross(insert)


def drain(receive: trio.MemoryReceiveChannel) -> list[int]:  # type: ignore[type-arg]
    ids = []
    while True:
        try:
            ids.append(receive.receive_nowait().id)
        except (trio.WouldBlock, trio.EndOfChannel):
            return ids


async def test_an_id_committed_late_is_handed_out_once(store: Store) -> None:
    live = LiveFeed(store)
    base = await store.latest_shop_event_id()
    async with trio.open_nursery() as nursery:
        await nursery.start(live.run)
        nursery.cancel_scope.cancel()
    with live.subscribe() as subscriber:
        await write(store, base + 3)
        await live.poll()
        # base+1 and base+2 were taken by transactions still open; base+1 commits now (base+2 rolls back).
        await write(store, base + 1)
        await live.poll()
        await live.poll()
        await write(store, base + 4)
        await live.poll()
        assert drain(subscriber.receive) == [base + 3, base + 1, base + 4]


async def test_a_stream_that_stops_reading_is_dropped_and_the_others_go_on(store: Store) -> None:
    live = LiveFeed(store)
    base = await store.latest_shop_event_id()
    async with trio.open_nursery() as nursery:
        await nursery.start(live.run)
        nursery.cancel_scope.cancel()
    with live.subscribe() as stalled, live.subscribe() as reading:
        await write(store, *range(base + 1, base + SUBSCRIBER_BUFFER + 1))
        await live.poll()
        assert len(drain(reading.receive)) == SUBSCRIBER_BUFFER and not stalled.dropped
        await write(store, base + SUBSCRIBER_BUFFER + 1)
        await live.poll()
        assert stalled.dropped and not reading.dropped
        assert drain(reading.receive) == [base + SUBSCRIBER_BUFFER + 1]
        # The stalled stream gets what it had, then its end (the stream then says to reload).
        assert len(drain(stalled.receive)) == SUBSCRIBER_BUFFER
        with pytest.raises(trio.EndOfChannel):
            stalled.receive.receive_nowait()


async def test_closing_ends_every_stream(store: Store) -> None:
    live = LiveFeed(store)
    with live.subscribe() as first:
        live.close()
        with pytest.raises(trio.EndOfChannel):
            await first.receive.receive()
        assert not first.dropped
    with live.subscribe() as late, pytest.raises(trio.EndOfChannel):
        await late.receive.receive()
