"""Conversation state: a typed value per user, kept for a while in the shop's key-value store.

A `StateSlot[T]` names one kind of state (the question the bot asked, the promo code applied to an
order, a broadcast being drafted). Each user has at most one value in each slot, stored as msgspec
JSON under "<name>:<user id>" in the key-value store (in process by default, Redis when configured,
so any process can take the conversation on). A save replaces the value and starts its `ttl` anew;
after `ttl` seconds without a save the value is gone.

A stored value that does not decode as T (written in an older format, or by hand) reads as absent,
as if it had expired: the user starts that step again rather than meeting an error.
"""

import msgspec

from storage import KeyValue


class StateSlot[T]:
    """One kind of conversation state, of type T (a msgspec-encodable type, usually a Struct).

    Args:
      name: the key's prefix, unique among slots; keep it when T changes, or state saved before
        a deployment is dropped rather than read.
      kind: T itself, which stored values are decoded (and validated) as.
      ttl: seconds a saved value lasts.
    """

    def __init__(self, name: str, kind: type[T], *, ttl: float) -> None:
        self.name = name
        self.ttl = ttl
        self._decoder = msgspec.json.Decoder(kind)

    def key(self, user_id: int) -> str:
        return f"{self.name}:{user_id}"

    async def load(self, kv: KeyValue, user_id: int) -> T | None:
        """The user's value, or None when there is none, it expired, or it does not decode as T."""
        raw = await kv.get(self.key(user_id))
        if raw is None:
            return None
        try:
            return self._decoder.decode(raw)
        except msgspec.DecodeError:  # msgspec.ValidationError (the wrong shape) is a DecodeError too
            return None

    async def save(self, kv: KeyValue, user_id: int, value: T) -> None:
        """Keep `value` as the user's, for `ttl` seconds from now."""
        await kv.set(self.key(user_id), msgspec.json.encode(value).decode(), ttl=self.ttl)

    async def clear(self, kv: KeyValue, user_id: int) -> None:
        await kv.delete(self.key(user_id))
