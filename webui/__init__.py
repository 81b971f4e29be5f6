"""The web room: the quart-trio app (health, Prometheus metrics, signing in, the pages) and its server."""

from webui.app import CannotListen, SandboxPages, create_app, serve_web
from webui.auth import Auth
from webui.config import WebSettings
from webui.health import ComponentHealth, HealthReport

__all__ = ["Auth", "CannotListen", "ComponentHealth", "HealthReport", "SandboxPages", "WebSettings", "create_app", "serve_web"]
