"""Typed callback data: packing, the 64-byte limit, the separator, strict unpacking, the registry."""

import enum
from decimal import Decimal

import pytest

from telegram.callback_data import MAX_BYTES, CallbackData, parse


class Size(enum.StrEnum):
    SMALL = "s"
    LARGE = "l"


class BuyItem(CallbackData, prefix="t-buy"):
    item_id: int
    qty: int


class Note(CallbackData, prefix="t-note"):
    text: str


class Mixed(CallbackData, prefix="t-mix"):
    price: Decimal
    size: Size
    gift: bool
    page: int | None = None


def test_pack_and_roundtrip() -> None:
    buy = BuyItem(item_id=12, qty=1)
    assert buy.pack() == "t-buy:12:1"
    assert BuyItem.unpack("t-buy:12:1") == buy
    mixed = Mixed(price=Decimal("9.50"), size=Size.LARGE, gift=True)
    assert mixed.pack() == "t-mix:9.50:l:1:"
    assert Mixed.unpack(mixed.pack()) == mixed and Mixed.unpack(mixed.pack()).pack() == mixed.pack()
    assert Mixed.unpack("t-mix:-1:s:0:3") == Mixed(price=Decimal(-1), size=Size.SMALL, gift=False, page=3)


def test_instances_are_immutable_and_comparable() -> None:
    buy = BuyItem(item_id=1, qty=2)
    with pytest.raises(AttributeError):
        buy.qty = 3  # type: ignore[misc]
    assert buy == BuyItem(item_id=1, qty=2) and buy != BuyItem(item_id=1, qty=3)
    assert len({buy, BuyItem(item_id=1, qty=2)}) == 1


def test_64_bytes_not_characters() -> None:
    room = MAX_BYTES - len("t-note:")
    assert len(Note(text="a" * room).pack().encode()) == 64
    with pytest.raises(ValueError, match="64"):
        Note(text="a" * (room + 1)).pack()
    # "é" is 2 bytes: 29 of them fit in 57 bytes of room (58 would not); in characters it would fit.
    assert Note(text="é" * (room // 2)).pack()
    with pytest.raises(ValueError, match="bytes"):
        Note(text="é" * (room // 2 + 1)).pack()
    with pytest.raises(ValueError):
        Note(text="🛒" * 15).pack()  # 15 characters, 60 bytes + prefix


def test_separator_is_refused() -> None:
    with pytest.raises(ValueError, match="':'"):
        Note(text="a:b").pack()


def test_wrong_value_types_are_refused_on_pack() -> None:
    with pytest.raises(ValueError):
        BuyItem(item_id="12", qty=1).pack()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BuyItem(item_id=True, qty=1).pack()  # a bool is not an id


def test_64_bit_ints_round_trip() -> None:
    for value in (2**63 - 1, -(2**63)):
        assert BuyItem.unpack(BuyItem(item_id=value, qty=1).pack()).item_id == value
    with pytest.raises(ValueError):
        BuyItem(item_id=2**63, qty=1).pack()


@pytest.mark.parametrize(
    "data",
    [
        "t-buy:12",  # too few fields
        "t-buy:12:1:1",  # too many
        "t-note:12:1",  # another prefix
        "buy:12:1",
        "t-buy:x:1",  # not an int
        "t-buy: 1:1",  # not canonical
        "t-buy:+1:1",
        "t-buy:1_0:1",
        "t-buy:01:1",
        "t-buy::1",
        "t-buy:9223372036854775808:1",  # past 64 bits: no id is that large
        "t-buy:-9223372036854775809:1",
        "",
    ],
)
def test_bad_unpack(data: str) -> None:
    with pytest.raises(ValueError):
        BuyItem.unpack(data)


@pytest.mark.parametrize("data", ["t-mix:NaN:s:0:", "t-mix:1e3:s:0:", "t-mix:1:m:0:", "t-mix:1:s:2:", "t-mix:1:s:0:x"])
def test_bad_unpack_of_other_types(data: str) -> None:
    with pytest.raises(ValueError):
        Mixed.unpack(data)


def test_parse_dispatches_on_prefix() -> None:
    assert parse("t-buy:3:4") == BuyItem(item_id=3, qty=4)
    assert parse("t-note:hi") == Note(text="hi")
    assert parse("t-unknown:1") is None
    assert parse("t-buy:oops") is None  # forged or stale data does not match
    assert parse(None) is None


def test_filter_injects_callback_data() -> None:
    match = BuyItem.filter(qty=4)
    assert match("t-buy:3:4") == {"callback_data": BuyItem(item_id=3, qty=4)}
    assert match("t-buy:3:5") is False
    assert match("t-note:x") is False


def test_duplicate_prefix_is_refused() -> None:
    with pytest.raises(TypeError, match="already used"):

        class Other(CallbackData, prefix="t-buy"):
            x: int


def test_unsupported_field_type_is_refused() -> None:
    with pytest.raises(TypeError):

        class Bad(CallbackData, prefix="t-bad"):
            x: list[int]

    with pytest.raises(TypeError):

        class Ambiguous(CallbackData, prefix="t-amb"):
            x: str | None
