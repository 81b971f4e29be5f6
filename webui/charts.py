"""Charts as SVG made on the server (pygal), to be put inline in a page.

pygal's default config loads its tooltip script from a CDN; here it links none (`js=[]`) and has no
XML declaration (the SVG sits inside HTML). pygal still writes its config as an inline script (for
the tooltip script it no longer loads) and comments naming its site: both are dropped, so a chart
runs no script and refers to no other host. Its size follows the page (the stylesheet's `.chart svg`).
"""

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pygal
from markupsafe import Markup
from pygal.style import Style

# The stylesheet's colours (webui/static/shopkeeper.css): the accent, the muted text, the lines.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#dde1e8",
    colors=("#2f6fde",),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=18,
    major_label_font_size=18,
    title_font_size=20,
)
WIDTH, HEIGHT = 560, 280
# Past this many days only every n-th date is labelled, so the labels never overlap on a phone.
LABELS_SHOWN = 8
_DROPPED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


def day_chart(title: str, days: Sequence[date], values: Sequence[Decimal | int], *, line: bool = False) -> Markup:
    """One value per date as bars (or a line), titled `title`; the SVG markup, safe to put in a page."""
    chart_type = pygal.Line if line else pygal.Bar
    every = max(1, -(-len(days) // LABELS_SHOWN))
    chart = chart_type(
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        show_legend=False,
        show_y_guides=True,
        x_labels_major_every=every,
        show_minor_x_labels=False,
        truncate_label=-1,
        margin=8,
        margin_right=28,
        min_scale=3,
        max_scale=6,
        dots_size=3,
    )
    chart.x_labels = [day.strftime("%d %b") for day in days]
    # Only drawn: pygal scales floats. The figures shown as text stay Decimal.
    chart.add(title, [float(value) for value in values])
    return Markup(_DROPPED.sub("", chart.render(is_unicode=True)))
