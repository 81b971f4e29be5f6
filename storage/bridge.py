"""The one asyncio bridge: a trio_asyncio loop, the Tortoise context, and the trio door to the store.

Tortoise is asyncio-only. `open_store` opens one trio_asyncio loop for the life of the process, enters
the Tortoise context in the calling trio task (Tortoise keeps its state in context variables, which
flow from a trio task into an asyncio call but never back out), initialises the connections and runs
the migrations. Every use case is an asyncio coroutine that opens its own transaction; `Store` exposes
each one to trio as one crossing.
"""

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, NoReturn

import trio
import trio_asyncio
from cachetools import LRUCache
from prometheus_client import Histogram
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext, _current_context

from storage import (
    access,
    audit,
    broadcasts,
    catalog,
    catalog_admin,
    catalog_import,
    cursors,
    dashboard,
    disputes,
    exports,
    feed,
    funnel,
    history,
    inbox,
    invalidation,
    invoices,
    item_files,
    leases,
    ledger,
    notices,
    orders,
    planner,
    promos,
    purchases,
    refunds,
    reviews,
    settlement,
    staff,
    staff_notices,
    statistics,
    stock,
    switches,
    users,
    web_sessions,
)
from storage.catalog_cache import CatalogCache
from storage.config import StorageSettings, backend_of, tortoise_config
from storage.crossing import run_to_the_end
from storage.driver_errors import DRIVER_ERRORS, UNREACHABLE, is_retryable, translated
from storage.errors import StockKeyError, StorageUnavailable
from storage.invalidation import CATALOG, SWITCHES, USER, Invalidations
from storage.kv import KeyValue, MemoryKV, RedisKV, close_redis_client, open_redis_client
from storage.migrating import migrate as migrate_schema
from storage.vault import Vault, bind_vault, current_vault, key_source, load_key

log = logging.getLogger(__name__)

# A SQLite transaction that read before another process committed cannot upgrade to a writer, and
# PostgreSQL may pick a transaction as a deadlock or serialization victim; the use case is one
# transaction, rolled back whole, so running it again is safe.
RETRIES = 5
# The (user, funnel step) pairs this process has noted (see Store.reach): some 150 bytes each.
MILESTONES_KEPT = 20_000

