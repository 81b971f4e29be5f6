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
from storage import Delivered, PurchaseRequest, SoldOut, Store, StorageSettings, open_store

ROOT = Path(__file__).resolve().parents[1]


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
        args = [sys.executable, str(ROOT / "tests" / "buyers.py"), postgres_url, str(item_id), str(first), "100"]
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
