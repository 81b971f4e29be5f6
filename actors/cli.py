"""The `shopkeeper` command line.

Every failure is one line on stderr naming the key or argument at fault, and a non-zero exit:
2 for a configuration or usage error, 1 for an operation the shop refused.
"""

import argparse
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

import trio

from actors.catalog_csv import CsvRejected, parse_catalog
from actors.config import LOG_LEVEL_ENV, ConfigError, OperatorSettings, load_operator_settings, load_settings, masked, render_toml
from actors.csv_export import NOUNS, open_replacing, write_table
from actors.sandbox import run_sandbox
from actors.shop import refuse_sandbox_database, run_shop
from storage import EXPORT_TABLES, PERMISSIONS, PHOTO_REF, PROMO_CODE, InvalidAudience, PromoRecord, StorageError, Store, open_store
from storage import CatalogRowRejected
from telegram.limits import TEXT_LIMIT, html_units

log = logging.getLogger("shopkeeper")

# Promo codes read per query by `promo list`.
PROMO_PAGE = 100


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
    sandbox.add_argument("--cryptopay-port", type=int, default=8082, metavar="PORT", help="the CryptoPay twin's port (0: any free one)")
    sandbox.set_defaults(handler=_sandbox)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(handler=_migrate)

    config = commands.add_parser("config", help="configuration").add_subparsers(dest="action", required=True, metavar="ACTION")
    config.add_parser("check", help="validate the config and print it with secrets masked").set_defaults(handler=_config_check)

    catalog = commands.add_parser("catalog", help="categories, items and stock").add_subparsers(dest="action", required=True, metavar="ACTION")
    add_category = catalog.add_parser("add-category", help="create a category, or a subcategory with --parent")
    add_category.add_argument("name")
    add_category.add_argument("--parent", metavar="NAME", help="a top-level category (subcategories go one level deep)")
    add_category.set_defaults(handler=_add_category)
    add_item = catalog.add_parser("add-item", help="create an item in a category")
    add_item.add_argument("--category", required=True, metavar="NAME")
    add_item.add_argument("--title", required=True)
    add_item.add_argument("--price", required=True, metavar="AMOUNT")
    add_item.add_argument("--description", default="", metavar="TEXT")
    add_item.add_argument(
        "--kind", choices=("unique", "unlimited", "file"), default="unique",
        help="unique (default: units added with add-stock, each sold once), unlimited (--content to every buyer) "
        "or file (--file to every buyer)",
    )
    add_item.add_argument("--content", metavar="TEXT", help="what every buyer of an unlimited item gets")
    add_item.add_argument("--file", metavar="PATH", help="the document every buyer of a file item gets")
    add_item.add_argument("--photo", metavar="FILE_ID_OR_URL", help="a Telegram file_id or an https URL of a picture")
    add_item.add_argument("--hidden", action="store_true", help="not shown to buyers yet")
    add_item.set_defaults(handler=_add_item)
    add_stock = catalog.add_parser("add-stock", help="add units: one per non-empty line of --file or stdin")
    add_stock.add_argument("--item", required=True, metavar="TITLE")
    add_stock.add_argument("--file", metavar="PATH")
    add_stock.set_defaults(handler=_add_stock)
    import_catalog = catalog.add_parser("import", help="categories, items and stock from one CSV file, all or nothing (see the README)")
    import_catalog.add_argument("file", metavar="FILE.csv")
    import_catalog.set_defaults(handler=_import_catalog)

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True, metavar="ACTION")
    credit = user.add_parser("credit", help="add money to a user's balance (a ledger entry)")
    credit.add_argument("user_id", metavar="USER_ID")
    credit.add_argument("amount", metavar="AMOUNT")
    credit.add_argument("--reason", default="", metavar="TEXT")
    credit.add_argument(
        "--kind", choices=("topup", "adjustment"), default="topup",
        help="topup (default: money the user paid; pays their referrer's reward) or adjustment (a correction)",
    )
    credit.set_defaults(handler=_credit)

    admin = commands.add_parser("admin", help="the shop's admins").add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = admin.add_parser("grant", help="make a user an admin with these permissions (replacing an admin's)")
    grant.add_argument("user_id", metavar="USER_ID")
    grant.add_argument(
        "--permissions", required=True, metavar="LIST",
        help=f"comma-separated: {','.join(PERMISSIONS)}, or all",
    )
    grant.set_defaults(handler=_grant_admin)
    revoke = admin.add_parser("revoke", help="make an admin a plain user again")
    revoke.add_argument("user_id", metavar="USER_ID")
    revoke.set_defaults(handler=_revoke_admin)
    admin.add_parser("list", help="the admins and their permissions").set_defaults(handler=_list_admins)

    broadcast = commands.add_parser("broadcast", help="broadcasts").add_subparsers(dest="action", required=True, metavar="ACTION")
    send = broadcast.add_parser("send", help="queue a broadcast; the running shop sends it and reports to the owner")
    send.add_argument("--text", required=True, metavar="HTML", help="the message, Telegram HTML")
    send.add_argument("--audience", default="all", metavar="WHO", help="all (default), buyers, or lang:<code> (e.g. lang:ru)")
    send.add_argument("--button-text", metavar="LABEL", help="a link button's label (with --button-url)")
    send.add_argument("--button-url", metavar="URL", help="the link button's https:// address")
    send.set_defaults(handler=_send_broadcast)

    promo = commands.add_parser("promo", help="promo codes").add_subparsers(dest="action", required=True, metavar="ACTION")
    add_promo = promo.add_parser("add", help="create a promo code: a discount (percent, fixed) or a balance credit")
    add_promo.add_argument("code", metavar="CODE")
    add_promo.add_argument("--kind", required=True, choices=("percent", "fixed", "credit"))
    add_promo.add_argument("--value", required=True, metavar="V", help="percent off (0-100], or an amount")
    add_promo.add_argument("--max-uses", metavar="N", help="uses in all (default: unlimited)")
    add_promo.add_argument("--many-per-user", action="store_true", help="a user may use it more than once")
    add_promo.add_argument("--expires", metavar="YYYY-MM-DD", help="the last day it works (UTC)")
    scope = add_promo.add_mutually_exclusive_group()
    scope.add_argument("--item", metavar="TITLE", help="a discount for this item only")
    scope.add_argument("--category", metavar="NAME", help="a discount for this category and its subcategories only")
    add_promo.set_defaults(handler=_add_promo)
    promo.add_parser("list", help="every promo code with its uses").set_defaults(handler=_list_promos)
    disable_promo = promo.add_parser("disable", help="stop a promo code from being used")
    disable_promo.add_argument("code", metavar="CODE")
    disable_promo.set_defaults(handler=_disable_promo)

    export = commands.add_parser("export", help="write a table to a CSV file for a spreadsheet (formulas neutralised)")
    export.add_argument("table", metavar="TABLE", help=", ".join(EXPORT_TABLES))
    export.add_argument("--out", required=True, metavar="PATH", help="the CSV file: replaced whole, or left as it was on failure")
    export.set_defaults(handler=_export)
    return parser


