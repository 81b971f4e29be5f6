"""The `[web]` configuration section."""

from typing import Annotated

from msgspec import Meta

from storage import ConfigSection, hidden

# Where a sign-in link points, below the public URL: /sign-in/<token>.
SIGN_IN_PATH = "/sign-in"


class WebSettings(ConfigSection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The web app's server, and signing in to it. Secret (masked in its repr): `metrics_token`."""

    secrets = {"metrics_token": hidden}

    host: str = "127.0.0.1"
    port: int = 8080
    # Seconds the server waits for open requests when the shop stops.
    graceful_timeout: float = 5.0
    # The address people open the web app at (a reverse proxy's https://…), for the sign-in links.
    # Empty: http://host:port.
    public_url: str = ""
    # How long a web session lasts after signing in.
    session_hours: Annotated[float, Meta(gt=0, le=24 * 30)] = 12.0
    # The bearer token Prometheus scrapes /metrics/prometheus with. Empty: only a signed-in session may.
    metrics_token: str = ""
    # How many reverse proxies stand in front of the app, each adding X-Forwarded-For and -Proto: the
    # client's address (sign-in limits, audit) and scheme are then read from the last that many entries
    # of those headers. 0 (no proxy): the connection's own, so nobody can claim an address by header.
    proxy_hops: Annotated[int, Meta(ge=0, le=10)] = 0

    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def sign_in_url(self, token: str) -> str:
        return f"{self.base_url()}{SIGN_IN_PATH}/{token}"

    @property
    def secure(self) -> bool:
        """Whether browsers reach the app over https: its cookie is then sent over https alone."""
        return self.base_url().startswith("https://")
