"""The chat screens. `build_router` is the one place that assembles the router tree."""

import functools

from telegram.routing import Router
from telegram.screens import fallback, paging
from telegram.screens.user import buy, catalog, menu, profile


@functools.cache  # screen routers are module-level and may be included once
def build_router() -> Router:
    root = Router(name="root")
    for module in (paging, menu, catalog, buy, profile, fallback):
        root.include_router(module.router)
    return root


__all__ = ["build_router"]
