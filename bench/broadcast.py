"""Broadcast rate through a local Bot API: how close the broadcaster keeps to its configured rate,
and whether Telegram's bulk limit was ever hit.

    .venv/bin/python bench/broadcast.py [--rate 30] [--seconds 30] [--database URL] [--paid]

Telegram is the Bot API emulator served over HTTP on loopback, enforcing the bulk limit (more than
30 messages in any second get 429 "retry after 1", paid broadcasts aside); the shop's side is
the broadcaster actor with the real Bot API client (flood control and retries) and a fresh SQLite
database (or the empty PostgreSQL database given by --database, left behind), all in this process.
The audience is rate × seconds users who started the bot.

It prints messages sent, the achieved rate (messages after the first, over the time from the first
to the last) as a share of the configured rate, the most messages in any one second, and the 429s.
The target: 97 % of the rate or more, with no 429. It exits non-zero only when the run is broken
(not everyone got the message), never because of the speed.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actors.broadcaster import Broadcaster  # noqa: E402
from storage import StorageSettings, open_store  # noqa: E402
from telegram.client import BotClient  # noqa: E402
from telegram.config import AdminSettings, ShopSettings, TelegramSettings  # noqa: E402
from telegram.emulator import Emulator, serve_emulator  # noqa: E402

TOKEN = "100000:bench-token"
OWNER_ID = 1
FIRST_USER = 10_001
# Telegram's bulk limit for a bot, messages per second (paid broadcasts are outside it).
TELEGRAM_LIMIT = 30


async def bench(args: argparse.Namespace) -> int:
    users = int(args.rate * args.seconds)
    emu = Emulator(record_calls=True, flood_limit=TELEGRAM_LIMIT)
    bot_record = emu.create_bot(token=TOKEN, username="bench_bot", first_name="Bench")
    ids = [OWNER_ID, *range(FIRST_USER, FIRST_USER + users)]
    for user_id in ids:
        emu.user(user_id)
        emu.chat(bot_record, user_id).started = True
    with tempfile.TemporaryDirectory() as scratch:
        database_url = args.database or f"sqlite://{scratch}/bench.db"
        async with open_store(StorageSettings(database_url=database_url)) as store, trio.open_nursery() as nursery:
            for user_id in ids:
                await store.register_user(user_id, username=None, first_name="B", language_code="en", owner_id=OWNER_ID, referrer_id=None)
            port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
            telegram = TelegramSettings(
                token=TOKEN, owner_id=OWNER_ID, api_base_url=f"http://127.0.0.1:{port}", global_rate=TELEGRAM_LIMIT,
            )
            admin = AdminSettings(broadcast_rate=args.rate, paid_broadcast=args.paid)
            async with BotClient(telegram) as bot:
                job = await store.create_broadcast(OWNER_ID, "Bench broadcast", "all", paid=args.paid)
                started = time.perf_counter()
                job = await Broadcaster(store, bot, admin, ShopSettings(), OWNER_ID, telegram.global_rate).work(job)
                elapsed = time.perf_counter() - started
            nursery.cancel_scope.cancel()
    times = sorted(when for when, method, params in emu.calls if method == "sendMessage" and params.get("text") == "Bench broadcast")
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times) if times else 0
    print(f"backend           {'postgres' if args.database else 'sqlite'}")
    print(f"users             {len(ids)}")
    print(f"delivered         {job.delivered} (blocked {job.blocked}, failed {job.failed}) in {elapsed:.1f} s")
    print(f"configured rate   {args.rate:g}/s{' (paid broadcast)' if args.paid else ''}")
    print(f"achieved rate     {achieved:.2f}/s = {100 * achieved / args.rate:.1f} % of the configured rate")
    print(f"busiest second    {busiest} messages")
    print(f"429 answers       {emu.floods}")
    return 0 if job.delivered == len(ids) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=30.0, help="admin.broadcast_rate (default 30)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the broadcast should take (default 30)")
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: a fresh SQLite file)")
    parser.add_argument("--paid", action="store_true", help="a paid broadcast (no bulk limit; --rate up to 1000)")
    args = parser.parse_args()
    sys.exit(trio.run(bench, args))


if __name__ == "__main__":
    main()