# Each use case's time in its crossing (retries included), labelled with its function's name: a
# label from the code, never from input. Two clock reads and one observation per crossing.
USE_CASE_SECONDS = Histogram(
    "shopkeeper_use_case_seconds",
    "Time of one store use case (one bridge crossing, its retries included), by use case",
    ["use_case"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


async def _in_context[**P, R](
    tortoise: TortoiseContext, sealer: Vault, fn: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs
) -> R:
    # Runs as its own asyncio Task, whose context is a copy: setting the variables here is seen by
    # this use case only, whichever trio task asked for it.
    _current_context.set(tortoise)
    current_vault.set(sealer)
    return await fn(*args, **kwargs)


def use_case[**P, R](
    fn: Callable[P, Awaitable[R]], *, changes: str | None = None
) -> Callable[Concatenate["Store", P], Awaitable[R]]:
    """A Store method running `fn` in one crossing. One that `changes` a topic of cached state
    (storage.invalidation) tells every process's caches: CATALOG (anything a buyer's catalog screens
    show: categories, items, their stock or rating), USER (the user whose id is the first argument),
    SWITCHES (the shop-wide switches)."""

    @functools.wraps(fn)
    async def method(self: "Store", *args: P.args, **kwargs: P.kwargs) -> R:
        return await self.cross(fn, *args, **kwargs)

    @functools.wraps(fn)
    async def changing(self: "Store", *args: P.args, **kwargs: P.kwargs) -> R:
        news = invalidation.message(changes or "", args[0] if changes == invalidation.USER else "")
        try:
            result = await self.cross(fn, *args, **kwargs)
        finally:
            # Dropped here even when the use case failed: it may have failed after its commit.
            self.invalidations.apply(news)
        await self.tell_others(news)
        return result

    return method if changes is None else changing


def catalog_read[**P, R](fn: Callable[P, Awaitable[R]]) -> Callable[Concatenate["Store", P], Awaitable[R]]:
    """A Store method answering a buyer's catalog screen from the catalog cache, or in one crossing."""

    @functools.wraps(fn)
    async def method(self: "Store", *args: P.args, **kwargs: P.kwargs) -> R:
        key = (fn.__name__, args, tuple(sorted(kwargs.items())))
        return await self.catalog_cache.get(key, functools.partial(self.cross, fn, *args, **kwargs))

    return method


class Store:
    """The shop's data, as seen from trio: each method is one use case in one transaction.

    Usable from any trio task while `open_store` is open: the crossing names its loop and Tortoise
    context explicitly instead of relying on the calling task's context variables.
    """

    def __init__(
        self,
        backend: str,
        loop: trio_asyncio.TrioEventLoop,
        tortoise: TortoiseContext,
        *,
        vault: Vault,
        catalog_cache_seconds: float,
    ) -> None:
        self.backend = backend
        self._loop = loop
        self._tortoise = tortoise
        self._vault = vault
        self.kv: KeyValue = MemoryKV()
        self.catalog_cache = CatalogCache(catalog_cache_seconds)
        self.invalidations = Invalidations()
        self.invalidations.on(CATALOG, lambda _: self.catalog_cache.invalidate())
        self._milestones: LRUCache[tuple[int, funnel.Step], bool] = LRUCache(maxsize=MILESTONES_KEPT)

    async def cross[**P, R](self, fn: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one asyncio use case from trio: one crossing, errors mapped to the storage tree."""
        started = time.perf_counter()
        try:
            for attempt in range(RETRIES):
                try:
                    return await run_to_the_end(
                        self._loop, fn.__name__, _in_context(self._tortoise, self._vault, fn, *args, **kwargs)
                    )
                # Tortoise leaves some driver errors untranslated (a deadlock victim, a lost connection, too many parameters).
                except DRIVER_ERRORS as error:
                    if attempt == RETRIES - 1 or not is_retryable(error):
                        raise translated(fn.__name__, error) from error
                    await trio.sleep(0.01 * 2**attempt)
            raise AssertionError("unreachable")
        finally:
            USE_CASE_SECONDS.labels(fn.__name__).observe(time.perf_counter() - started)

    register_user = use_case(users.register_user)
    settle_owner = use_case(users.settle_owner)
    get_user = use_case(users.get_user)
    set_language = use_case(users.set_language, changes=USER)
    credit_user = use_case(ledger.credit_user)
    check_ledger = use_case(ledger.check_ledger)
    profile = use_case(users.profile)
    ledger_page = use_case(ledger.ledger_page)
    purchase_history = use_case(history.purchase_history)
    purchase_of = use_case(history.purchase_of)
    record_event = use_case(audit.record_event)
    audit_page = use_case(audit.audit_page)
    prune_audit = use_case(audit.prune_audit)
    add_category = use_case(catalog.add_category, changes=CATALOG)
    add_item = use_case(catalog.add_item, changes=CATALOG)
    add_items = use_case(catalog.add_items, changes=CATALOG)
    add_stock = use_case(stock.add_stock, changes=CATALOG)
    category_tree = use_case(catalog_admin.category_tree)
    admin_item = use_case(catalog_admin.admin_item)
    rename_category = use_case(catalog_admin.rename_category, changes=CATALOG)
    set_category_hidden = use_case(catalog_admin.set_category_hidden, changes=CATALOG)
    delete_category = use_case(catalog_admin.delete_category, changes=CATALOG)
    update_item = use_case(catalog_admin.update_item, changes=CATALOG)
    set_item_hidden = use_case(catalog_admin.set_item_hidden, changes=CATALOG)
    delete_item = use_case(catalog_admin.delete_item, changes=CATALOG)
    stock_items = use_case(catalog_admin.stock_items)
    list_categories = use_case(catalog.list_categories)
    list_items = use_case(catalog.list_items)
    get_item = use_case(catalog.get_item)
    shop_page = catalog_read(catalog.shop_page)
    category_page = catalog_read(catalog.category_page)
    item_card = catalog_read(catalog.item_card)
    search_items = use_case(catalog.search_items)
    purchase_preview = use_case(purchases.purchase_preview)
    seed_demo_catalog = use_case(catalog.seed_demo_catalog, changes=CATALOG)
    buy = use_case(purchases.buy, changes=CATALOG)
    item_file = use_case(item_files.item_file)
    keep_file_id = use_case(item_files.keep_file_id)
    stash_updates = use_case(inbox.stash_updates)
    take_update = use_case(inbox.take_update)
    take_updates = use_case(inbox.take_updates)
    waits_behind = use_case(inbox.waits_behind)
    mark_handled = use_case(inbox.mark_handled)
    unhandled_updates = use_case(inbox.unhandled_updates)
    adopt_updates = use_case(inbox.adopt_updates)
    beat = use_case(inbox.beat)
    stop_beating = use_case(inbox.stop_beating)
    prune_inbox = use_case(inbox.prune_inbox)
    refresh_statistics = use_case(planner.refresh_statistics)
    open_dispute = use_case(disputes.open_dispute)
    create_promo = use_case(promos.create_promo)
    list_promos = use_case(promos.list_promos)
    disable_promo = use_case(promos.disable_promo)
    redeem_promo = use_case(promos.redeem_promo)
    review_target = use_case(reviews.review_target)
    save_review = use_case(reviews.save_review, changes=CATALOG)
    item_reviews = use_case(reviews.item_reviews)
    open_order = use_case(orders.open_order)
    attach_invoice = use_case(orders.attach_invoice)
    get_payment = use_case(orders.get_payment)
    find_payment = use_case(orders.find_payment)
    recent_payments = use_case(orders.recent_payments)
    pre_checkout = use_case(orders.pre_checkout)
    settle_payment = use_case(settlement.settle_payment, changes=CATALOG)
    expire_orders = use_case(orders.expire_orders)
    open_invoices = use_case(orders.open_invoices)
    refunding_payments = use_case(refunds.refunding_payments)
    begin_refund = use_case(refunds.begin_refund)
    finish_refund = use_case(refunds.finish_refund)
    record_refunded = use_case(refunds.record_refunded)
    claim_notice = use_case(notices.claim_notice)
    notice_sent = use_case(notices.notice_sent)
    release_notice = use_case(notices.release_notice)
    payment_notice = use_case(notices.payment_notice)
    untold_payments = use_case(notices.untold_payments)
    star_offset = use_case(cursors.star_offset)
    advance_star_offset = use_case(cursors.advance_star_offset)
    crypto_invoice_for = use_case(invoices.crypto_invoice_for)
    authorize = use_case(access.authorize)
    grant_admin = use_case(staff.grant_admin, changes=USER)
    revoke_admin = use_case(staff.revoke_admin, changes=USER)
    set_blocked = use_case(staff.set_blocked, changes=USER)
    find_user = use_case(staff.find_user)
    list_admins = use_case(staff.list_admins)
    adjust_balance = use_case(staff.adjust_balance)
    issue_sign_in = use_case(web_sessions.issue_sign_in)
    redeem_sign_in = use_case(web_sessions.redeem_sign_in)
    web_session = use_case(web_sessions.web_session)
    end_web_session = use_case(web_sessions.end_web_session)
    prune_web_sign_ins = use_case(web_sessions.prune_web_sign_ins)
    audience_size = use_case(broadcasts.audience_size)
    create_broadcast = use_case(broadcasts.create_broadcast)
    get_broadcast = use_case(broadcasts.get_broadcast)
    running_broadcasts = use_case(broadcasts.running_broadcasts)
    recent_broadcasts = use_case(broadcasts.recent_broadcasts)
    audience_batch = use_case(broadcasts.audience_batch)
    record_batch = use_case(broadcasts.record_batch)
    take_lease = use_case(leases.take_lease)
    release_lease = use_case(leases.release_lease)
    finish_broadcast = use_case(broadcasts.finish_broadcast)
    move_broadcast = use_case(broadcasts.move_broadcast)
    set_progress_message = use_case(broadcasts.set_progress_message)
    shop_switches = use_case(switches.shop_switches)
    set_maintenance = use_case(switches.set_maintenance, changes=SWITCHES)
    is_sandbox = use_case(switches.is_sandbox)
    claim_sandbox = use_case(switches.claim_sandbox)
    shop_statistics = use_case(statistics.shop_statistics)
    dashboard_kpis = use_case(dashboard.dashboard_kpis)
    dashboard_figures = use_case(dashboard.dashboard)
    export_page = use_case(exports.export_page)
    import_stock = use_case(stock.import_stock, changes=CATALOG)
    unsold_units = use_case(stock.unsold_units)
    remove_unit = use_case(stock.remove_unit, changes=CATALOG)
    import_catalog = use_case(catalog_import.import_catalog, changes=CATALOG)
    get_promo = use_case(promos.get_promo)
    notice_choices = use_case(staff_notices.notice_choices)
    choose_notices = use_case(staff_notices.choose_notices)
    notice_recipients = use_case(staff_notices.notice_recipients)
    due_digests = use_case(staff_notices.due_digests)
    claim_digest = use_case(staff_notices.claim_digest)
    release_digest = use_case(staff_notices.release_digest)
    mark_bot_blocked = use_case(staff_notices.mark_bot_blocked, changes=USER)
    claim_running_low = use_case(staff_notices.claim_running_low)
    claim_stuck_payments = use_case(staff_notices.claim_stuck_payments)
    notice_cursor = use_case(staff_notices.notice_cursor)
    advance_notice_cursor = use_case(staff_notices.advance_notice_cursor)
    sales_of = use_case(staff_notices.sales_of)
    shop_events_after = use_case(feed.shop_events_after)
    latest_shop_event_id = use_case(feed.latest_shop_event_id)
    shop_events_among = use_case(feed.shop_events_among)
    shop_events_page = use_case(feed.shop_events_page)
    record_crash = use_case(feed.record_crash)
    prune_shop_events = use_case(feed.prune_shop_events)

    async def reach(self, user_id: int, step: funnel.Step) -> None:
        """Note that a user reached a funnel step (storage.funnel), now. A user this process noted at that
        step already costs nothing: their repeated item views write nothing and do not cross."""
        if (user_id, step) in self._milestones:
            return
        await self.cross(funnel.reach_step, user_id, step, datetime.now(UTC))
        self._milestones[(user_id, step)] = True

    async def tell_others(self, news: str) -> None:
        """Publish a change (storage.invalidation) for the other processes' caches; Redis out of reach
        costs them only time (their caches expire), never the change itself."""
        try:
            await self.kv.publish(invalidation.CHANNEL, news)
        except DRIVER_ERRORS as error:
            log.warning("change %s not published: %s", news, error)

    async def watch_changes(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        """Drop what this process cached of every change another process publishes, for ever.
        Supports the trio nursery start protocol: started once listening. Whatever changed before
        (while nobody here listened) is unknown, so every cache is dropped first."""
        self.invalidations.apply_everything()
        await self.kv.listen(invalidation.CHANNEL, self.invalidations.apply, task_status=task_status)

    async def ping(self) -> bool:
        """True when the database answers a trivial query; raises StorageUnavailable otherwise."""
        return await self.cross(_ping, self.backend)


async def _ping(connection_name: str) -> bool:
    await get_connection(connection_name).execute_query("SELECT 1")
    return True


@asynccontextmanager
async def open_store(settings: StorageSettings, *, migrate: bool = True) -> AsyncIterator[Store]:
    """Open the database for the life of the block; migrate it to the latest schema first.

    Resource handling: the trio_asyncio loop, the Tortoise context and its connections (an asyncpg
    pool on PostgreSQL, one connection in WAL mode on SQLite) live exactly as long as the block.
    With `redis_url` set, `store.kv` is Redis (checked with a PING at start); otherwise it is in process.
    Error handling: an unreachable database or Redis raises StorageUnavailable.
    """
    backend = backend_of(settings.database_url)
    config = tortoise_config(settings)
    if backend == "sqlite":
        Path(config["connections"]["sqlite"]["credentials"]["file_path"]).parent.mkdir(parents=True, exist_ok=True)
    # trio_asyncio's loop runs in a nursery, which wraps whatever the block raises in an exception
    # group; callers get the error itself when there is one.
    try:
        async with trio_asyncio.open_loop() as loop:
            with TortoiseContext() as ctx:
                try:
                    try:
                        await trio_asyncio.aio_as_trio(ctx.init)(config=config)
                        if migrate:
                            await trio_asyncio.aio_as_trio(migrate_schema)(config, backend)
                    except UNREACHABLE as error:
                        raise StorageUnavailable(f"database unavailable: {error}") from error
                    # Only once the database answered: a shop that cannot reach it leaves no key file behind.
                    try:
                        sealer = Vault(load_key(settings))
                    except (OSError, ValueError) as error:
                        raise StockKeyError(f"stock key: {error}") from error
                    store = Store(backend, loop, ctx, vault=sealer, catalog_cache_seconds=settings.catalog_cache_seconds)
                    try:
                        await store.cross(bind_vault)
                    except StockKeyError as error:
                        raise StockKeyError(f"{error} {key_source(settings)}") from None
                    if settings.redis_url:
                        client = await store.cross(open_redis_client, settings.redis_url)
                        store.kv = RedisKV(store.cross, client)
                    try:
                        yield store
                    finally:
                        if isinstance(store.kv, RedisKV):
                            with trio.CancelScope(shield=True):
                                await store.cross(close_redis_client, client)
                finally:
                    with trio.CancelScope(shield=True):
                        await trio_asyncio.aio_as_trio(ctx.close_connections)()
    except BaseExceptionGroup as group:
        inner: BaseException = group
        while isinstance(inner, BaseExceptionGroup) and len(inner.exceptions) == 1:
            inner = inner.exceptions[0]
        raise inner from None
