"""`shopkeeper user credit`: money added to a balance by hand, as the chat's 💰 Adjust balance adds it
(one store use case: a ledger entry and its audit event, "balance.topup" or "balance.adjust", in one
transaction), by the operator."""

import argparse

from actors.cli.common import OPERATOR, Commands, amount, text, user_id, with_store
from actors.config import load_operator_settings

# As long as a reason typed in the chat's balance adjustment may be.
REASON_MAX = 200


def register(commands: Commands) -> None:
    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True, metavar="ACTION")
    credit = user.add_parser("credit", help="add money to a user's balance (a ledger entry)")
    credit.add_argument("user_id", metavar="USER_ID")
    credit.add_argument("amount", metavar="AMOUNT")
    credit.add_argument("--reason", default="", metavar="TEXT")
    credit.add_argument(
        "--kind",
        choices=("topup", "adjustment"),
        default="topup",
        help="topup (default: money the user paid; pays their referrer's reward) or adjustment (a correction)",
    )
    credit.set_defaults(handler=_credit)


def _credit(args: argparse.Namespace) -> None:
    who = user_id(args.user_id)
    money = amount("AMOUNT", args.amount)
    settings = load_operator_settings(args.config)
    # A top-up pays the user's referrer, on the shop's terms, in the same transaction.
    terms = settings.shop.referral_terms() if args.kind == "topup" else None
    reason = text("--reason", args.reason, REASON_MAX) if args.reason else "credit from CLI"
    balance = with_store(
        args,
        lambda store: store.adjust_balance(who, money, reason, actor_id=OPERATOR, kind=args.kind, referral=terms),
        settings,
    )
    print(f"credited {money} to user {who}; balance is now {balance}")
