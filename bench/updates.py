"""End-to-end browsing through a local Bot API: updates per second and answer latency, closed loop.

    .venv/bin/python bench/updates.py [--scenario browse|journey] [--mode polling|webhook] [--database URL]
                                      [--users 200] [--think S]
                                      [--seconds 30 | --updates N] [--warmup 3] [--lanes N] [--connections 40]
                                      [--pin] [--profile FILE] [--json FILE]

Two processes share the machine (on 2 cores they compete for them, unless --pin gives the shop a core of
its own and the emulator with the users the other; PostgreSQL is a third, left free):
- this one is Telegram: the Bot API emulator served over HTTP on loopback, and the simulated users,
  who act on it in memory;
- the shop is `shopkeeper run` in its own process (bench.processes). Its database is a fresh SQLite file
  (default) or the empty PostgreSQL database given by --database (migrated, filled, left behind),
  seeded beforehand with CATEGORIES categories of ITEMS items.

Updates reach the shop by getUpdates (`--mode polling`, the default) or by webhook requests the
emulator posts to the shop's web server (`--mode webhook`, at most --connections open at once, as
setWebhook's max_connections); bench.delivery sets up each mode and counts its traffic.

What the users do is the scenario (bench.scenarios): `--scenario browse` (the default), the same
users pressing browsing buttons at random or sending /menu, their /start not measured; or `--scenario
journey`, newcomers who send /start and go Shop → category → item → Back ×3, retired after 25 updates
for fresh ones. Each waits for the bot's answer to an update, then thinks for --think seconds on
average before the next one (closed loop). In a closed loop latency = users / rate − think time, so
browsing's default think time of 0.3 s is what the target asks for: 200 users can offer at most ~660
updates/s, and 600/s with p99 under 100 ms is possible only with answers that fast. A journey's
default think time is 0, the most load the users can give (each sends again at once; latency is then
mostly queueing).
Flood control would cap sends at 30/s, so the run raises `telegram.global_rate`, `chat_rate` and
`chat_burst` through the environment (FLOOD).

Latency is measured inside the emulator, which sees both ends, so no extra request or clock skew is
added: it runs from the moment the update is queued (the user's press or message; from there getUpdates
fetches it or the webhook delivery posts it) to
the moment the emulator has carried out the bot's answering call — answerCallbackQuery for a press
(the shop answers it last, after editing the screen), sendMessage for /menu. The emulator is the
stock one with one override of `call_api`, the door every Bot API request passes, which wakes the
waiting user; call recording is off. Only answers that arrive in the measured window count; the
warm-up before it is discarded.

It prints updates handled, updates/s, p50/p90/p99/max latency, errors (updates unanswered after
ANSWER_TIMEOUT, Bot API calls of the bot answered with an error, webhook requests the shop did not
take, warnings and errors in the shop's log), the getUpdates or webhook traffic, the CPU each
process used (Linux /proc) and the shop's CPU per update handled, the machine's load average before
and after the run, the backend and the user count; --json FILE also writes the main figures there
(bench.figures). It exits non-zero only when the run is broken (the shop died, users could not
start, nothing was answered), never because of the speed.

--profile FILE runs the shop under cProfile (much slower: the figures of such a run are not the
shop's) and prints its costliest functions by CPU time; the stats stay in FILE for pstats.
"""

import argparse
import math
import os
import pstats
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.delivery import MODES, Delivery, Traffic, describe, open_delivery, refused, window  # noqa: E402
from bench.figures import add_json_argument, write_figures  # noqa: E402
from bench.processes import (  # noqa: E402
    FIRST_USER,
    STARTUP_TIMEOUT,
    TOKEN,
    BrokenRun,
    ShopProcess,
    cpu_seconds,
    new_stock_key,
    open_shop_process,
    pin_apart,
    run_bench,
)
from bench.scenarios import SCENARIOS, browse, journeys  # noqa: E402
from bench.timing import ANSWER_TIMEOUT, Meter, TimedEmulator, ask  # noqa: E402
from storage import StorageSettings, backend_of, open_store  # noqa: E402
from telegram.emulator import EmulatedUser  # noqa: E402

STOCK_KEY = new_stock_key()
CATEGORIES = 4
ITEMS = 5
FLOOD = {
    "SHOPKEEPER_TELEGRAM_GLOBAL_RATE": "1000000",
    "SHOPKEEPER_TELEGRAM_CHAT_RATE": "1000000",
    "SHOPKEEPER_TELEGRAM_CHAT_BURST": "1000000",
}
# The shop under cProfile, timed by the process's CPU clock: on a busy machine wall time would charge
# other processes' turns to whatever call was running. (Since Python 3.12 cProfile sees every thread,
# so a per-thread clock would mix up aiosqlite's worker thread with the main one.)
PROFILED_SHOP = """
import cProfile, sys, time
from actors.cli import main
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(main, ["run"])
finally:
    profile.dump_stats(sys.argv[1])
"""


