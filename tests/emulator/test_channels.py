"""getChatMember: members set by tests, channels found by @username or id, the official error texts."""

import json
from pathlib import Path
from typing import Any

import pytest

from telegram.emulator import Emulator, EmulatorError

SPEC = Path(__file__).resolve().parents[3] / "shared" / "botapi" / "shop_subset.json"
KIND_OF_STATUS = {
    "creator": "ChatMemberOwner", "administrator": "ChatMemberAdministrator", "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted", "left": "ChatMemberLeft", "kicked": "ChatMemberBanned",
}
# Required by Bot API versions after the subset's 10.1 (aiogram 3.31 models 10.3 and refuses an answer without it).
NEWER_FIELDS = {"ChatMemberAdministrator": {"can_send_welcome_messages"}}


async def test_member_statuses_by_username_and_id(emu: Emulator, api, ann) -> None:
    emu.set_chat_member("@Shop_News", ann.id, "member")
    assert (await api.ok("getChatMember", chat_id="@shop_news", user_id=ann.id))["status"] == "member"
    channel = emu.channel("@shop_news")
    assert channel.id < 0
    by_id = await api.ok("getChatMember", chat_id=channel.id, user_id=ann.id)
    assert by_id["status"] == "member" and by_id["user"]["id"] == ann.id and by_id["user"]["first_name"] == "Ann"

    emu.set_chat_member(channel.id, ann.id, "restricted", is_member=False)
    restricted = await api.ok("getChatMember", chat_id=str(channel.id), user_id=ann.id)
    assert restricted["status"] == "restricted" and restricted["is_member"] is False
    emu.set_chat_member("@shop_news", ann.id, "kicked")
    assert (await api.ok("getChatMember", chat_id="@shop_news", user_id=ann.id))["status"] == "kicked"

    bob = emu.user(1002, first_name="Bob")
    assert (await api.ok("getChatMember", chat_id="@shop_news", user_id=bob.id))["status"] == "left"
    assert emu.calls[-1][1] == "getChatMember"


async def test_errors_have_the_official_wording(emu: Emulator, api, ann) -> None:
    assert await api.error("getChatMember", chat_id="@nowhere", user_id=ann.id) == (400, "Bad Request: chat not found")
    assert await api.error("getChatMember", chat_id=-100777, user_id=ann.id) == (400, "Bad Request: chat not found")
    emu.set_chat_member("@closed", ann.id, "member")
    emu.channel("@closed").bot_is_admin = False
    assert await api.error("getChatMember", chat_id="@closed", user_id=ann.id) == (
        400, "Bad Request: member list is inaccessible")
    emu.channel("@open")
    assert await api.error("getChatMember", chat_id="@open", user_id=424242) == (400, "Bad Request: user not found")
    with pytest.raises(EmulatorError):
        emu.set_chat_member("@open", ann.id, "superstar")


async def test_every_status_follows_the_spec(emu: Emulator, api, ann) -> None:
    if not SPEC.exists():
        pytest.skip("shop_subset.json not present")
    types: dict[str, Any] = json.loads(SPEC.read_text())["types"]
    for status, kind in KIND_OF_STATUS.items():
        emu.set_chat_member("@spec", ann.id, status, is_member=True)
        member = await api.ok("getChatMember", chat_id="@spec", user_id=ann.id)
        fields = {f["name"]: f for f in types[kind]["fields"]}
        assert set(member) <= set(fields) | NEWER_FIELDS.get(kind, set()), f"{kind}: {set(member) - set(fields)}"
        assert {name for name, f in fields.items() if f["required"]} <= set(member), kind
