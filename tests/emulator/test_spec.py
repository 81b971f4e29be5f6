"""What the emulator emits matches the Bot API spec subset (../shared/botapi/shop_subset.json when present)."""

from typing import Any

import telegram.emulator as emulator_pkg

ALIASES = {"MaybeInaccessibleMessage": "Message"}


def check(spec: dict[str, Any], obj: Any, type_name: str, path: str = "") -> None:
    type_name = ALIASES.get(type_name, type_name)
    if type_name.startswith("Array of "):
        assert isinstance(obj, list), path
        for i, item in enumerate(obj):
            check(spec, item, type_name.removeprefix("Array of "), f"{path}[{i}]")
        return
    if type_name not in spec["types"]:
        return  # a scalar or a type outside the subset
    fields = {f["name"]: f for f in spec["types"][type_name]["fields"]}
    assert isinstance(obj, dict), path
    for key, value in obj.items():
        assert key in fields, f"{path}.{key} is not a field of {type_name}"
        check(spec, value, fields[key]["types"][0], f"{path}.{key}")
    for name, f in fields.items():
        if f["required"]:
            assert name in obj, f"{path}: {type_name} lacks required {name}"


async def test_emitted_objects_follow_the_spec(spec, emu, api, client, ann) -> None:
    await api.ok("sendMessage", chat_id=1001, text="<b>x</b>", parse_mode="HTML",
                 reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}, {"text": "U", "url": "https://x"}]]})
    await ann.press("Go")
    await emu.group(-100500, title="Buyers").send_text(ann, "hi")
    for update in await api.ok("getUpdates"):
        check(spec, update, "Update", "update")
    r = await client.post("/bot123456:TEST/sendDocument", data={"chat_id": "1001"}, files={"document": ("a.txt", b"x")})
    check(spec, r.json()["result"], "Message", "document")
    check(spec, await api.ok("getWebhookInfo"), "WebhookInfo", "webhook")
    check(spec, await api.ok("getMe"), "User", "me")


def test_public_surface_is_pinned() -> None:
    assert sorted(emulator_pkg.__all__) == sorted([
        "CALLBACK_ANSWER_TIMEOUT", "ApiOutcome", "BotRecord", "ButtonNotFound", "EmulatedUser", "Emulator",
        "EmulatorError", "Fault", "FaultPlan", "Group", "PRE_CHECKOUT_TIMEOUT", "PaymentOutcome", "serve_emulator",
    ])
