"""The buttons of the staff's screens. Like every button they can be forged: each handler declares
the permission it needs, and the router checks the presser's on the server (telegram.routing.access)
before the handler does anything."""

from telegram.callback_data import CallbackData


class AdminPanel(CallbackData, prefix="adm"):
    pass


class AdminCancel(CallbackData, prefix="admx"):
    """Cancel a multi-step input: the question is forgotten (any press forgets it) and the panel shown."""


class ToggleMaintenance(CallbackData, prefix="admmnt"):
    """`on` is what the owner asked for, so a stale button cannot flip the switch the wrong way."""

    on: bool


class OpenAdmins(CallbackData, prefix="admadm"):
    """The owner's list of admins."""


class AddAdmin(CallbackData, prefix="admadd"):
    """Ask for the id or @username of a user to make an admin."""


class EditAdmin(CallbackData, prefix="admed"):
    """One user's role and permissions, as toggles."""

    user_id: int


class TogglePermission(CallbackData, prefix="admperm"):
    """Give (`on`) or take a permission; `on` is what the owner asked for, so a stale button cannot
    flip it the wrong way."""

    user_id: int
    permission: str
    on: bool


class RevokeAdmin(CallbackData, prefix="admrev"):
    user_id: int


class FindUser(CallbackData, prefix="admusr"):
    """Ask for the id or @username of a user to look at."""


class OpenUser(CallbackData, prefix="admu"):
    user_id: int


class UserLedger(CallbackData, prefix="admul"):
    user_id: int
    page: int = 1


class UserPurchases(CallbackData, prefix="admup"):
    user_id: int


class UserPayments(CallbackData, prefix="admupay"):
    user_id: int


class AdjustBalance(CallbackData, prefix="admbal"):
    """Ask for "+10 reason" or "-5 reason"."""

    user_id: int


class SetBlocked(CallbackData, prefix="admblk"):
    user_id: int
    blocked: bool


class OpenAudit(CallbackData, prefix="admaud"):
    """The audit log, newest first; only security events with `security`."""

    page: int = 1
    security: bool = False


class OpenBroadcasts(CallbackData, prefix="admbc"):
    """The latest broadcasts and "New broadcast"."""


class NewBroadcast(CallbackData, prefix="admbcn"):
    """Ask for a broadcast's text."""


class BroadcastAudience(CallbackData, prefix="admbca"):
    """Choose the draft's audience: "all", "buyers", or a language code."""

    audience: str


class BroadcastButton(CallbackData, prefix="admbcb"):
    """Ask for the draft's button ("Label https://link")."""


class SendBroadcast(CallbackData, prefix="admbcs"):
    pass


class OpenBroadcast(CallbackData, prefix="admbco"):
    """One broadcast's progress, with its controls."""

    broadcast_id: int


class MoveBroadcast(CallbackData, prefix="admbcm"):
    """Pause, resume or cancel a broadcast; a move its status does not allow changes nothing."""

    broadcast_id: int
    move: str


class AdminCatalog(CallbackData, prefix="admc"):
    """A category as the staff sees it (0: the top level)."""

    category_id: int = 0


class NewCategory(CallbackData, prefix="admcn"):
    """Ask for a new category's name, under `parent_id` (0: top level)."""

    parent_id: int = 0


class RenameCategory(CallbackData, prefix="admcr"):
    category_id: int


class HideCategory(CallbackData, prefix="admch"):
    category_id: int
    hidden: bool


class DeleteCategory(CallbackData, prefix="admcd"):
    """Asks first; `confirmed` deletes."""

    category_id: int
    confirmed: bool = False


class NewItem(CallbackData, prefix="admni"):
    """Choose the new item's kind (`kind` empty), then ask for its title."""

    category_id: int
    kind: str = ""


class AdminItem(CallbackData, prefix="admi"):
    item_id: int


class EditItem(CallbackData, prefix="admie"):
    """Ask for a new title, price, description or photo."""

    item_id: int
    field: str


class HideItem(CallbackData, prefix="admih"):
    item_id: int
    hidden: bool


class DeleteItem(CallbackData, prefix="admid"):
    item_id: int
    confirmed: bool = False


class OpenStock(CallbackData, prefix="adms"):
    """The items that take stock, with their counts, one page at a time."""

    page: int = 1


class ItemStock(CallbackData, prefix="admsi"):
    """One item's unsold units, one page at a time, with Add and Remove."""

    item_id: int
    page: int = 1


class AddStock(CallbackData, prefix="admsa"):
    """Ask for units: lines of text, or a .txt/.csv document."""

    item_id: int


class RemoveUnit(CallbackData, prefix="admsr"):
    """Remove one unsold unit (a sold one is never removed): asks first; `confirmed` removes."""

    item_id: int
    unit_id: int
    page: int = 1
    confirmed: bool = False


class OpenStatistics(CallbackData, prefix="admst"):
    pass


class OpenPromos(CallbackData, prefix="admp"):
    """The promo codes, by code, one page at a time."""

    page: int = 1


class NewPromo(CallbackData, prefix="admpn"):
    """Ask for a new promo code."""


class PromoKindChosen(CallbackData, prefix="admpk"):
    """The new code's kind; `code` is the code typed before (checked again: a button can be forged)."""

    code: str
    kind: str


class DisablePromo(CallbackData, prefix="admpd"):
    """Disable an active code, then show the list's page `page` again."""

    code: str
    page: int = 1


class OpenNotices(CallbackData, prefix="admn"):
    """What the staff member is told in the chat as it happens, as toggles."""


class ToggleNotice(CallbackData, prefix="admnt"):
    """Turn a notice on (`on`) or off; `on` is what was asked for, so a stale button cannot flip it
    the wrong way. `kind` is checked against the kinds on the server (a button can be forged)."""

    kind: str
    on: bool


class DigestHours(CallbackData, prefix="admnh"):
    """The hours the daily digest may come at."""


class SetDigestHour(CallbackData, prefix="admnd"):
    """The daily digest at `hour` (UTC); it turns the digest on."""

    hour: int
