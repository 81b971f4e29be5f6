"""The `shopkeeper` command line: one module per command group (shop, catalog, users, admins,
broadcasts, promos, export, web, webhook), the arguments and the store they share in `common`.

Every failure is one line on stderr naming the key or argument at fault, and a non-zero exit:
2 for a configuration or usage error, 1 for an operation the shop refused (a StorageRefusal) or
could not do now (a StorageOutage: the line names what the database said).
"""

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from actors.cli import admins, broadcasts, catalog, export, promos, shop, users, web, webhook
from actors.cli.common import UsageError
from actors.config import LOG_LEVEL_ENV, ConfigError
from storage import StorageError

__all__ = ["main"]

log = logging.getLogger("shopkeeper")


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
    for group in (shop, catalog, users, admins, broadcasts, promos, export, web, webhook):
        group.register(commands)
    return parser
