"""Our msgspec types against the Bot API spec (../shared/botapi/shop_subset.json), and decoding."""

import json
import types
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest

import telegram.types as tg

SPEC = Path(__file__).parents[2].parent / "shared/botapi/shop_subset.json"
STRUCTS = [getattr(tg, name) for name in tg.__all__ if name != "TelegramType"]
# A spec type we decode into one of ours: InaccessibleMessage has a subset of Message's fields.
ALIASES = {"MaybeInaccessibleMessage": "Message", "InaccessibleMessage": "Message"}
SCALARS = {"Integer": int, "String": str, "Boolean": bool, "Float": float, "True": bool}
# Types we declare that the shop subset leaves out, written from the official Bot API page in the subset's form.
BEYOND_SUBSET = {
    "PhotoSize": {"fields": [
        {"name": "file_id", "types": ["String"], "required": True},
        {"name": "file_unique_id", "types": ["String"], "required": True},
        {"name": "width", "types": ["Integer"], "required": True},
        {"name": "height", "types": ["Integer"], "required": True},
        {"name": "file_size", "types": ["Integer"], "required": False},
    ]},
    "File": {"fields": [
        {"name": "file_id", "types": ["String"], "required": True},
        {"name": "file_unique_id", "types": ["String"], "required": True},
        {"name": "file_size", "types": ["Integer"], "required": False},
        {"name": "file_path", "types": ["String"], "required": False},
    ]},
    "StarTransactions": {"fields": [
        {"name": "transactions", "types": ["Array of StarTransaction"], "required": True},
    ]},
    "StarTransaction": {"fields": [
        {"name": "id", "types": ["String"], "required": True},
        {"name": "amount", "types": ["Integer"], "required": True},
        {"name": "nanostar_amount", "types": ["Integer"], "required": False},
        {"name": "date", "types": ["Integer"], "required": True},
        {"name": "source", "types": ["TransactionPartner"], "required": False},
        {"name": "receiver", "types": ["TransactionPartner"], "required": False},
    ]},
    "TransactionPartner": {"subtypes": [
        "TransactionPartnerUser", "TransactionPartnerChat", "TransactionPartnerAffiliateProgram",
        "TransactionPartnerFragment", "TransactionPartnerTelegramAds", "TransactionPartnerTelegramApi",
        "TransactionPartnerOther",
    ]},
    "TransactionPartnerUser": {"fields": [
        {"name": "type", "types": ["String"], "required": True},
        {"name": "transaction_type", "types": ["String"], "required": True},
        {"name": "user", "types": ["User"], "required": True},
        {"name": "affiliate", "types": ["AffiliateInfo"], "required": False},
        {"name": "invoice_payload", "types": ["String"], "required": False},
        {"name": "subscription_period", "types": ["Integer"], "required": False},
        {"name": "paid_media", "types": ["Array of PaidMedia"], "required": False},
        {"name": "paid_media_payload", "types": ["String"], "required": False},
        {"name": "gift", "types": ["Gift"], "required": False},
        {"name": "premium_subscription_duration", "types": ["Integer"], "required": False},
    ]},
    "TransactionPartnerChat": {"fields": [
        {"name": "type", "types": ["String"], "required": True},
        {"name": "chat", "types": ["Chat"], "required": True},
        {"name": "gift", "types": ["Gift"], "required": False},
    ]},
    "TransactionPartnerAffiliateProgram": {"fields": [
        {"name": "type", "types": ["String"], "required": True},
        {"name": "sponsor_user", "types": ["User"], "required": False},
        {"name": "commission_per_mille", "types": ["Integer"], "required": True},
    ]},
    "TransactionPartnerFragment": {"fields": [
        {"name": "type", "types": ["String"], "required": True},
        {"name": "withdrawal_state", "types": ["RevenueWithdrawalState"], "required": False},
    ]},
    "TransactionPartnerTelegramAds": {"fields": [{"name": "type", "types": ["String"], "required": True}]},
    "TransactionPartnerTelegramApi": {"fields": [
        {"name": "type", "types": ["String"], "required": True},
        {"name": "request_count", "types": ["Integer"], "required": True},
    ]},
    "TransactionPartnerOther": {"fields": [{"name": "type", "types": ["String"], "required": True}]},
}


