"""Update routing: the router tree, the per-update context, the dispatcher and the shop interface."""

from telegram.routing.context import Context, keyboard
from telegram.routing.dispatcher import Dispatcher
from telegram.routing.router import Router
from telegram.routing.shop import BotIdentity, PurchaseUnavailable, Shop

__all__ = ["BotIdentity", "Context", "Dispatcher", "PurchaseUnavailable", "Router", "Shop", "keyboard"]
