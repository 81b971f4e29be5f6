"""`shopkeeper broadcast send`: a broadcast queued for the running shop, audited as the operator's
("broadcast.create")."""

import argparse

from actors.cli.common import OPERATOR, Commands, UsageError, with_store
from actors.config import load_operator_settings
from storage import InvalidAudience
from telegram.limits import TEXT_LIMIT, html_units


def register(commands: Commands) -> None:
    broadcast = commands.add_parser("broadcast", help="broadcasts").add_subparsers(dest="action", required=True, metavar="ACTION")
    send = broadcast.add_parser("send", help="queue a broadcast; the running shop sends it and reports to the owner")
    send.add_argument("--text", required=True, metavar="HTML", help="the message, Telegram HTML")
    send.add_argument("--audience", default="all", metavar="WHO", help="all (default), buyers, or lang:<code> (e.g. lang:ru)")
    send.add_argument("--button-text", metavar="LABEL", help="a link button's label (with --button-url)")
    send.add_argument("--button-url", metavar="URL", help="the link button's https:// address")
    send.set_defaults(handler=_send_broadcast)


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
        job = with_store(
            args,
            lambda store: store.create_broadcast(
                OPERATOR,
                text,
                args.audience,
                button_text=args.button_text,
                button_url=args.button_url,
                paid=settings.admin.paid_broadcast,
            ),
            settings,
        )
    except InvalidAudience as error:
        raise UsageError(f"--audience: {error}") from None
    print(f"broadcast #{job.id} queued for {job.total} users; the running shop sends it and reports to the owner")
