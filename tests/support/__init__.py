"""Helpers shared by the tests, none of them a test: imported as `tests.support.<module>` (pyproject's
pytest `pythonpath` puts the repository's root on sys.path, so a single test file runs as well).

    servers.py          the PostgreSQL and Redis servers the tests use, and skipping when one is missing
    shop.py             a whole shop on the emulator (open_shop) and its settings
    waiting.py          waiting for a condition: `eventually`, and `until_idle` before "nothing more happens"
    chat.py             acting as a user in the chat: buttons, typed answers, screens opened
    payments.py         a buyer tops up or pays, as in the chat
    store.py            the store set up directly: goods, stock, purchases, promo redemptions
    processes.py        the shop as a process of its own: the `shopkeeper` command, free ports, health
    screen_literals.py  user-visible string literals in screen code (for the translation tests)
    buyer_process.py    a second buyer process for the purchase race test (run as a script)
    promo_process.py    a second process for the promo code race tests (run as a script)
"""
