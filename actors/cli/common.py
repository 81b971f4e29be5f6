"""What every command group of the `shopkeeper` command line shares: the usage error, the store an
operator command opens, and the readers of arguments, each naming the argument it refuses.

An operator command acts as OPERATOR: the owner's rights, and in the audit log the actor with no id
(storage/staff_rules.py). Every command that changes the shop goes through the store use case the
chat's staff use, which applies the staff rules and writes its audit event in the same transaction
as the change.
"""

import argparse
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import trio

from actors.config import OperatorSettings, load_operator_settings
from storage import Store, open_store
from telegram.amounts import AMOUNT_CHARS, parse_change

# The operator at the shell, as storage names the actor of a change.
OPERATOR = None

# An argparse sub-command set, as `add_subparsers` returns it (argparse names no public type for it).
type Commands = argparse._SubParsersAction[argparse.ArgumentParser]
# Telegram user ids are positive 64-bit numbers.
USER_ID_MAX = 2**63 - 1


class UsageError(Exception):
    """A bad command-line argument; the message names it."""


def with_store(args: argparse.Namespace, use: Callable[[Store], Awaitable[Any]], settings: OperatorSettings | None = None) -> Any:
    """Run `use` on the shop's store (storage and shop sections of the config only: no bot token needed)."""
    # Without a config file this is the default database, a real shop's; the sandbox prints how to
    # point operator commands at its own.
    settings = settings or load_operator_settings(args.config)

    async def session() -> Any:
        async with open_store(settings.storage) as store:
            return await use(store)

    return trio.run(session)


def amount(name: str, text: str) -> Decimal:
    """A positive amount, read as the chat reads one (telegram.amounts): "1e9", "12.345" or "-0" are
    refused, naming the argument `name`."""
    value = parse_change(text)
    if value is None:
        raise UsageError(
            f"{name}: an amount like 10 or 12.50 (digits, at most two decimals, at most {AMOUNT_CHARS} characters), got {text!r}"
        )
    if value <= 0:
        raise UsageError(f"{name}: must be a positive amount, got {text!r}")
    return value


def user_id(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= USER_ID_MAX):
        raise UsageError(f"USER_ID: {text!r} is not a Telegram user id")
    return int(text)


def text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise UsageError(f"{name}: must not be empty")
    if len(value) > limit:
        raise UsageError(f"{name}: at most {limit} characters")
    return value
