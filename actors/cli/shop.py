"""`shopkeeper run`, `sandbox`, `migrate` and `config check`: the shop itself and its configuration."""

import argparse
import os
import sys

import trio

from actors.cli.common import Commands, with_store
from actors.config import load_operator_settings, load_settings, masked, render_toml
from actors.shop import refuse_sandbox_database, run_shop
from storage import Store


def register(commands: Commands) -> None:
    commands.add_parser("run", help="run the shop against the Bot API at telegram.api_base_url").set_defaults(handler=_run)
    sandbox = commands.add_parser("sandbox", help="run the shop locally with SQLite and the Bot API emulator")
    sandbox.add_argument("--emulator-port", type=int, default=8081, metavar="PORT")
    sandbox.add_argument(
        "--cryptopay-port", type=int, default=8082, metavar="PORT", help="the CryptoPay twin's port (0: any free one)"
    )
    sandbox.set_defaults(handler=_sandbox)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(handler=_migrate)

    config = commands.add_parser("config", help="configuration").add_subparsers(dest="action", required=True, metavar="ACTION")
    config.add_parser("check", help="validate the config and print it with secrets masked").set_defaults(handler=_config_check)


def _run(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    trio.run(run_shop, settings)


def _sandbox(args: argparse.Namespace) -> None:
    # Here, not at the top: the sandbox brings the emulator and the CryptoPay twin, which the shop
    # (`run`) and the operator's commands never load.
    from actors.sandbox import run_sandbox

    try:
        trio.run(
            lambda: run_sandbox(args.config, os.environ, emulator_port=args.emulator_port, cryptopay_port=args.cryptopay_port)
        )
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


def _migrate(args: argparse.Namespace) -> None:
    settings = load_operator_settings(args.config)

    async def check(store: Store) -> None:
        # Migrating readies a database for `run`: a sandbox's is refused here already, as `run` refuses it.
        await refuse_sandbox_database(store, settings.storage)

    with_store(args, check, settings)
    print("database is up to date")
