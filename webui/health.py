"""The health report the web app serves at /health."""

import msgspec


class ComponentHealth(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    detail: str = ""  # what the public /health says
    reason: str = ""  # more, for the signed-in overview only (a crash's redacted message)


class HealthReport(msgspec.Struct, frozen=True, kw_only=True):
    components: dict[str, ComponentHealth]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.components.values())

    def to_json(self) -> bytes:
        components = {name: {"ok": c.ok, "detail": c.detail} for name, c in self.components.items()}
        return msgspec.json.encode({"status": "ok" if self.ok else "unhealthy", "components": components})
