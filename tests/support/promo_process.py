"""A separate process for the promo code race tests: `python tests/support/promo_process.py URL MODE CODE FIRST COUNT [ITEM]`.

MODE "buy": users FIRST..FIRST+COUNT-1 each buy one unit of ITEM with CODE; MODE "redeem": they each
redeem the credit code CODE. Every user is a trio task of its own making its own transaction (no
batching), all at once, on this process's own connections. Prints one JSON line per result.
"""

import sys

import msgspec
import trio

from storage import PurchaseRequest, StorageSettings, open_store


async def main(url: str, mode: str, code: str, first: int, count: int, item_id: int) -> None:
    async with open_store(StorageSettings(database_url=url), migrate=False) as store:
        results = []

        async def race(user_id: int) -> None:
            if mode == "buy":
                (result,) = await store.buy([PurchaseRequest(key=f"proc:{user_id}", user_id=user_id, item_id=item_id, promo_code=code)])
            else:
                result = await store.redeem_promo(code, user_id)
            results.append({**msgspec.to_builtins(result), "user": user_id, "result": type(result).__name__})

        async with trio.open_nursery() as racers:
            for user_id in range(first, first + count):
                racers.start_soon(race, user_id)
    for line in results:
        print(msgspec.json.encode(line).decode())


if __name__ == "__main__":
    args = sys.argv[1:]
    trio.run(main, args[0], args[1], args[2], int(args[3]), int(args[4]), int(args[5]) if len(args) > 5 else 0)