# --- the shop --------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    trio.run(run_shop, settings)


def _sandbox(args: argparse.Namespace) -> None:
    try:
        trio.run(lambda: run_sandbox(args.config, os.environ, emulator_port=args.emulator_port, cryptopay_port=args.cryptopay_port))
    except BaseExceptionGroup as group:
        # The sandbox runs in a nursery, which wraps what stopped it: one error is reported as `run` reports it.
        raise _sole(group) from None


def _sole(group: BaseExceptionGroup) -> BaseException:
    """The one error inside nested single-error groups; the group itself when it holds several."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def _config_check(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    print(render_toml(masked(settings)), end="")
    print("# config OK", file=sys.stderr)


# --- operator commands: the storage and shop sections are all they need ----------------------------


def _with_store(
    args: argparse.Namespace, use: Callable[[Store], Awaitable[Any]], settings: OperatorSettings | None = None
) -> Any:
    # Operator commands need no bot token. Without a config file they use the default database, a real
    # shop's; the sandbox prints how to point them at its own.
    settings = settings or load_operator_settings(args.config)

    async def session() -> Any:
        async with open_store(settings.storage) as store:
            return await use(store)

    return trio.run(session)


def _migrate(args: argparse.Namespace) -> None:
    settings = load_operator_settings(args.config)

    async def check(store: Store) -> None:
        # Migrating readies a database for `run`: a sandbox's is refused here already, as `run` refuses it.
        await refuse_sandbox_database(store, settings.storage)

    _with_store(args, check, settings)
    print("database is up to date")


def _add_category(args: argparse.Namespace) -> None:
    name = _text("NAME", args.name, 128)
    parent = _text("--parent", args.parent, 128) if args.parent is not None else None
    category = _with_store(args, lambda store: store.add_category(name, parent))
    under = f" under {parent!r}" if parent is not None else ""
    print(f"category {category.name!r} created{under} (id {category.id})")


def _add_item(args: argparse.Namespace) -> None:
    price = _amount("--price", args.price)
    title = _text("--title", args.title, 128)
    if args.content is not None and args.kind != "unlimited":
        raise UsageError("--content: only an unlimited item (--kind unlimited) has content")
    if args.file is not None and args.kind != "file":
        raise UsageError("--file: only a file item (--kind file) has a file")
    content = (args.content or "").strip()
    if args.kind == "unlimited" and not content:
        raise UsageError("--content: an unlimited item needs the content every buyer gets")
    file_name, file_data = _item_file(args.file) if args.kind == "file" else (None, None)
    if args.photo is not None and not PHOTO_REF.fullmatch(args.photo):
        raise UsageError(f"--photo: a Telegram file_id or an https:// URL, got {args.photo!r}")
    item = _with_store(args, lambda store: store.add_item(
        args.category, title, price, args.description, kind=args.kind, content=content, file_name=file_name,
        file_data=file_data, photo=args.photo, hidden=args.hidden,
    ))
    hidden = ", hidden" if args.hidden else ""
    print(f"item {item.title!r} created (id {item.id}) at {item.price}, {item.kind}{hidden}")


def _item_file(path: str | None) -> tuple[str, bytes]:
    """The name and bytes of a file item's document, read from --file."""
    if path is None:
        raise UsageError("--file: a file item needs the document every buyer gets (--file PATH)")
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"--file: cannot read {path}: {error.strerror}") from None
    if not data:
        raise UsageError(f"--file: {path} is empty")
    name = Path(path).name
    if len(name) > 128:
        raise UsageError(f"--file: the file name is over 128 characters: {name!r}")
    return name, data


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
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise UsageError("--file: no units (one per non-empty line)" if args.file else "stdin: no units (one per non-empty line)")
    done = _with_store(args, lambda store: store.add_stock(args.item, lines))
    print(f"added {done.added} unit(s) to {args.item!r}, skipped {done.duplicates} duplicate(s); {done.stock_left} in stock")


