"""Reviews: a buyer rates an item (1–5 stars, then a few words or Skip); anyone reads them, newest first.

Rate → stars → (text | Skip) → saved. Storage re-checks at every step that the user bought the item,
so a forged or stale button changes nothing. Texts are stored as typed and escaped when shown.
"""

from storage import ItemUnavailable, NotABuyer, ReviewRecord, ReviewSaved, ReviewTarget
from telegram.callback_data import CallbackData
from telegram.limits import TEXT_LIMIT, cut, html_units, units
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.paging import pager
from telegram.screens.user.callbacks import OpenItem, OpenShop, RateItem, ShowReviews
from telegram.screens.user.catalog import categories, item_card
from telegram.types import InlineKeyboardMarkup

router = Router(name=__name__)

RATINGS = range(1, 6)
# The name of the text answer the bot waits for after the stars (see Context.expect).
REVIEW_TEXT = "review_text"
# Lengths in UTF-16 code units, as Telegram counts them (telegram.limits): a reviewer's name as the
# list shows it, and the earlier text shown when editing a review.
NAME_LIMIT = 32
EARLIER_TEXT_LIMIT = 1000


class RateStars(CallbackData, prefix="stars"):
    item_id: int
    rating: int


class SkipReviewText(CallbackData, prefix="rvskip"):
    item_id: int
    rating: int


class CancelReview(CallbackData, prefix="rvstop"):
    item_id: int


def stars(ctx: Context, rating: int) -> str:
    """★★★★☆ for 4."""
    return ctx.t.plain("reviews.star_full") * rating + ctx.t.plain("reviews.star_empty") * (len(RATINGS) - rating)


def _clip(ctx: Context, text: str, limit: int) -> str:
    return cut(text, limit, ctx.t.plain("reviews.ellipsis"))


async def _refuse(ctx: Context, result: NotABuyer | ItemUnavailable) -> None:
    """A non-buyer is told so; a gone item also sends the user back to the shop."""
    key = "reviews.not_buyer" if isinstance(result, NotABuyer) else "item.gone"
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain(key), alert=True)
    else:
        await ctx.reply(ctx.t(key))
    if isinstance(result, ItemUnavailable):
        await categories(ctx, OpenShop())


@router.callback(RateItem)
async def rate(ctx: Context, data: RateItem) -> None:
    target = await ctx.shop.store.review_target(ctx.user.id, data.item_id)
    if not isinstance(target, ReviewTarget):
        await _refuse(ctx, target)
        return
    item, current = target.item, target.current
    if current is None:
        text = ctx.t("reviews.rate", title=item.title)
    else:
        text = ctx.t("reviews.rate_again", title=item.title, stars=stars(ctx, current.rating))
    choices = [(ctx.t.plain("reviews.star_button", rating=n), RateStars(item_id=item.id, rating=n)) for n in RATINGS]
    await ctx.show(text, keyboard(choices, [(ctx.t.plain("button.cancel"), OpenItem(item_id=item.id))]))


@router.callback(RateStars)
async def chose_stars(ctx: Context, data: RateStars) -> None:
    if data.rating not in RATINGS:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await rate(ctx, RateItem(item_id=data.item_id))
        return
    target = await ctx.shop.store.review_target(ctx.user.id, data.item_id)
    if not isinstance(target, ReviewTarget):
        await _refuse(ctx, target)
        return
    item, current = target.item, target.current
    await ctx.expect(REVIEW_TEXT, item_id=item.id, rating=data.rating)
    limit = ctx.shop.settings.review_max_length
    if current is not None and current.text:
        earlier = _clip(ctx, current.text, EARLIER_TEXT_LIMIT)
        text = ctx.t.n("reviews.text_prompt_keep", limit, title=item.title, stars=stars(ctx, data.rating), text=earlier)
    else:
        text = ctx.t.n("reviews.text_prompt", limit, title=item.title, stars=stars(ctx, data.rating))
    await ctx.show(text, _answer_markup(ctx, item.id, data.rating))


