"""The `[web]` configuration section."""

import msgspec


class WebSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    host: str = "127.0.0.1"
    port: int = 8080
    # Seconds the server waits for open requests when the shop stops.
    graceful_timeout: float = 5.0
