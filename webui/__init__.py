"""The web room: the quart-trio app (health, Prometheus metrics, signing in, the pages) and its server."""

from webui.app import CannotListen, SandboxPages, create_app, serve_web
from webui.auth import Auth
from webui.config import WebSettings
from webui.error_book import ErrorBook, open_error_book
from webui.health import ComponentHealth, HealthReport, WebhookHealth
from webui.redactor import Redactor
from webui.status import ShopMode
from webui.telegram_webhook import Taken, TelegramWebhook

__all__ = [
    "Auth",
    "CannotListen",
    "ComponentHealth",
    "ErrorBook",
    "HealthReport",
    "Redactor",
    "SandboxPages",
    "ShopMode",
    "Taken",
    "TelegramWebhook",
    "WebSettings",
    "WebhookHealth",
    "create_app",
    "open_error_book",
    "serve_web",
]