async def seed(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url, stock_key=STOCK_KEY)) as store:
        for c in range(1, CATEGORIES + 1):
            category = f"Category {c}"
            await store.add_category(category)
            for i in range(1, ITEMS + 1):
                title = f"Item {c}.{i}"
                await store.add_item(category, title, Decimal(f"{c}.{i}0"), f"Bench item {c}.{i}.")
                await store.add_stock(title, [f"KEY-{c}-{i}-{n}" for n in range(3)])


@dataclass
class Run:
    backend: str
    meter: Meter
    emu: TimedEmulator
    delivery: Delivery
    shop_cpu: float | None = None
    own_cpu: float = 0.0
    load_before: float = 0.0  # the machine's 1-minute load average when the run began
    load_after: float = 0.0  # and when the window closed
    traffic: Traffic = field(default_factory=Traffic)  # how the window's updates reached the shop
    complaints: list[str] = field(default_factory=list)  # the shop's log records at WARNING and above
    pinned: str = "not pinned (--pin): the shop shares the cores with the emulator and users"
    newcomers: int = 0  # users who came during the run (a journey's; browsing users are there from the start)


async def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> Run:
    await seed(database_url)
    delivery = Delivery(args.mode, args.connections)
    emu = TimedEmulator(local_webhooks=True)
    emu.create_bot(token=TOKEN, username="bench_shop_bot", first_name="Bench shop")
    # Browsing users are all there from the start; a journey's newcomers come as they are needed.
    users = [] if args.scenario == "journey" else [buyer(emu, n) for n in range(args.users)]
    run = Run(backend_of(database_url), Meter(args.updates), emu, delivery, load_before=os.getloadavg()[0])
    async with (
        open_delivery(emu, delivery),
        open_shop_process(
            emu,
            database_url,
            workdir,
            stock_key=STOCK_KEY,
            env=shop_settings(args) | delivery.shop_settings(),
            command=shop_command(args),
            before_stop=emu.stop,
        ) as shop,
    ):
        if args.pin:
            run.pinned = pin_apart(shop.pid)
        async with trio.open_nursery() as watched:
            watched.start_soon(shop.watch)
            await delivery.wait_ready(emu)
            await _start_users(emu, users)
            await measure(run, users, shop, args)
            watched.cancel_scope.cancel()
    run.complaints = shop.complaints()
    return run


def shop_command(args: argparse.Namespace) -> list[str] | None:
    """The shop under cProfile with --profile; else None: `shopkeeper run`."""
    return [sys.executable, "-c", PROFILED_SHOP, args.profile] if args.profile else None


def shop_settings(args: argparse.Namespace) -> dict[str, str]:
    """The shop's settings for the run, beside those every bench shop has (bench.processes)."""
    return FLOOD | ({"SHOPKEEPER_TELEGRAM_LANES": str(args.lanes)} if args.lanes else {})


async def measure(run: Run, users: list[EmulatedUser], shop: ShopProcess, args: argparse.Namespace) -> None:
    """Let the users browse through the warm-up and the measured window, noting what the window used."""
    meter, emu = run.meter, run.emu

    def newcomer() -> EmulatedUser:
        run.newcomers += 1
        return buyer(emu, len(users) + run.newcomers)

    async with trio.open_nursery() as crowd:
        for user in users:
            crowd.start_soon(browse, emu, user, meter, args.think)
        if args.scenario == "journey":
            for _ in range(args.users):
                crowd.start_soon(journeys, newcomer, emu, meter, args.think)
        await trio.sleep(args.warmup)
        traffic = await run.delivery.snapshot(emu)
        shop_cpu, own_cpu = cpu_seconds(shop.pid), time.process_time()
        meter.open()
        with trio.move_on_after(args.seconds if args.updates is None else math.inf):
            await meter.full.wait()
        if meter.measuring():
            meter.close()
        after = cpu_seconds(shop.pid)
        run.shop_cpu = None if shop_cpu is None or after is None else after - shop_cpu
        run.own_cpu = time.process_time() - own_cpu
        run.load_after = os.getloadavg()[0]
        run.traffic = window(traffic, await run.delivery.snapshot(emu))
        crowd.cancel_scope.cancel()


async def _start_users(emu: TimedEmulator, users: list[EmulatedUser]) -> None:
    """/start every user at once (registration is not measured)."""
    failed = 0

    async def start(user: EmulatedUser) -> None:
        nonlocal failed
        failed += await ask(emu, user, text="/start", timeout=STARTUP_TIMEOUT) is None

    async with trio.open_nursery() as starting:
        for user in users:
            starting.start_soon(start, user)
    if failed:
        raise BrokenRun(f"{failed} of {len(users)} users got no answer to /start within {STARTUP_TIMEOUT:.0f} s")


