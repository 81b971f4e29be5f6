"""The `shopkeeper` command line.

Every failure is one line on stderr naming the key or argument at fault, and a non-zero exit:
2 for a configuration or usage error, 1 for an operation the shop refused.
"""

import argparse
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

import trio

from actors.config import LOG_LEVEL_ENV, ConfigError, load_settings, load_storage_settings, masked, render_toml
from actors.sandbox import run_sandbox
from actors.shop import run_shop
from storage import StorageError, Store, open_store

log = logging.getLogger("shopkeeper")


class UsageError(Exception):
    """A bad command-line argument; the message names it."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get(LOG_LEVEL_ENV, "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request at INFO: one line per message sent is noise, not news.
    for noisy in ("tortoise", "aiosqlite", "asyncio", "hypercorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        args.handler(args)
    except ConfigError as error:
        _fail(str(error), 2)
    except UsageError as error:
        _fail(f"error: {error}", 2)
    except StorageError as error:
        _fail(f"error: {error}", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _fail(message: str, code: int) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopkeeper", description="A Telegram shop bot for digital goods.")
    parser.add_argument("--config", metavar="PATH", help="TOML config file (default: $SHOPKEEPER_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="run the shop against the Bot API at telegram.api_base_url").set_defaults(handler=_run)
    sandbox = commands.add_parser("sandbox", help="run the shop locally with SQLite and the Bot API emulator")
    sandbox.add_argument("--emulator-port", type=int, default=8081, metavar="PORT")
    sandbox.set_defaults(handler=_sandbox)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(handler=_migrate)

    config = commands.add_parser("config", help="configuration").add_subparsers(dest="action", required=True, metavar="ACTION")
    config.add_parser("check", help="validate the config and print it with secrets masked").set_defaults(handler=_config_check)

    catalog = commands.add_parser("catalog", help="categories, items and stock").add_subparsers(dest="action", required=True, metavar="ACTION")
    add_category = catalog.add_parser("add-category", help="create a category")
    add_category.add_argument("name")
    add_category.set_defaults(handler=_add_category)
    add_item = catalog.add_parser("add-item", help="create an item in a category")
    add_item.add_argument("--category", required=True, metavar="NAME")
    add_item.add_argument("--title", required=True)
    add_item.add_argument("--price", required=True, metavar="AMOUNT")
    add_item.add_argument("--description", default="", metavar="TEXT")
    add_item.set_defaults(handler=_add_item)
    add_stock = catalog.add_parser("add-stock", help="add units: one per non-empty line of --file or stdin")
    add_stock.add_argument("--item", required=True, metavar="TITLE")
    add_stock.add_argument("--file", metavar="PATH")
    add_stock.set_defaults(handler=_add_stock)

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True, metavar="ACTION")
    credit = user.add_parser("credit", help="add money to a user's balance (a ledger entry)")
    credit.add_argument("user_id", metavar="USER_ID")
    credit.add_argument("amount", metavar="AMOUNT")
    credit.add_argument("--reason", default="", metavar="TEXT")
    credit.set_defaults(handler=_credit)
    return parser


# --- the shop --------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    trio.run(run_shop, settings)


def _sandbox(args: argparse.Namespace) -> None:
    trio.run(lambda: run_sandbox(args.config, os.environ, emulator_port=args.emulator_port))


def _config_check(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    print(render_toml(masked(settings)), end="")
    print("# config OK", file=sys.stderr)


# --- operator commands: the storage section is all they need ---------------------------------------


def _with_store(args: argparse.Namespace, use: Callable[[Store], Awaitable[Any]]) -> Any:
    # Operator commands need the [storage] section only; without a config file they use the
    # sandbox's database, so `shopkeeper catalog …` works next to `make run` as it is.
    settings = load_storage_settings(args.config)

    async def session() -> Any:
        async with open_store(settings) as store:
            return await use(store)

    return trio.run(session)


def _migrate(args: argparse.Namespace) -> None:
    async def ping(store: Store) -> None:
        await store.ping()

    _with_store(args, ping)
    print("database is up to date")


def _add_category(args: argparse.Namespace) -> None:
    name = _text("NAME", args.name, 128)
    category = _with_store(args, lambda store: store.add_category(name))
    print(f"category {category.name!r} created (id {category.id})")


def _add_item(args: argparse.Namespace) -> None:
    price = _amount("--price", args.price)
    title = _text("--title", args.title, 128)
    item = _with_store(args, lambda store: store.add_item(args.category, title, price, args.description))
    print(f"item {item.title!r} created (id {item.id}) at {item.price}")


def _add_stock(args: argparse.Namespace) -> None:
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--file: cannot read {args.file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--file: {args.file} is not UTF-8 text") from None
    else:
        text = sys.stdin.read()
    units = [line.strip() for line in text.splitlines() if line.strip()]
    if not units:
        raise UsageError("--file: no units (one per non-empty line)" if args.file else "stdin: no units (one per non-empty line)")
    added = _with_store(args, lambda store: store.add_stock(args.item, units))
    print(f"added {added} unit(s) to {args.item!r}")


def _credit(args: argparse.Namespace) -> None:
    try:
        user_id = int(args.user_id)
    except ValueError:
        raise UsageError(f"USER_ID: {args.user_id!r} is not a Telegram user id") from None
    amount = _amount("AMOUNT", args.amount)
    balance = _with_store(args, lambda store: store.credit_user(user_id, amount, kind="adjustment", reason=args.reason or "credit from CLI"))
    print(f"credited {amount} to user {user_id}; balance is now {balance}")


def _amount(name: str, text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"{name}: {text!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"{name}: must be a positive amount, got {text!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise UsageError(f"{name}: at most two decimal places, got {text!r}")
    if amount >= Decimal("1e15"):
        raise UsageError(f"{name}: too large, got {text!r}")
    return amount


def _text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise UsageError(f"{name}: must not be empty")
    if len(value) > limit:
        raise UsageError(f"{name}: at most {limit} characters")
    return value
