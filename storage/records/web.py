"""Signing in to the web app: the link's token and the session it opens."""

from datetime import datetime

from storage.records.base import Record


class SignInLink(Record, frozen=True):
    """A one-time sign-in token for `user_id` (given here once: only its hash is stored)."""

    token: str
    user_id: int
    expires_at: datetime


class NewWebSession(Record, frozen=True):
    """A session just opened: `token` goes in the cookie (given here once: only its hash is stored)."""

    token: str
    user_id: int
    csrf_token: str
    expires_at: datetime


class WebSessionRecord(Record, frozen=True):
    """A session found by its cookie's token: whose it is, and the token its forms must carry."""

    user_id: int
    csrf_token: str
    expires_at: datetime
