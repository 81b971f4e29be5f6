"""A separate buyer process for the two-process race test: `python tests/support/buyer_process.py URL ITEM FIRST COUNT`.

Buys one unit of ITEM for users FIRST..FIRST+COUNT-1 concurrently through its own purchase serializer
and its own connection pool, and prints one JSON line per result.
"""

import sys

import msgspec
import trio

from actors.purchases import PurchaseSerializer
from storage import PurchaseRequest, StorageSettings, open_store


async def main(url: str, item_id: int, first: int, count: int) -> None:
    async with open_store(StorageSettings(database_url=url), migrate=False) as store:
        serializer = PurchaseSerializer(store)
        results = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serializer.run)

            async def buy(user_id: int) -> None:
                result = await serializer.buy(PurchaseRequest(key=f"proc:{user_id}", user_id=user_id, item_id=item_id))
                results.append({"user": user_id, "kind": type(result).__name__, "units": list(getattr(result, "units", ()))})

            async with trio.open_nursery() as buyers:
                for user_id in range(first, first + count):
                    buyers.start_soon(buy, user_id)
            nursery.cancel_scope.cancel()
    for line in results:
        print(msgspec.json.encode(line).decode())


if __name__ == "__main__":
    trio.run(main, sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
