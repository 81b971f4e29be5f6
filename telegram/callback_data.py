"""Typed, packed callback data for inline buttons (aiogram's `CallbackData`, stricter).

    class BuyItem(CallbackData, prefix="buy"):
        item_id: int
        qty: int

    BuyItem(item_id=12, qty=1).pack()  -> "buy:12:1"
    BuyItem.unpack("buy:12:1")         -> BuyItem(item_id=12, qty=1)
    parse("buy:12:1")                  -> BuyItem(item_id=12, qty=1)   (any registered subclass)

Contract:
  * Subclasses become frozen dataclasses: immutable, hashable, compared field by field.
  * Field types: int, str, bool, Decimal, an Enum subclass, or `X | None` for a non-str X (None packs as
    the empty string; `str | None` is refused because "" would be ambiguous).
  * `pack()` raises ValueError when a value has the wrong type, a str contains the separator ":", or
    the packed string is over 64 bytes in UTF-8 (Telegram's limit is in bytes, not characters).
  * `unpack()` raises ValueError on a wrong prefix, a wrong number of parts, or a part that does not
    parse *canonically* (" 1", "+1", "1_0" are refused for int), so pack(unpack(s)) == s.
  * Prefixes are unique over all subclasses: a duplicate raises TypeError at class creation.

Callback data comes from the client and can be forged: carry ids only, and re-check permissions and
prices on the server side.
"""

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, Self, dataclass_transform

SEPARATOR = ":"
MAX_BYTES = 64

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


@dataclasses.dataclass(frozen=True)
class _Codec:
    encode: Callable[[Any], str]
    decode: Callable[[str], Any]
    accepts: Callable[[Any], bool]


# Ints are signed 64-bit, like every id Telegram or the database hands out: a forged button cannot
# carry a number no column can hold.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _int_decode(text: str) -> int:
    if not _INT.fullmatch(text) or len(text) > 20:
        raise ValueError(f"not an int: {text!r}")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"int out of 64-bit range: {text!r}")
    return value


def _bool_decode(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"not a bool: {text!r}")
    return text == "1"


def _decimal_encode(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"not a finite decimal: {value}")
    return format(value, "f")


def _decimal_decode(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal: {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation as e:
        raise ValueError(f"not a decimal: {text!r}") from e


def _str_encode(value: str) -> str:
    if SEPARATOR in value:
        raise ValueError(f"a callback data value may not contain {SEPARATOR!r}: {value!r}")
    return value


def _enum_codec(cls: type[enum.Enum]) -> _Codec:
    by_text = {str(member.value): member for member in cls}
    if len(by_text) != len(cls) or any(SEPARATOR in t or t == "" for t in by_text):
        raise TypeError(f"{cls.__name__}: enum values must be distinct, non-empty and without {SEPARATOR!r}")

    def decode(text: str) -> enum.Enum:
        try:
            return by_text[text]
        except KeyError:
            raise ValueError(f"not a {cls.__name__}: {text!r}") from None

    return _Codec(lambda v: str(v.value), decode, lambda v: isinstance(v, cls))


def _codec(hint: Any) -> _Codec:
    """Build the codec of one field type; TypeError for types we cannot pack unambiguously."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1 or len(args) != 2 or inner[0] is str:
            raise TypeError(f"unsupported callback data field type {hint!r}")
        base = _codec(inner[0])
        return _Codec(
            lambda v: "" if v is None else base.encode(v),
            lambda t: None if t == "" else base.decode(t),
            lambda v: v is None or base.accepts(v),
        )
    if hint is bool:
        return _Codec(lambda v: "1" if v else "0", _bool_decode, lambda v: isinstance(v, bool))
    if hint is int:
        # bool is an int subclass; True is not an item id.
        return _Codec(str, _int_decode, lambda v: isinstance(v, int) and not isinstance(v, bool) and INT_MIN <= v <= INT_MAX)
    if hint is str:
        return _Codec(_str_encode, lambda t: t, lambda v: isinstance(v, str))
    if hint is Decimal:
        return _Codec(_decimal_encode, _decimal_decode, lambda v: isinstance(v, Decimal))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_codec(hint)
    raise TypeError(f"unsupported callback data field type {hint!r}")


# Tells the type checker what __init_subclass__ does at run time: each subclass is a frozen dataclass,
# so `BuyItem(item_id=1, qty=2)` is checked against the fields like any dataclass constructor.
@dataclass_transform(frozen_default=True)
class CallbackData:
    """Base of typed callback data; subclass with `prefix=` and annotated fields (see module docstring)."""

    __prefix__: ClassVar[str]
    __codecs__: ClassVar[dict[str, _Codec]]
    _registry: ClassVar[dict[str, type["CallbackData"]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEPARATOR in prefix:
            raise TypeError(f"{cls.__name__}: prefix must be non-empty and without {SEPARATOR!r}")
        existing = CallbackData._registry.get(prefix)
        # Re-creating the same class (a module imported twice) is allowed; a different one is not.
        if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"callback data prefix {prefix!r} is already used by {existing.__qualname__}")
        dataclasses.dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls)
        cls.__prefix__ = prefix
        # The checker cannot see that the line above made cls a dataclass.
        cls.__codecs__ = {f.name: _codec(hints[f.name]) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        CallbackData._registry[prefix] = cls

    def pack(self) -> str:
        """The button's callback_data string; ValueError if it cannot be sent (see module docstring)."""
        parts = [self.__prefix__]
        for name, codec in self.__codecs__.items():
            value = getattr(self, name)
            if not codec.accepts(value):
                raise ValueError(f"{type(self).__name__}.{name}: unexpected value {value!r}")
            parts.append(codec.encode(value))
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"callback data is {len(packed.encode())} bytes, over the {MAX_BYTES}-byte limit")
        return packed

    @classmethod
    def unpack(cls, data: str) -> Self:
        """Parse `data` packed by this class; ValueError on anything else."""
        parts = data.split(SEPARATOR)
        if parts[0] != cls.__prefix__:
            raise ValueError(f"callback data {data!r} does not start with {cls.__prefix__!r}")
        if len(parts) - 1 != len(cls.__codecs__):
            raise ValueError(f"callback data {data!r} needs {len(cls.__codecs__)} fields, has {len(parts) - 1}")
        values = {name: codec.decode(part) for (name, codec), part in zip(cls.__codecs__.items(), parts[1:], strict=True)}
        return cls(**values)

    @classmethod
    def filter(cls, **where: Any) -> Callable[[Any], dict[str, Any] | Literal[False]]:
        """An aiogram-style filter: given a CallbackQuery (or its data string), return
        `{"callback_data": instance}` when the data unpacks as `cls` and every `where` field is equal,
        else False. Forged or stale data is not an error here: it simply does not match."""

        def match(query: Any) -> dict[str, Any] | Literal[False]:
            data = query if isinstance(query, str) else getattr(query, "data", None)
            if data is None:
                return False
            try:
                value = cls.unpack(data)
            except ValueError:
                return False
            if any(getattr(value, k) != v for k, v in where.items()):
                return False
            return {"callback_data": value}

        return match


def parse(data: str | None) -> CallbackData | None:
    """Unpack `data` with the subclass registered for its prefix; None if unknown or invalid."""
    if not data:
        return None
    cls = CallbackData._registry.get(data.split(SEPARATOR, 1)[0])
    if cls is None:
        return None
    try:
        return cls.unpack(data)
    except ValueError:
        return None


__all__ = ["MAX_BYTES", "SEPARATOR", "CallbackData", "parse"]
