"""`shopkeeper admin …`: the shop's admins and their permissions. The operator holds the owner's
rights, so may give `money`; each grant and revoke is audited as the operator's ("admin.grant",
"admin.revoke")."""

import argparse

from actors.cli.common import OPERATOR, Commands, UsageError, user_id, with_store
from storage import PERMISSIONS


def register(commands: Commands) -> None:
    admin = commands.add_parser("admin", help="the shop's admins").add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = admin.add_parser("grant", help="make a user an admin with these permissions (replacing an admin's)")
    grant.add_argument("user_id", metavar="USER_ID")
    grant.add_argument(
        "--permissions",
        required=True,
        metavar="LIST",
        help=f"comma-separated: {','.join(PERMISSIONS)}, or all",
    )
    grant.set_defaults(handler=_grant_admin)
    revoke = admin.add_parser("revoke", help="make an admin a plain user again")
    revoke.add_argument("user_id", metavar="USER_ID")
    revoke.set_defaults(handler=_revoke_admin)
    admin.add_parser("list", help="the admins and their permissions").set_defaults(handler=_list_admins)


def _grant_admin(args: argparse.Namespace) -> None:
    who = user_id(args.user_id)
    names = [name.strip() for name in args.permissions.split(",") if name.strip()]
    names = PERMISSIONS if names == ["all"] else names
    for name in names:
        if name not in PERMISSIONS:
            raise UsageError(f"--permissions: unknown permission {name!r}: use {','.join(PERMISSIONS)} or all")
    user = with_store(args, lambda store: store.grant_admin(who, names, actor_id=OPERATOR))
    print(f"user {user.id} is an admin with: {', '.join(user.permissions) or 'no permissions'}")


def _revoke_admin(args: argparse.Namespace) -> None:
    who = user_id(args.user_id)
    user = with_store(args, lambda store: store.revoke_admin(who, actor_id=OPERATOR))
    print(f"user {user.id} is now a {user.role}")


def _list_admins(args: argparse.Namespace) -> None:
    admins = with_store(args, lambda store: store.list_admins())
    for user in admins:
        print(f"{user.id}\t@{user.username or '-'}\t{','.join(user.permissions) or '-'}")
    if not admins:
        print("no admins")
