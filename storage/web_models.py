"""Tortoise models of signing in to the web app: one-time sign-in links and the sessions they open.
(Beside storage.models, which holds the shop's own data.)

Only SHA-256 hashes of the tokens are kept, so a copy of the database signs nobody in; the token
itself is handed out once (the link, the cookie) and never stored.
"""

from tortoise import fields, models

from storage.models import User


class WebSignIn(models.Model):
    """A sign-in link for one staff member: redeemed once (`used_at` set), before `expires_at`."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="web_sign_ins", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_sign_ins"


class WebSession(models.Model):
    """A signed-in browser: the cookie's token hashed, whose it is, the token its forms carry
    against cross-site requests, and when it ends. Sign-out deletes it."""

    id = fields.BigIntField(primary_key=True)
    session_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="web_sessions", on_delete=fields.CASCADE
    )
    user_id: int
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "web_sessions"
        # Revoking or blocking an admin deletes their sessions.
        indexes = (("user_id",),)
