"""`shopkeeper promo …`: promo codes, created and disabled as the operator ("promo.create",
"promo.disable" in the audit log), and listed."""

import argparse
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from actors.cli.common import OPERATOR, Commands, UsageError, amount, with_store
from storage import PROMO_CODE, PromoRecord, Store

# Promo codes read per query by `promo list`.
PROMO_PAGE = 100


def register(commands: Commands) -> None:
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


def _add_promo(args: argparse.Namespace) -> None:
    code = args.code.strip().upper()
    if not PROMO_CODE.fullmatch(code):
        raise UsageError(f"CODE: 3 to 32 letters, digits, '-' or '_', got {args.code!r}")
    value = _percent("--value", args.value) if args.kind == "percent" else amount("--value", args.value)
    max_uses = _count("--max-uses", args.max_uses) if args.max_uses is not None else None
    expires_at = _last_day("--expires", args.expires) if args.expires is not None else None
    if args.kind == "credit" and (args.item or args.category):
        scoped = "--item" if args.item else "--category"
        raise UsageError(f"{scoped}: a credit code adds to the balance; only discounts have a scope")
    promo = with_store(
        args,
        lambda store: store.create_promo(
            code,
            args.kind,
            value,
            max_uses=max_uses,
            once_per_user=not args.many_per_user,
            expires_at=expires_at,
            item=args.item,
            category=args.category,
            actor_id=OPERATOR,
        ),
    )
    print(f"promo code created: {_promo_line(promo)}")


def _list_promos(args: argparse.Namespace) -> None:
    async def every_page(store: Store) -> list[PromoRecord]:
        promos, page = [], await store.list_promos(1, PROMO_PAGE)
        promos += page.rows
        while page.number < page.pages:
            page = await store.list_promos(page.number + 1, PROMO_PAGE)
            promos += page.rows
        return promos

    promos = with_store(args, every_page)
    for promo in promos:
        print(_promo_line(promo))
    if not promos:
        print("no promo codes yet")


def _disable_promo(args: argparse.Namespace) -> None:
    promo = with_store(args, lambda store: store.disable_promo(args.code, actor_id=OPERATOR))
    print(f"promo code disabled: {_promo_line(promo)}")


def _promo_line(promo: PromoRecord) -> str:
    value = f"{promo.value}%" if promo.kind == "percent" else str(promo.value)
    uses = f"{promo.uses}/{promo.max_uses}" if promo.max_uses is not None else f"{promo.uses}/unlimited"
    # expires_at is the first moment it no longer works: the day before is the last one it does.
    last_day = f"until {(promo.expires_at - timedelta(microseconds=1)).date()}" if promo.expires_at else "no expiry"
    if promo.kind == "credit":
        scope = "balance credit"
    elif promo.item_title:
        scope = f"item {promo.item_title!r}"
    else:
        scope = f"category {promo.category_name!r}" if promo.category_name else "any item"
    per_user = "once per user" if promo.once_per_user else "many per user"
    state = "active" if promo.active else "disabled"
    return f"{promo.code}  {promo.kind} {value}  uses {uses}  {per_user}  {last_day}  {scope}  {state}"


def _percent(name: str, text: str) -> Decimal:
    value = amount(name, text)
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