def _import_catalog(args: argparse.Namespace) -> None:
    """See storage/catalog_import.py for what the rows mean, actors/catalog_csv.py for the file."""
    try:
        # utf-8-sig: spreadsheets save UTF-8 CSV with a byte-order mark.
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"FILE: cannot read {args.file}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"FILE: {args.file} is not UTF-8 text") from None
    try:
        rows = parse_catalog(text)
        if not rows:
            raise UsageError(f"FILE: {args.file} has no rows after its header")
        done = _with_store(args, lambda store: store.import_catalog(rows))
    except (CsvRejected, CatalogRowRejected) as error:
        raise UsageError(f"{args.file}, {error}") from None
    print(
        f"imported {args.file}: {done.categories_created} categories created, {done.items_created} items created, "
        f"{done.units_added} units added, {done.duplicates} duplicates skipped"
    )


def _credit(args: argparse.Namespace) -> None:
    user_id = _user_id(args)
    amount = _amount("AMOUNT", args.amount)
    settings = load_operator_settings(args.config)
    # A top-up pays the user's referrer, on the shop's terms, in the same transaction.
    terms = settings.shop.referral_terms() if args.kind == "topup" else None
    balance = _with_store(
        args,
        lambda store: store.credit_user(user_id, amount, kind=args.kind, reason=args.reason or "credit from CLI", referral=terms),
        settings,
    )
    print(f"credited {amount} to user {user_id}; balance is now {balance}")


def _user_id(args: argparse.Namespace) -> int:
    try:
        return int(args.user_id)
    except ValueError:
        raise UsageError(f"USER_ID: {args.user_id!r} is not a Telegram user id") from None


def _grant_admin(args: argparse.Namespace) -> None:
    user_id = _user_id(args)
    names = [name.strip() for name in args.permissions.split(",") if name.strip()]
    names = PERMISSIONS if names == ["all"] else names
    for name in names:
        if name not in PERMISSIONS:
            raise UsageError(f"--permissions: unknown permission {name!r}: use {','.join(PERMISSIONS)} or all")
    user = _with_store(args, lambda store: store.grant_admin(user_id, names, actor_id=None))
    print(f"user {user.id} is an admin with: {', '.join(user.permissions) or 'no permissions'}")


def _revoke_admin(args: argparse.Namespace) -> None:
    user_id = _user_id(args)
    user = _with_store(args, lambda store: store.revoke_admin(user_id, actor_id=None))
    print(f"user {user.id} is now a {user.role}")


def _list_admins(args: argparse.Namespace) -> None:
    admins = _with_store(args, lambda store: store.list_admins())
    for user in admins:
        print(f"{user.id}\t@{user.username or '-'}\t{','.join(user.permissions) or '-'}")
    if not admins:
        print("no admins")


