"""The health report the web app serves at /health."""

import msgspec


class ComponentHealth(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    detail: str = ""


class HealthReport(msgspec.Struct, frozen=True, kw_only=True):
    components: dict[str, ComponentHealth]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.components.values())

    def to_json(self) -> bytes:
        return msgspec.json.encode({"status": "ok" if self.ok else "unhealthy", "components": self.components})
