"""The chat screens. `build_router` is the one place that assembles the router tree."""

import functools

from telegram.routing import Router
from telegram.screens import fallback, paging
from telegram.screens.admin import (
    admins,
    audit,
    broadcasts,
    categories,
    item_edit,
    items,
    notices,
    panel,
    refunds,
    statistics,
    stock,
    users,
    web,
)
from telegram.screens.admin import promos as admin_promos
from telegram.screens.user import (
    buy,
    catalog,
    checkout,
    disputes,
    gate,
    history,
    ledger,
    menu,
    pages,
    profile,
    promo,
    referrals,
    reviews,
    search,
    topup,
)
from telegram.screens.user.gate import build_gate
from telegram.screens.user.receipt import RECEIPTS


@functools.cache  # screen routers are module-level and may be included once
def build_router() -> Router:
    root = Router(name="root")
    for module in (
        checkout,
        panel,
        admins,
        users,
        audit,
        broadcasts,
        admin_promos,
        categories,
        items,
        item_edit,
        stock,
        statistics,
        refunds,
        web,
        notices,
        paging,
        menu,
        topup,
        disputes,
        catalog,
        search,
        buy,
        promo,
        profile,
        history,
        ledger,
        referrals,
        reviews,
        pages,
        gate,
        fallback,
    ):
        root.include_router(module.router)
    return root


__all__ = ["RECEIPTS", "build_gate", "build_router"]
