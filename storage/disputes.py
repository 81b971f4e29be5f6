"""Payment disputes: a buyer's description of a payment problem, recorded for the staff."""

from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.feed import add_event
from storage.inbox import claim_update
from storage.kinds import ShopEventKind
from storage.models import Payment
from storage.orders import payment_record
from storage.records import PaymentRecord


async def open_dispute(user_id: int, text: str, *, recent: int, once: int | None = None) -> list[PaymentRecord]:
    """Record a buyer's payment dispute (the audit event "payment.dispute") and return their `recent`
    latest orders, newest first, for the staff's notice.

    With `once` (the update that carried the description), that update is claimed in the same
    transaction: raises AlreadyHandled when its dispute was recorded already (a replay after a crash)."""
    async with in_transaction() as conn:
        await claim_update(conn, once)
        await write_event(conn, "payment.dispute", actor_id=user_id, target=str(user_id), detail=text, feed=False)
        # The buyer's words stay in the audit log: the feed is read on screens the buyer never chose.
        await add_event(
            conn, ShopEventKind.DISPUTE, f"payment dispute from user {user_id}", user_id=user_id, subject=f"user:{user_id}"
        )
        payments = await Payment.filter(user_id=user_id).using_db(conn).order_by("-created_at").limit(recent)
    return [payment_record(payment) for payment in payments]
