"""Charts as SVG made on the server (pygal), to be put inline in a page: the dashboard's sales per day,
and the performance page's latency and pace over the last hour (from the sampler's ring).

pygal's default config loads its tooltip script from a CDN; here it links none (`js=[]`) and has no
XML declaration (the SVG sits inside HTML). pygal still writes its config as an inline script (for
the tooltip script it no longer loads) and comments naming its site: both are dropped, so a chart
runs no script and refers to no other host. Its size follows the page (the stylesheet's `.chart svg`).
"""

import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pygal
from markupsafe import Markup
from pygal.graph.graph import Graph
from pygal.style import Style

from webui.sampler import Sample

# The stylesheet's colours (webui/static/shopkeeper.css): the accent, the muted text, the lines.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#dde1e8",
    colors=("#2f6fde", "#e3a21a", "#c0392b"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=18,
    major_label_font_size=18,
    title_font_size=20,
    legend_font_size=16,
)
WIDTH, HEIGHT = 560, 280
# Past this many days only every n-th date is labelled, so the labels never overlap on a phone.
LABELS_SHOWN = 8
# About this many time labels along the performance charts' axis, whatever the number of samples.
TIME_LABELS = 6


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
    return _svg(chart)


def _config(title: str, y_title: str) -> dict[str, object]:
    return {
        "title": title,
        "y_title": y_title,
        "style": STYLE,
        "js": [],  # pygal's default pulls its tooltips script from a CDN
        "disable_xml_declaration": True,  # inline in the page
        "width": 600,
        "height": 320,
        "show_dots": False,
        "allow_interruptions": True,  # an interval without updates is a gap, not a drop to 0
        "x_label_rotation": 0,
        "truncate_label": -1,
        "show_x_guides": False,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "explicit_size": False,
    }


def _time_labels(samples: Sequence[Sample]) -> list[str]:
    """The axis's labels: every few samples' time (UTC, HH:MM), the others blank."""
    step = max(1, len(samples) // TIME_LABELS)
    return [time.strftime("%H:%M", time.gmtime(sample.at)) if i % step == 0 else "" for i, sample in enumerate(samples)]


def latency_chart(samples: Sequence[Sample]) -> Markup:
    """Update-to-answer p50, p90 and p99 in milliseconds, one point per sample."""
    chart = pygal.Line(**_config("Update to answer", "ms"))
    chart.x_labels = _time_labels(samples)
    for name in ("p50", "p90", "p99"):
        values = [getattr(sample, name) for sample in samples]
        chart.add(name, [None if value is None else round(value * 1000, 2) for value in values])
    return _svg(chart)


def pace_chart(samples: Sequence[Sample]) -> Markup:
    """Updates answered per second, one point per sample."""
    chart = pygal.Line(**_config("Updates answered", "per second"), fill=True, show_legend=False)
    chart.x_labels = _time_labels(samples)
    chart.add("updates/s", [round(sample.per_second, 2) for sample in samples])
    return _svg(chart)


def _svg(chart: Graph) -> Markup:
    """The chart's SVG without the inline script pygal adds even with its JavaScript off (its
    tooltips' configuration, of no use without their script), nor its comments."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if child.tag == "script" or child.tag is ET.Comment:
                parent.remove(child)
    return Markup(ET.tostring(tree, encoding="unicode"))