@pytest.fixture(scope="module")
def spec_types() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Bot API spec not present at {SPEC}")
    return BEYOND_SUBSET | json.loads(SPEC.read_text())["types"]


def _fits(spec_type: str, hint: Any) -> bool:
    """Whether a Python annotation can hold the spec's type, e.g. "Array of MessageEntity"."""
    if spec_type.startswith("Array of "):
        return typing.get_origin(hint) is list and _fits(spec_type.removeprefix("Array of "), typing.get_args(hint)[0])
    if spec_type in SCALARS:
        return hint is SCALARS[spec_type]
    return isinstance(hint, type) and hint.__name__ == ALIASES.get(spec_type, spec_type)


def _spec_fields(spec_types: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """A type's fields; for a union type (ChatMember: one Struct for its six kinds) the fields of all its
    kinds, a field being required only where every kind requires it."""
    spec = spec_types[name]
    if "subtypes" not in spec:
        return {f["name"]: f for f in spec["fields"]}
    kinds = [_spec_fields(spec_types, kind) for kind in spec["subtypes"]]
    merged: dict[str, dict[str, Any]] = {}
    for fields in kinds:
        for field_name, f in fields.items():
            types_ = sorted(set(merged.get(field_name, {}).get("types", [])) | set(f["types"]))
            required = all(field_name in other and other[field_name]["required"] for other in kinds)
            merged[field_name] = {**f, "types": types_, "required": required}
    return merged


def _without_none(hint: Any) -> list[Any]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return [a for a in typing.get_args(hint) if a is not type(None)]
    return [hint]


@pytest.mark.parametrize("struct", STRUCTS, ids=lambda s: s.__name__)
def test_declared_fields_exist_in_spec_with_compatible_types(struct: type, spec_types: dict[str, Any]) -> None:
    spec_fields = _spec_fields(spec_types, struct.__name__)
    info = msgspec.inspect.type_info(struct)
    for field in info.fields:
        assert field.encode_name in spec_fields, f"{struct.__name__}.{field.encode_name} is not in the spec"
        spec = spec_fields[field.encode_name]
        hints = _without_none(typing.get_type_hints(struct)[field.name])
        for hint in hints:
            assert any(_fits(t, hint) for t in spec["types"]), f"{struct.__name__}.{field.name}: {hint} vs {spec['types']}"
        if not spec["required"]:
            assert not field.required, f"{struct.__name__}.{field.name} is optional in the spec"


@pytest.mark.parametrize("struct", STRUCTS, ids=lambda s: s.__name__)
def test_required_spec_fields_are_declared(struct: type, spec_types: dict[str, Any]) -> None:
    declared = {f.encode_name for f in msgspec.inspect.type_info(struct).fields}
    required = {name for name, f in _spec_fields(spec_types, struct.__name__).items() if f["required"]}
    assert required <= declared, f"{struct.__name__} misses {sorted(required - declared)}"


def test_unknown_fields_are_ignored_and_inaccessible_message_decodes() -> None:
    raw = {
        "update_id": 7,
        "brand_new_field": {"x": 1},
        "callback_query": {
            "id": "q1",
            "from": {"id": 5, "is_bot": False, "first_name": "Ann", "future": True},
            "chat_instance": "ci",
            "data": "buy:1:1",
            "message": {"chat": {"id": 5, "type": "private"}, "message_id": 9, "date": 0},
        },
    }
    update = msgspec.json.decode(json.dumps(raw), type=tg.Update)
    query = update.callback_query
    assert query is not None and query.from_.first_name == "Ann" and query.data == "buy:1:1"
    assert query.message is not None and not query.message.accessible and query.message.message_id == 9


def test_markup_encodes_without_unset_fields() -> None:
    markup = tg.InlineKeyboardMarkup(inline_keyboard=[[tg.InlineKeyboardButton(text="Buy", callback_data="buy:1:1")]])
    assert json.loads(msgspec.json.encode(markup)) == {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1:1"}]]}


def test_types_are_frozen() -> None:
    user = tg.User(id=1, is_bot=False, first_name="A")
    with pytest.raises(AttributeError):
        user.first_name = "B"  # type: ignore[misc]
