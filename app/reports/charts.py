"""Bar and pie charts as inline SVG (pygal), under the page's strict CSP:
no script, the style carrying the request's nonce (STACK-NOTES §6)."""

from __future__ import annotations

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

STYLE = Style(background="white", plot_background="white", font_family="DejaVu Sans, Arial, sans-serif",
              colors=("#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#bf9000", "#999999"),
              title_font_size=16, legend_font_size=12, label_font_size=11, value_font_size=11)
_SCRIPT = re.compile(r"<script.*?</script>", re.S)


def _clean(svg: str, nonce: str) -> Markup:
    svg = _SCRIPT.sub("", svg)
    svg = svg.replace("<style", f'<style nonce="{nonce}"', 1).replace('style="opacity: 0"', 'opacity="0"')
    return Markup(svg)  # noqa: S704 - pygal escapes the labels it draws; the svg is ours


def _common(title: str) -> dict:
    return dict(style=STYLE, js=[], disable_xml_declaration=True, explicit_size=True, width=460, height=300,
                title=title, print_values=True, legend_at_bottom=True, margin=8)


def bar(title: str, pairs: list[tuple[str, int | float]], nonce: str) -> Markup:
    chart = pygal.Bar(**_common(title), show_legend=False)
    chart.x_labels = [label for label, _ in pairs]
    chart.add("", [value for _, value in pairs])
    return _clean(chart.render(is_unicode=True), nonce)


def pie(title: str, pairs: list[tuple[str, int | float]], nonce: str) -> Markup:
    chart = pygal.Pie(**_common(title))
    for label, value in pairs:
        if value:
            chart.add(label, value)
    return _clean(chart.render(is_unicode=True), nonce)
