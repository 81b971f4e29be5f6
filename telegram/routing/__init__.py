"""Update routing: the router tree, the per-update context, staff access, the dispatcher and the shop interface."""

from telegram.routing.access import Refusal, admit, permission_name, show_refusal
from telegram.routing.context import Button, Context, Row, keyboard
from telegram.routing.dispatcher import Dispatcher
from telegram.routing.intake import chat_key, from_a_person_in_private, is_payment, reports_payment
from telegram.routing.router import Declared, Route, Router
from telegram.routing.shop import BotIdentity, PurchaseUnavailable, Shop
from telegram.routing.state import StateSlot

__all__ = [
    "BotIdentity",
    "Button",
    "Context",
    "Declared",
    "Dispatcher",
    "PurchaseUnavailable",
    "Refusal",
    "Route",
    "Router",
    "Row",
    "Shop",
    "StateSlot",
    "admit",
    "keyboard",
    "permission_name",
    "show_refusal",
    "chat_key",
    "from_a_person_in_private",
    "is_payment",
    "reports_payment",
]