def _answer_markup(ctx: Context, item_id: int, rating: int) -> InlineKeyboardMarkup:
    return keyboard(
        [(ctx.t.plain("reviews.button.skip"), SkipReviewText(item_id=item_id, rating=rating))],
        [(ctx.t.plain("button.cancel"), CancelReview(item_id=item_id))],
    )


@router.pending(REVIEW_TEXT)
async def review_text(ctx: Context, text: str, data: dict[str, int]) -> None:
    item_id, rating = data["item_id"], data["rating"]
    limit = ctx.shop.settings.review_max_length
    if not text.strip():
        await ctx.reply(ctx.t("reviews.text_missing"), _answer_markup(ctx, item_id, rating))
        return
    if units(text) > limit:
        await ctx.reply(ctx.t.n("reviews.too_long", limit, length=units(text)), _answer_markup(ctx, item_id, rating))
        return
    await ctx.forget()
    await _saved(ctx, await ctx.shop.store.save_review(ctx.user.id, item_id, rating, text))


@router.callback(SkipReviewText)
async def skip_text(ctx: Context, data: SkipReviewText) -> None:
    if data.rating not in RATINGS:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await rate(ctx, RateItem(item_id=data.item_id))
        return
    await ctx.forget()
    # No text: a new review has none, an edited one keeps what it had.
    await _saved(ctx, await ctx.shop.store.save_review(ctx.user.id, data.item_id, data.rating, None))


@router.callback(CancelReview)
async def cancel(ctx: Context, data: CancelReview) -> None:
    await ctx.forget()
    await item_card(ctx, OpenItem(item_id=data.item_id))


async def _saved(ctx: Context, result: ReviewSaved | NotABuyer | ItemUnavailable) -> None:
    if not isinstance(result, ReviewSaved):
        await _refuse(ctx, result)
        return
    item, review = result.item, result.review
    key = "reviews.updated" if result.edited else "reviews.saved"
    markup = keyboard(
        [(ctx.t.plain("reviews.button.all"), ShowReviews(item_id=item.id))],
        [(ctx.t.plain("button.back"), OpenItem(item_id=item.id))],
    )
    await ctx.show(ctx.t(key, title=item.title, stars=stars(ctx, review.rating)), markup)


@router.callback(ShowReviews)
async def reviews(ctx: Context, data: ShowReviews) -> None:
    found = await ctx.shop.store.item_reviews(data.item_id, data.page, ctx.shop.settings.page_size)
    if found is None:
        await _refuse(ctx, ItemUnavailable(item_id=data.item_id))
        return
    item, page = found.item, found.page
    if page.rows:
        # str(): a Decimal value would be shown as money.
        head = ctx.t.n("reviews.list", page.total, title=item.title, rating=str(item.rating))
        text = _listing(ctx, head, page.rows)
    else:
        text = ctx.t("reviews.none", title=item.title)
    rows: list[Row] = [
        pager(ctx, page, lambda number: ShowReviews(item_id=item.id, page=number)),
        [(ctx.t.plain("reviews.button.write"), RateItem(item_id=item.id))],
        [(ctx.t.plain("button.back"), OpenItem(item_id=item.id))],
    ]
    await ctx.show(text, keyboard(*(row for row in rows if row)))


def _listing(ctx: Context, head: str, shown: list[ReviewRecord]) -> str:
    """The page as one message: each review's text is cut to an equal share of what the head, the
    stars and the names leave of Telegram's limit, measured as Telegram measures it."""
    frame = "\n\n".join([head, *(_row(ctx, review, "") for review in shown)])
    written = sum(1 for review in shown if review.text)
    share = (TEXT_LIMIT - html_units(frame)) // max(written, 1)
    return "\n\n".join([head, *(_row(ctx, review, _clip(ctx, review.text, share)) for review in shown)])


def _row(ctx: Context, review: ReviewRecord, text: str) -> str:
    """One review: its stars and name, and `text` (its text as shown) under them when it has one."""
    name = _clip(ctx, review.first_name, NAME_LIMIT)
    if not review.text:
        return ctx.t("reviews.row_rating", stars=stars(ctx, review.rating), name=name)
    return ctx.t("reviews.row", stars=stars(ctx, review.rating), name=name, text=text)
