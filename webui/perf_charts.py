"""The performance page's charts, as SVG rendered here (pygal with its JavaScript off, so the page
loads nothing from elsewhere): latency over time and updates per second, from the sampler's ring."""

import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

from webui.sampler import Sample

# Our stylesheet's colours (webui/static/shopkeeper.css), so the charts sit in the page.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#5d6677",
    colors=("#2f6fde", "#e3a21a", "#c0392b"),
    font_family="system-ui, sans-serif",
    # Large enough to read once the chart is scaled down to a phone's width.
    title_font_size=20,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
)
# About this many time labels along the axis, whatever the number of samples.
LABELS = 6


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
    step = max(1, len(samples) // LABELS)
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


def _svg(chart: pygal.Line) -> Markup:
    """The chart's SVG without the inline script pygal adds even with its JavaScript off (its
    tooltips' configuration, of no use without their script), nor its comments."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if child.tag == "script" or child.tag is ET.Comment:
                parent.remove(child)
    return Markup(ET.tostring(tree, encoding="unicode"))
