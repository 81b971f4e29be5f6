"""The web room: the quart-trio app (health, Prometheus metrics) and its server."""

from webui.app import CannotListen, create_app, serve_web
from webui.config import WebSettings
from webui.health import ComponentHealth, HealthReport

__all__ = ["CannotListen", "ComponentHealth", "HealthReport", "WebSettings", "create_app", "serve_web"]
