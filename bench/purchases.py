"""Purchases per second with many buyers on one hot item, through the purchase serializer.

    .venv/bin/python bench/purchases.py [--database URL] [--buyers 200] [--purchases 5000] [--stock 100000]
                                        [--json FILE]

Without --database (or its old name --database-url) it uses a fresh SQLite file in a temporary
directory. For PostgreSQL give an empty database (it is migrated, filled and left behind). Prints
the rate (--json FILE: as JSON too).
"""

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actors.purchases import PurchaseSerializer  # noqa: E402
from bench.figures import add_json_argument, write_figures  # noqa: E402
from storage import Delivered, PurchaseRequest, StorageSettings, open_store  # noqa: E402


async def bench(url: str, buyers: int, purchases: int, stock: int) -> dict[str, float | int]:
    async with open_store(StorageSettings(database_url=url, pool_max=20)) as store:
        await store.add_category("Bench")
        await store.add_item("Bench", "Hot item", Decimal("1.00"))
        for start in range(0, stock, 10_000):
            await store.add_stock("Hot item", [f"UNIT-{n}" for n in range(start, min(stock, start + 10_000))])
        per_buyer = -(-purchases // buyers)
        for user_id in range(1, buyers + 1):
            await store.register_user(user_id, username=None, first_name="b", language_code=None, owner_id=0)
            await store.credit_user(user_id, Decimal(per_buyer), kind="topup")
        item = (await store.list_items((await store.list_categories())[0].id))[0]
        serializer = PurchaseSerializer(store)
        delivered = 0
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serializer.run)

            async def buyer(user_id: int) -> None:
                nonlocal delivered
                for n in range(per_buyer):
                    result = await serializer.buy(PurchaseRequest(key=f"{user_id}:{n}", user_id=user_id, item_id=item.id))
                    delivered += isinstance(result, Delivered)

            started = time.perf_counter()
            async with trio.open_nursery() as crowd:
                for user_id in range(1, buyers + 1):
                    crowd.start_soon(buyer, user_id)
            elapsed = time.perf_counter() - started
            nursery.cancel_scope.cancel()
        assert await store.check_ledger() == []
        print(
            f"{store.backend}: {delivered} purchases by {buyers} buyers on one item with {stock} units "
            f"in {elapsed:.2f} s = {delivered / elapsed:.0f} purchases/s"
        )
        rate = round(delivered / elapsed)
        return {"buyers": buyers, "purchases": delivered, "seconds": round(elapsed, 2), "purchases_per_s": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=str(__doc__).splitlines()[0])
    parser.add_argument("--database", "--database-url", dest="database", help="an empty PostgreSQL database")
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--purchases", type=int, default=5000)
    parser.add_argument("--stock", type=int, default=100_000)
    add_json_argument(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = trio.run(bench, args.database or f"sqlite://{tmp}/bench.db", args.buyers, args.purchases, args.stock)
    write_figures(args, figures)


if __name__ == "__main__":
    main()
