"""Purchases under contention: exactly the stock is sold, each unit once, and money adds up."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from actors.purchases import PurchaseSerializer
from actors.supervisor import ActorStatus, supervise
from storage import (
    Delivered,
    PromoCredited,
    PromoRefusal,
    PromoRejected,
    PurchaseRequest,
    SoldOut,
    Store,
    StorageSettings,
    open_store,
)
from telegram.routing import PurchaseUnavailable

ROOT = Path(__file__).resolve().parents[1]
# Where the scripts run as the races' second processes are.
SUPPORT = ROOT / "tests" / "support"


async def stock_one_item(store: Store, units: int, buyers: range, *, balance: str = "10.00") -> int:
    await store.add_category("Keys")
    item = await store.add_item("Keys", "Hot item", Decimal("3.00"))
    await store.add_stock("Hot item", [f"UNIT-{n:03d}" for n in range(units)])
    for user_id in buyers:
        await store.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=1)
        await store.credit_user(user_id, Decimal(balance), kind="topup", reason="race")
    return item.id


async def test_200_buyers_50_units(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        buyers = range(10_000, 10_200)
        item_id = await stock_one_item(store, 50, buyers)
        serializer = PurchaseSerializer(store)
        results: dict[int, object] = {}
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serializer.run)

            async def buy(user_id: int) -> None:
                results[user_id] = await serializer.buy(PurchaseRequest(key=f"race:{user_id}", user_id=user_id, item_id=item_id))

            async with trio.open_nursery() as crowd:
                for user_id in buyers:
                    crowd.start_soon(buy, user_id)
            nursery.cancel_scope.cancel()

        delivered = [r for r in results.values() if isinstance(r, Delivered)]
        refused = [r for r in results.values() if isinstance(r, SoldOut)]
        assert len(delivered) == 50 and len(refused) == 150
        units = [u for r in delivered for u in r.units]
        assert len(set(units)) == 50
        assert await store.check_ledger() == []
        for user_id, result in results.items():
            expected = Decimal("7.00") if isinstance(result, Delivered) else Decimal("10.00")
            assert (await store.get_user(user_id)).balance == expected
        assert (await store.get_item(item_id)).stock_left == 0


async def test_a_replayed_request_buys_once(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        item_id = await stock_one_item(store, 3, range(500, 501))
        request = PurchaseRequest(key="cb:same-press", user_id=500, item_id=item_id)
        first, again_in_batch = await store.buy([request, request])
        (later,) = await store.buy([request])
        assert isinstance(first, Delivered) and later.repeated
        assert first.units == again_in_batch.units == later.units
        assert (await store.get_user(500)).balance == Decimal("7.00")
        assert (await store.get_item(item_id)).stock_left == 2


@pytest.mark.postgres
async def test_two_processes_on_one_postgres_never_sell_a_unit_twice(postgres_url: str) -> None:
    async with open_store(StorageSettings(database_url=postgres_url)) as store:
        item_id = await stock_one_item(store, 50, range(20_000, 20_200))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def launch(first: int) -> subprocess.Popen[str]:
        args = [sys.executable, str(SUPPORT / "buyer_process.py"), postgres_url, str(item_id), str(first), "100"]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    processes = [launch(20_000), launch(20_100)]
    lines = []
    for process in processes:
        out, err = await trio.to_thread.run_sync(process.communicate)
        assert process.returncode == 0, err
        lines += [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 200
    delivered = [line for line in lines if line["kind"] == "Delivered"]
    assert len(delivered) == 50
    assert sum(line["kind"] == "SoldOut" for line in lines) == 150
    units = [u for line in delivered for u in line["units"]]
    assert len(units) == len(set(units)) == 50
    async with open_store(StorageSettings(database_url=postgres_url)) as store:
        assert await store.check_ledger() == []
        assert (await store.get_item(item_id)).stock_left == 0


async def race_in_transactions(store: Store, requests: list[PurchaseRequest]) -> list[object]:
    """Each request in its own transaction, all started at once from their own trio tasks."""
    results: list[object] = [None] * len(requests)

    async def buy(index: int) -> None:
        (results[index],) = await store.buy([requests[index]])

    async with trio.open_nursery() as crowd:
        for index in range(len(requests)):
            crowd.start_soon(buy, index)
    return results


async def test_two_buyers_of_the_last_units_never_both_succeed(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        item_id = await stock_one_item(store, 5, range(600, 602), balance="30.00")
        for round_ in range(3):
            # 5 then 2 units left: two orders that each fit, but not both.
            want = 3 if round_ == 0 else 2
            results = await race_in_transactions(
                store, [PurchaseRequest(key=f"last:{round_}:{u}", user_id=u, item_id=item_id, quantity=want) for u in (600, 601)]
            )
            delivered = [r for r in results if isinstance(r, Delivered)]
            assert len(delivered) <= 1 and all(isinstance(r, Delivered | SoldOut) for r in results), results
            assert all(len(r.units) == want for r in delivered)
        assert (await store.get_item(item_id)).stock_left == 0
        assert await store.check_ledger() == []


async def promo_setup(store: Store, buyers: range, **promo: object) -> int:
    item_id = await stock_one_item(store, 100, buyers)
    await store.create_promo("LAST", promo.pop("kind", "percent"), Decimal(promo.pop("value", "50")), **promo)  # type: ignore[arg-type]
    return item_id


def assert_one_winner(results: list[object], winner: type, refused: type) -> None:
    assert sum(isinstance(r, winner) for r in results) == 1, results
    assert all(isinstance(r, winner) or (isinstance(r, refused) and r.reason == "used_up") for r in results), results


async def test_buyers_racing_for_the_last_use_of_a_code(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        buyers = range(800, 820)
        item_id = await promo_setup(store, buyers, max_uses=1)
        results = await race_in_transactions(
            store, [PurchaseRequest(key=f"promo:{u}", user_id=u, item_id=item_id, promo_code="last") for u in buyers]
        )
        assert_one_winner(results, Delivered, PromoRejected)
        winner = next(r for r in results if isinstance(r, Delivered))
        assert winner.total == Decimal("1.50") and winner.discount == Decimal("1.50")
        assert [p.uses for p in (await store.list_promos()).rows] == [1]
        assert (await store.get_item(item_id)).stock_left == 99
        assert await store.check_ledger() == []


async def test_redeemers_racing_for_the_last_use_of_a_credit_code(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        buyers = range(900, 920)
        await promo_setup(store, buyers, kind="credit", value="5.00", max_uses=1)
        async with trio.open_nursery() as crowd:
            results: list[object] = []

            async def redeem(user_id: int) -> None:
                results.append(await store.redeem_promo("LAST", user_id))

            for user_id in buyers:
                crowd.start_soon(redeem, user_id)
        assert_one_winner(results, PromoCredited, PromoRefusal)
        # One user racing themself for a once-per-user code with unlimited uses gets it once.
        await store.create_promo("MINE", "credit", Decimal("1.00"))
        async with trio.open_nursery() as crowd:
            for _ in range(10):
                crowd.start_soon(store.redeem_promo, "MINE", 900)
        assert [(p.code, p.uses) for p in (await store.list_promos()).rows] == [("LAST", 1), ("MINE", 1)]
        assert sum([(await store.get_user(u)).balance for u in buyers]) == Decimal("10.00") * 20 + Decimal("6.00")
        assert await store.check_ledger() == []


@pytest.mark.parametrize("mode", ["buy", "redeem"])
async def test_two_processes_race_for_the_last_use_of_a_code(database_url: str, mode: str) -> None:
    buyers = range(30_000, 30_040)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        promo = {"kind": "credit", "value": "5.00"} if mode == "redeem" else {}
        item_id = await promo_setup(store, buyers, max_uses=1, **promo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def launch(first: int) -> subprocess.Popen[str]:
        args = [sys.executable, str(SUPPORT / "promo_process.py"), database_url, mode, "LAST", str(first), "20", str(item_id)]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    processes = [launch(30_000), launch(30_020)]
    lines = []
    for process in processes:
        out, err = await trio.to_thread.run_sync(process.communicate)
        assert process.returncode == 0, err
        lines += [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 40
    winner, refused = ("Delivered", "PromoRejected") if mode == "buy" else ("PromoCredited", "PromoRefusal")
    assert sum(line["result"] == winner for line in lines) == 1, lines
    assert all(line["result"] == winner or (line["result"] == refused and line["reason"] == "used_up") for line in lines)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        assert [p.uses for p in (await store.list_promos()).rows] == [1]
        assert await store.check_ledger() == []


async def test_a_crash_in_the_purchase_actor_answers_its_buyer_and_the_next_purchase_works(sqlite_url: str) -> None:
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        item_id = await stock_one_item(store, 2, range(20_000, 20_001))
        serializer = PurchaseSerializer(store)
        async with trio.open_nursery() as nursery:
            await nursery.start(supervise, "purchases", serializer.run, ActorStatus())
            # No user id is that large: the database driver raises outside the storage error tree
            # and the actor crashes mid-batch.
            impossible = PurchaseRequest(key="crash", user_id=2**70, item_id=item_id)
            with trio.fail_after(5), pytest.raises(PurchaseUnavailable):
                await serializer.buy(impossible)
            with trio.fail_after(5):
                result = await serializer.buy(PurchaseRequest(key="after", user_id=20_000, item_id=item_id))
            assert isinstance(result, Delivered)
            nursery.cancel_scope.cancel()
        assert await store.check_ledger() == []


async def test_a_batch_claiming_thousands_of_units_sells_them_all(database_url: str) -> None:
    """17,000 units in one transaction: more than PostgreSQL takes parameters in one statement."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await store.add_category("Keys")
        item = await store.add_item("Keys", "Bulk", Decimal("0.01"))
        for start in range(0, 17_000, 5_000):
            await store.add_stock("Bulk", [f"U{n}" for n in range(start, min(start + 5_000, 17_000))])
        requests = []
        for user_id in range(30_000, 30_017):
            await store.register_user(user_id, username=None, first_name="u", language_code="en", owner_id=1)
            await store.credit_user(user_id, Decimal("10.00"), kind="topup")
            requests.append(PurchaseRequest(key=f"bulk:{user_id}", user_id=user_id, item_id=item.id, quantity=1000))
        results = await store.buy(requests)
        assert all(isinstance(r, Delivered) for r in results)
        assert len({unit for r in results for unit in r.units}) == 17_000
        assert (await store.get_item(item.id)).stock_left == 0
        assert await store.check_ledger() == []
