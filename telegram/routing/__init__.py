"""Update routing: the router tree, the per-update context, the dispatcher and the shop interface."""

from telegram.routing.context import Context, keyboard
from telegram.routing.dispatcher import Dispatcher
from telegram.routing.intake import chat_key, from_a_person_in_private, is_payment, reports_payment
from telegram.routing.router import Router
from telegram.routing.shop import BotIdentity, PurchaseUnavailable, Shop
from telegram.routing.state import StateSlot

__all__ = [
    "BotIdentity", "Context", "Dispatcher", "PurchaseUnavailable", "Router", "Shop", "StateSlot", "keyboard",
    "chat_key", "from_a_person_in_private", "is_payment", "reports_payment",
]