def buyer(emu: TimedEmulator, n: int) -> EmulatedUser:
    return emu.user(FIRST_USER + n, first_name=f"Buyer{n}", language_code="en")


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(run: Run, args: argparse.Namespace) -> dict[str, float | int | None]:
    """Print the run's figures; the main ones, for `make bench`."""
    meter = run.meter
    assert meter.opened is not None and meter.closed is not None
    window = meter.closed - meter.opened
    ordered = sorted(meter.latencies)
    print(
        f"scenario: {args.scenario}   mode: {args.mode}   backend: {run.backend}   users: {args.users}   "
        f"think time: {args.think:g} s   "
        f"lanes: {args.lanes or 'shop default'}   window: {window:.1f} s after a {args.warmup:g} s warm-up"
    )
    newcomers = f"   newcomers in the whole run: {run.newcomers}" if args.scenario == "journey" else ""
    print(f"updates handled: {len(ordered)}   updates/s: {len(ordered) / window:.0f}{newcomers}")
    ms: dict[str, float] = {}
    if ordered:
        ms = {name: 1000 * percentile(ordered, share) for name, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))}
        ms["max"] = 1000 * ordered[-1]
        print("latency ms: " + "  ".join(f"{k} {v:.1f}" for k, v in ms.items()))
    error_answers = run.emu.error_answers.total()
    not_taken = refused(args.mode, run.traffic)
    errors = meter.unanswered + error_answers + not_taken + len(run.complaints)
    print(
        f"errors: {errors} ({meter.unanswered} updates unanswered after {ANSWER_TIMEOUT:g} s, "
        f"{error_answers} Bot API calls answered with an error, {not_taken} webhook requests not taken, "
        f"{len(run.complaints)} warnings or errors in the shop's log of the whole run)"
    )
    if error_answers:
        print("error answers: " + "; ".join(f"{n} × {what}" for what, n in run.emu.error_answers.most_common(3)))
    if run.complaints:
        print(f"the shop's first complaint:\n{run.complaints[0].rstrip()}")
    print(describe(args.mode, run.traffic, len(ordered)))
    shop_cpu = "n/a" if run.shop_cpu is None else f"{100 * run.shop_cpu / window:.0f}%"
    cpu_per_update = None if run.shop_cpu is None or not ordered else 1000 * run.shop_cpu / len(ordered)
    per_update = "" if cpu_per_update is None else f" ({cpu_per_update:.2f} ms of the shop's CPU per update handled)"
    print(
        f"cpu in the window (100% = one core): shop {shop_cpu}{per_update}, emulator + users "
        f"{100 * run.own_cpu / window:.0f}%; {os.cpu_count()} cores, {run.pinned}; "
        f"load average {run.load_before:.1f} before the run, {run.load_after:.1f} at the window's end "
        "(other work on the machine skews the figures)"
    )
    print("flood control raised for the run: telegram.global_rate, chat_rate and chat_burst = 1000000")
    if args.profile:
        print(f"the shop ran under cProfile (figures above are not the shop's speed); top self time, stats in {args.profile}:")
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    return {
        "scenario": args.scenario,
        "mode": args.mode,
        "users": args.users,
        "newcomers": run.newcomers,
        "think_s": args.think,
        "window_s": round(window, 2),
        "updates": len(ordered),
        "updates_per_s": round(len(ordered) / window, 1),
        **{f"{k}_ms": round(v, 1) for k, v in ms.items()},
        "errors": errors,
        "shop_cpu_percent": None if run.shop_cpu is None else round(100 * run.shop_cpu / window),
        "shop_cpu_ms_per_update": None if cpu_per_update is None else round(cpu_per_update, 2),
        "load_before": round(run.load_before, 2),
        "load_after": round(run.load_after, 2),
        "pinned": run.pinned,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=str(__doc__).splitlines()[0])
    parser.add_argument("--mode", choices=MODES, default="polling", help="how updates reach the shop (bench.delivery)")
    parser.add_argument("--database", help="postgres://... of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--scenario", choices=SCENARIOS, default="browse", help="what the users do (bench.scenarios)")
    parser.add_argument(
        "--think", type=float, help="a user's mean pause between answer and next update (default: 0.3 s browsing, 0 on a journey)"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the measured window")
    parser.add_argument("--updates", type=int, help="measure this many answered updates instead of --seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of browsing before measuring")
    parser.add_argument("--lanes", type=int, help="telegram.lanes of the shop (default: the shop's default)")
    parser.add_argument(
        "--connections", type=int, default=40, help="webhook mode: requests open at once (setWebhook's max_connections)"
    )
    parser.add_argument(
        "--pin", action="store_true", help="the shop on a core of its own, apart from the emulator and users (Linux)"
    )
    parser.add_argument("--profile", metavar="FILE", help="run the shop under cProfile, stats to FILE")
    add_json_argument(parser)
    args = parser.parse_args()
    if args.think is None:
        args.think = 0.0 if args.scenario == "journey" else 0.3
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        run = run_bench(bench, args, args.database or f"sqlite://{tmp}/bench.db", Path(tmp))
        write_figures(args, report(run, args))
        if not run.meter.latencies:
            sys.exit("broken run: no update was answered in the measured window")


if __name__ == "__main__":
    main()
