"""Use cases about reviews: one per (user, item), written only by a buyer of the item.

`Item.rating_sum` and `Item.rating_count` are running totals kept in step with the reviews in the same
transaction, so an item card needs no aggregate query. Writing a review first locks the item's row
(a no-op update: the write lock on SQLite, a row lock on PostgreSQL), so two edits of one review can
never both adjust the totals by the same old rating.
"""

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.catalog import ID_MAX, SHOWN, item_record
from storage.models import Item, Purchase, Review
from storage.paging import paginate
from storage.records import ItemReviews, ItemUnavailable, NotABuyer, ReviewRecord, ReviewSaved, ReviewTarget

RATINGS = range(1, 6)


def review_record(review: Review) -> ReviewRecord:
    return ReviewRecord(
        id=review.id,
        item_id=review.item_id,
        user_id=review.user_id,
        first_name=review.user.first_name,
        rating=review.rating,
        text=review.text,
        updated_at=review.updated_at,
    )


async def _bought(conn: BaseDBAsyncClient, user_id: int, item_id: int) -> bool:
    return await Purchase.filter(user_id=user_id, item_id=item_id).using_db(conn).exists()


async def review_target(user_id: int, item_id: int) -> ReviewTarget | NotABuyer | ItemUnavailable:
    """What the rating screen needs: the visible item and the user's review of it, if any.

    NotABuyer when the user never bought the item; ItemUnavailable for an unknown or hidden item
    (an id no row can have, from a forged button, included).
    """
    if not 0 < item_id <= ID_MAX:
        return ItemUnavailable(item_id=item_id)
    async with in_transaction() as conn:
        item = await Item.filter(id=item_id, hidden=False).using_db(conn).only(*SHOWN).first()
        if item is None:
            return ItemUnavailable(item_id=item_id)
        if not await _bought(conn, user_id, item_id):
            return NotABuyer(item_id=item_id)
        current = await Review.get_or_none(user_id=user_id, item_id=item_id, using_db=conn).select_related("user")
        return ReviewTarget(item=item_record(item), current=None if current is None else review_record(current))


async def save_review(user_id: int, item_id: int, rating: int, text: str | None) -> ReviewSaved | NotABuyer | ItemUnavailable:
    """Create or edit the user's review of the item; the item's rating totals move with it.

    `text` None keeps the text an existing review has (a new one gets none). Refused, with nothing
    changed, for a user who never bought the item (NotABuyer) and for an unknown or hidden item.
    Raises ValueError for a rating outside 1..5.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating {rating} is not within 1..5")
    if not 0 < item_id <= ID_MAX:
        return ItemUnavailable(item_id=item_id)
    async with in_transaction() as conn:
        # The first statement is a write (see the module docstring): it takes the lock the rest relies on.
        if not await Item.filter(id=item_id, hidden=False).using_db(conn).update(rating_sum=F("rating_sum")):
            return ItemUnavailable(item_id=item_id)
        if not await _bought(conn, user_id, item_id):
            return NotABuyer(item_id=item_id)
        existing = await Review.get_or_none(user_id=user_id, item_id=item_id, using_db=conn)
        if existing is None:
            review = await Review.create(user_id=user_id, item_id=item_id, rating=rating, text=text or "", using_db=conn)
            await (
                Item.filter(id=item_id)
                .using_db(conn)
                .update(rating_sum=F("rating_sum") + rating, rating_count=F("rating_count") + 1)
            )
        else:
            review = existing
            change = rating - review.rating
            review.rating = rating
            if text is not None:
                review.text = text
            await review.save(using_db=conn, update_fields=["rating", "text", "updated_at"])
            if change:
                await Item.filter(id=item_id).using_db(conn).update(rating_sum=F("rating_sum") + change)
        item = await Item.filter(id=item_id).using_db(conn).only(*SHOWN).get()
        await review.fetch_related("user", using_db=conn)
        return ReviewSaved(item=item_record(item), review=review_record(review), edited=existing is not None)


async def item_reviews(item_id: int, page: int, size: int) -> ItemReviews | None:
    """A page of the visible item's reviews, the latest written or edited first; None for an unknown
    or hidden item."""
    if not 0 < item_id <= ID_MAX:
        return None
    async with in_transaction() as conn:
        item = await Item.filter(id=item_id, hidden=False).using_db(conn).only(*SHOWN).first()
        if item is None:
            return None
        query = Review.filter(item_id=item_id).using_db(conn).select_related("user").order_by("-updated_at", "-id")
        return ItemReviews(item=item_record(item), page=await paginate(query, page, size, review_record))
