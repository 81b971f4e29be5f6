"""Which of the shop's business events (storage.feed) a staff member may see on the web: `/events`
and `/live` (webui.pages.events, webui.live) ask this, on the person as the store read them just now.

Each kind needs what the chat needs to show the same information, so the web shows nobody more than
the chat would: the audit log (staff actions, security events, with sign-in addresses) is the
owner's alone (telegram/screens/admin/panel.py); payments, refunds and disputes need `payments`.
"""

from storage import Need, Permission, ShopEventKind, UserRecord, may

KIND_NEEDS: dict[ShopEventKind, Need] = {
    ShopEventKind.STAFF: "owner",
    ShopEventKind.SECURITY: "owner",
    ShopEventKind.PAYMENT: Permission.PAYMENTS,
    ShopEventKind.REFUND: Permission.PAYMENTS,
    ShopEventKind.DISPUTE: Permission.PAYMENTS,
    # `statistics` rather than `users`: these are the events the shop's figures change on (the
    # dashboard and the overview's cards fetch themselves again on them), so whoever may see the
    # figures must hear of them; and a purchase's amount is `statistics`' anyway.
    ShopEventKind.PURCHASE: Permission.STATISTICS,
    ShopEventKind.REGISTRATION: Permission.STATISTICS,
    # An actor crashed: any staff member may see how the shop is (the overview's status).
    ShopEventKind.CRASH: "staff",
}

# Kinds whose amount is money only those with `statistics` (and the owner) see.
MONEY_KINDS = frozenset({ShopEventKind.PURCHASE, ShopEventKind.PAYMENT, ShopEventKind.REFUND})


def visible_kinds(user: UserRecord, owner_id: int) -> frozenset[ShopEventKind]:
    """The kinds of event `user` (read afresh) may see."""
    return frozenset(kind for kind, need in KIND_NEEDS.items() if may(user, need, owner_id))


def shows_money(user: UserRecord, owner_id: int) -> bool:
    """Whether `user` (read afresh) sees the amounts of MONEY_KINDS."""
    return may(user, Permission.STATISTICS, owner_id)
