"""Broadcast rate through a local Bot API: how close the broadcaster keeps to its configured rate,
and whether Telegram's bulk limit was ever hit.

    .venv/bin/python bench/broadcast.py [--rate 30] [--seconds 30] [--database URL] [--paid] [--json FILE]

Two processes, as in bench/updates.py:
- this one is Telegram: the Bot API emulator served over HTTP on loopback, enforcing the bulk limit
  (more than 30 messages in any one second, as the emulator receives them, get 429 "retry after 1";
  paid broadcasts are outside it), with rate × seconds users who started the bot;
- the shop is `shopkeeper run` in its own process (bench.processes). Its database (a fresh SQLite file, or the empty PostgreSQL
  database given by --database, left behind) holds the users and one broadcast to everyone, queued
  beforehand as `shopkeeper broadcast send` would; the broadcaster takes it up at start.

It prints messages delivered, the achieved rate (messages after the first, over the time from the
first to the last, as the emulator received them) as a share of the configured rate, the most
messages in any one second, and the 429s (--json FILE: these figures as JSON too). The target: 97 %
of the rate or more, with no 429. It exits non-zero only when the run is broken (the shop died, or not
everyone got the message in time), never because of the speed.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import add_json_argument, write_figures  # noqa: E402
from bench.processes import FIRST_USER, OWNER_ID, TOKEN, BrokenRun, new_stock_key, open_shop_process, run_bench  # noqa: E402
from storage import StorageSettings, backend_of, open_store  # noqa: E402
from telegram.emulator import Emulator  # noqa: E402

STOCK_KEY = new_stock_key()
TEXT = "Bench broadcast"
# Telegram's bulk limit for a bot, messages per second (paid broadcasts are outside it).
TELEGRAM_LIMIT = 30
# How long the run may take beyond the broadcast's own time before it counts as broken.
SLACK = 60.0


async def bench(args: argparse.Namespace) -> dict[str, float | int]:
    users = int(args.rate * args.seconds)
    emu = Emulator(record_calls=True, flood_limit=TELEGRAM_LIMIT)
    bot_record = emu.create_bot(token=TOKEN, username="bench_bot", first_name="Bench")
    ids = [OWNER_ID, *range(FIRST_USER, FIRST_USER + users)]
    for user_id in ids:
        emu.user(user_id)
        emu.chat(bot_record, user_id).started = True
    settings = {
        "SHOPKEEPER_ADMIN_BROADCAST_RATE": str(args.rate),
        "SHOPKEEPER_ADMIN_PAID_BROADCAST": str(args.paid).lower(),
        "SHOPKEEPER_TELEGRAM_GLOBAL_RATE": str(TELEGRAM_LIMIT),
    }
    with tempfile.TemporaryDirectory() as scratch:
        database_url = args.database or f"sqlite://{scratch}/bench.db"
        async with open_store(StorageSettings(database_url=database_url, stock_key=STOCK_KEY)) as store:
            for user_id in ids:
                await store.register_user(
                    user_id, username=None, first_name="B", language_code="en", owner_id=OWNER_ID, referrer_id=None
                )
            await store.create_broadcast(None, TEXT, "all", paid=args.paid)
        async with open_shop_process(emu, database_url, Path(scratch), stock_key=STOCK_KEY, env=settings) as shop:
            async with trio.open_nursery() as watched:
                watched.start_soon(shop.watch)
                with trio.move_on_after(args.seconds + SLACK):
                    while len(sent_times(emu)) < len(ids):
                        await trio.sleep(0.2)
                watched.cancel_scope.cancel()
            elapsed = trio.current_time() - shop.started_at
            if len(sent_times(emu)) < len(ids):
                raise BrokenRun(
                    f"the broadcast reached {len(sent_times(emu))} of {len(ids)} users in {elapsed:.0f} s; "
                    f"the end of the shop's log:\n{shop.log_tail(10)}"
                )
    times = sent_times(emu)
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times) if times else 0
    print(f"backend           {backend_of(database_url)}")
    print(f"users             {len(ids)}")
    print(f"delivered         {len(times)} of {len(ids)} in {elapsed:.1f} s (including the shop's start)")
    print(f"configured rate   {args.rate:g}/s{' (paid broadcast)' if args.paid else ''}")
    print(f"achieved rate     {achieved:.2f}/s = {100 * achieved / args.rate:.1f} % of the configured rate")
    print(f"busiest second    {busiest} messages")
    print(f"429 answers       {emu.floods}")
    return {
        "users": len(ids),
        "configured_per_s": args.rate,
        "achieved_per_s": round(achieved, 2),
        "rate_share_percent": round(100 * achieved / args.rate, 1),
        "busiest_second": busiest,
        "answers_429": emu.floods,
    }


def sent_times(emu: Emulator) -> list[float]:
    return sorted(when for when, method, params in emu.calls if method == "sendMessage" and params.get("text") == TEXT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=30.0, help="admin.broadcast_rate (default 30)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the broadcast should take (default 30)")
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: a fresh SQLite file)")
    parser.add_argument("--paid", action="store_true", help="a paid broadcast (outside the bulk limit; --rate up to 1000)")
    add_json_argument(parser)
    args = parser.parse_args()
    write_figures(args, run_bench(bench, args))


if __name__ == "__main__":
    main()