def _send_broadcast(args: argparse.Namespace) -> None:
    text = args.text.strip()
    # Measured as Telegram measures the message: tags do not count, an emoji can count twice.
    if not text or html_units(text) > TEXT_LIMIT:
        raise UsageError(f"--text: 1 to {TEXT_LIMIT} characters")
    if bool(args.button_text) != bool(args.button_url):
        raise UsageError("--button-text and --button-url go together")
    if args.button_url and not args.button_url.startswith(("https://", "http://", "tg://")):
        raise UsageError(f"--button-url: a link starting with https://, http:// or tg://, got {args.button_url!r}")
    settings = load_operator_settings(args.config)
    try:
        job = _with_store(args, lambda store: store.create_broadcast(
            None, text, args.audience, button_text=args.button_text, button_url=args.button_url,
            paid=settings.admin.paid_broadcast,
        ), settings)
    except InvalidAudience as error:
        raise UsageError(f"--audience: {error}") from None
    print(f"broadcast #{job.id} queued for {job.total} users; the running shop sends it and reports to the owner")


def _add_promo(args: argparse.Namespace) -> None:
    code = args.code.strip().upper()
    if not PROMO_CODE.fullmatch(code):
        raise UsageError(f"CODE: 3 to 32 letters, digits, '-' or '_', got {args.code!r}")
    value = _percent("--value", args.value) if args.kind == "percent" else _amount("--value", args.value)
    max_uses = _count("--max-uses", args.max_uses) if args.max_uses is not None else None
    expires_at = _last_day("--expires", args.expires) if args.expires is not None else None
    if args.kind == "credit" and (args.item or args.category):
        raise UsageError(f"{'--item' if args.item else '--category'}: a credit code adds to the balance; only discounts have a scope")
    promo = _with_store(args, lambda store: store.create_promo(
        code, args.kind, value, max_uses=max_uses, once_per_user=not args.many_per_user, expires_at=expires_at,
        item=args.item, category=args.category,
    ))
    print(f"promo code created: {_promo_line(promo)}")


def _list_promos(args: argparse.Namespace) -> None:
    async def every_page(store: Store) -> list[PromoRecord]:
        promos, page = [], await store.list_promos(1, PROMO_PAGE)
        promos += page.rows
        while page.number < page.pages:
            page = await store.list_promos(page.number + 1, PROMO_PAGE)
            promos += page.rows
        return promos

    promos = _with_store(args, every_page)
    for promo in promos:
        print(_promo_line(promo))
    if not promos:
        print("no promo codes yet")


def _disable_promo(args: argparse.Namespace) -> None:
    promo = _with_store(args, lambda store: store.disable_promo(args.code))
    print(f"promo code disabled: {_promo_line(promo)}")


def _export(args: argparse.Namespace) -> None:
    """See actors/csv_export.py for the file's format and the spreadsheet-safety rule."""
    if args.table not in EXPORT_TABLES:
        raise UsageError(f"TABLE: unknown table {args.table!r}: use {', '.join(EXPORT_TABLES)}")
    out = Path(args.out)
    try:
        with open_replacing(out) as file:
            count = _with_store(args, lambda store: write_table(store, args.table, file))
    except OSError as error:
        raise UsageError(f"--out: cannot write {out}: {error.strerror or error}") from None
    print(f"exported {count} {NOUNS[args.table]} to {out}")


def _promo_line(promo: PromoRecord) -> str:
    value = f"{promo.value}%" if promo.kind == "percent" else str(promo.value)
    uses = f"{promo.uses}/{promo.max_uses}" if promo.max_uses is not None else f"{promo.uses}/unlimited"
    # expires_at is the first moment it no longer works: the day before is the last one it does.
    last_day = f"until {(promo.expires_at - timedelta(microseconds=1)).date()}" if promo.expires_at else "no expiry"
    scope = f"item {promo.item_title!r}" if promo.item_title else f"category {promo.category_name!r}" if promo.category_name else "any item"
    scope = "balance credit" if promo.kind == "credit" else scope
    per_user = "once per user" if promo.once_per_user else "many per user"
    state = "active" if promo.active else "disabled"
    return f"{promo.code}  {promo.kind} {value}  uses {uses}  {per_user}  {last_day}  {scope}  {state}"


def _percent(name: str, text: str) -> Decimal:
    value = _amount(name, text)
    if value > 100:
        raise UsageError(f"{name}: a percentage is at most 100, got {text!r}")
    return value


def _count(name: str, text: str) -> int:
    if not text.isdecimal() or int(text) < 1:
        raise UsageError(f"{name}: must be a positive whole number, got {text!r}")
    return int(text)


def _last_day(name: str, text: str) -> datetime:
    """The moment a code stops working: the end of the given day, UTC."""
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise UsageError(f"{name}: expected a date as YYYY-MM-DD, got {text!r}")
    if day < datetime.now(UTC).date():
        raise UsageError(f"{name}: {text} is in the past")
    return datetime.combine(day + timedelta(days=1), time(), UTC)


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
