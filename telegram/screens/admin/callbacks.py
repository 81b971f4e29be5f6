"""The buttons of the staff's screens. Like every button they can be forged: each handler checks
the presser's permission on the server (telegram.screens.admin.access) before doing anything."""

from telegram.callback_data import CallbackData


class AdminPanel(CallbackData, prefix="adm"):
    pass


class AdminCancel(CallbackData, prefix="admx"):
    """Cancel a multi-step input: the question is forgotten (any press forgets it) and the panel shown."""


class ToggleMaintenance(CallbackData, prefix="admmnt"):
    """`on` is what the owner asked for, so a stale button cannot flip the switch the wrong way."""

    on: bool
