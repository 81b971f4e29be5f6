"""Webhook signatures: HMAC-SHA256 of the raw body keyed with SHA-256(token), checked in constant time."""

import hashlib
import hmac

import pytest

from telegram.cryptopay import sign, verify

from .conftest import TOKEN

BODY = b'{"update_id":1}'
# Computed once, by hand, with hashlib and hmac for TOKEN and BODY.
KNOWN = "dc65c86a0bd634bc613c73cc5ff4fb64d8ad58d9880d90e7b8674497d88a071a"


def test_sign_matches_the_documented_recipe() -> None:
    key = hashlib.sha256(TOKEN.encode()).digest()
    assert sign(TOKEN, BODY) == hmac.new(key, BODY, hashlib.sha256).hexdigest() == KNOWN


def test_verify_accepts_the_right_signature_in_either_case() -> None:
    assert verify(TOKEN, BODY, KNOWN)
    assert verify(TOKEN, BODY, KNOWN.upper())


def test_verify_rejects_a_tampered_body() -> None:
    assert not verify(TOKEN, b'{"update_id":2}', KNOWN)
    assert not verify(TOKEN, BODY + b" ", KNOWN)


def test_verify_rejects_a_signature_made_with_another_token() -> None:
    assert not verify(TOKEN, BODY, sign("12345:AAanother-token", BODY))
    assert not verify("12345:AAanother-token", BODY, KNOWN)


@pytest.mark.parametrize(
    "signature",
    [None, "", "not hex at all", KNOWN[:-2], KNOWN + "00", "zz" + KNOWN[2:], " " + KNOWN[1:], "é" * 64,
     " ".join([KNOWN[:32], KNOWN[32:]])],
)
def test_verify_says_false_for_missing_or_malformed_signatures(signature: str | None) -> None:
    assert verify(TOKEN, BODY, signature) is False
