"""The purchase serializer: purchase requests in, one result out on each request's own reply channel.

Requests that arrive while a batch is in the database wait in the channel and go together in the
next batch: one transaction and one bridge crossing for many buyers (a group commit). Correctness
does not rest on this actor: every purchase is atomic in the database.
"""

import logging
from typing import NoReturn

import msgspec
import trio
from prometheus_client import Counter, Gauge, Histogram

from storage import PurchaseRequest, PurchaseResult, StorageError, StorageRefusal, Store
from telegram.routing import PurchaseUnavailable

log = logging.getLogger(__name__)

PURCHASES = Counter("shopkeeper_purchases_total", "Purchase requests, by outcome", ["outcome"])
BATCH = Histogram("shopkeeper_purchase_batch_size", "Requests per purchase transaction", buckets=(1, 2, 4, 8, 16, 32, 64, 128))
WAITING = Gauge("shopkeeper_purchase_queue", "Purchase requests waiting for the serializer to take them")

MAX_BATCH = 64


class PurchaseOrder(msgspec.Struct, frozen=True, kw_only=True):
    request: PurchaseRequest
    # The result, or the store's refusal of this one request (a bug, which the buyer's screen raises).
    reply: trio.MemorySendChannel[PurchaseResult | StorageRefusal]


class PurchaseSerializer:
    """Owns the purchase queue.

    `buy` is what the screens call; `run` is the actor. The queue's channels belong to this object,
    not to one run of the actor, so a restart by the supervisor keeps the waiting requests.
    """

    def __init__(self, store: Store, *, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        # Unbuffered: a buyer waits until the actor takes their order, which bounds the queue.
        self._send, self._receive = trio.open_memory_channel[PurchaseOrder](0)
        # The buyers waiting to hand their order over are the queue; read when the figures are.
        WAITING.set_function(lambda: self._send.statistics().tasks_waiting_send)

    async def buy(self, request: PurchaseRequest) -> PurchaseResult:
        """The purchase's result. Raises PurchaseUnavailable when the lane had none (the store out of
        reach or busy, or this actor stopping), or the store's refusal of the request (a bug, not
        something to try again)."""
        reply_send, reply_receive = trio.open_memory_channel[PurchaseResult | StorageRefusal](1)
        await self._send.send(PurchaseOrder(request=request, reply=reply_send))
        async with reply_receive:
            try:
                result = await reply_receive.receive()
            except trio.EndOfChannel:
                raise PurchaseUnavailable("the purchase could not be completed") from None
        if isinstance(result, StorageRefusal):
            raise result
        return result

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        """Serve purchase orders forever. Supports the trio nursery start protocol."""
        task_status.started()
        while True:
            batch = [await self._receive.receive()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._receive.receive_nowait())
                except trio.WouldBlock:
                    break
            # A batch that reached the database finishes even when the shop is stopping.
            with trio.CancelScope(shield=True):
                await self._settle(batch)

    async def _settle(self, batch: list[PurchaseOrder]) -> None:
        """Answer every order of the batch. Whatever happens, each reply channel is closed at the end,
        so a buyer whose order got no result (even when this actor crashes) hears PurchaseUnavailable
        instead of waiting forever."""
        try:
            await self._settle_orders(batch)
        finally:
            for order in batch:
                order.reply.close()

    async def _settle_orders(self, batch: list[PurchaseOrder]) -> None:
        BATCH.observe(len(batch))
        try:
            results = await self.store.buy([order.request for order in batch])
        except StorageError as error:
            if len(batch) == 1:
                log.error("purchase %s failed: %s", batch[0].request.key, error)
                PURCHASES.labels("failed").inc()
                if isinstance(error, StorageRefusal):
                    batch[0].reply.send_nowait(error)
                return
            # One bad request must not fail its neighbours: settle each on its own.
            log.warning("purchase batch of %d failed (%s); retrying one by one", len(batch), error)
            for order in batch:
                await self._settle_orders([order])
            return
        for order, result in zip(batch, results, strict=True):
            PURCHASES.labels(type(result).__name__).inc()
            order.reply.send_nowait(result)
