"""`shopkeeper web …`: the web app. `web link` prints a one-time sign-in link for the owner (or
another staff member), audited as the operator's ("web.link"); refused for anyone who is not staff."""

import argparse
import sys

from actors.cli.common import OPERATOR, Commands, UsageError, user_id, with_store
from actors.config import load_operator_settings
from storage import LINK_MINUTES, Refused


def register(commands: Commands) -> None:
    web = commands.add_parser("web", help="the web app").add_subparsers(dest="action", required=True, metavar="ACTION")
    link = web.add_parser("link", help=f"print a sign-in link, good once for {LINK_MINUTES} minutes")
    link.add_argument("--user", metavar="USER_ID", help="a staff member's Telegram id (default: the owner, telegram.owner_id)")
    link.set_defaults(handler=_link)


def _link(args: argparse.Namespace) -> None:
    settings = load_operator_settings(args.config)
    who = user_id(args.user) if args.user is not None else settings.owner_id
    if not who:
        raise UsageError("--user: no owner configured (telegram.owner_id): give --user USER_ID")
    issued = with_store(args, lambda store: store.issue_sign_in(who, owner_id=settings.owner_id, actor_id=OPERATOR), settings)
    if isinstance(issued, Refused):
        print(f"error: user {who} is not staff of this shop: no sign-in link", file=sys.stderr)
        raise SystemExit(1)
    print(f"Sign-in link for user {who}, good once for {LINK_MINUTES} minutes:")
    print(settings.web.sign_in_url(issued.token))
