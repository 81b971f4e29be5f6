"""How the process pages write times and durations (Jinja filters: `utc`, `duration`, `ms`)."""

import time

from quart_trio import QuartTrio


def utc(epoch: float) -> str:
    """2026-12-07 15:52:21 UTC"""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def duration(seconds: float) -> str:
    """The two largest units: 45 s, 3 min 20 s, 2 h 5 min, 3 d 4 h."""
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds, two figures after the point below 10 ms; — for none."""
    if seconds is None:
        return "—"
    value = seconds * 1000
    return f"{value:.2f} ms" if value < 10 else f"{value:,.0f} ms"


def install_filters(app: QuartTrio) -> None:
    for name, fn in (("utc", utc), ("duration", duration), ("ms", ms)):
        app.jinja_env.filters[name] = fn
