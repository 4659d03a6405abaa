"""The statistics page's charts: server-rendered SVG with a table behind each.

Bar, stacked bar, line and pie charts are drawn by pygal (its JavaScript
turned off and its inline config script removed, so nothing runs under the
Content-Security-Policy); the calendar heatmap and the deck list's sparkline
are small hand-made SVG. Colours are CSS variables from ``wengu.css``, so
the charts follow light and dark mode. Every chart carries ``role="img"``, an
``aria-label`` and a ``<title>``, and the page shows its numbers in a table.

Each pygal chart is drawn twice: 720 units wide for wide screens and 400 for
phones (the page shows one by a media query), so that on a 390 px phone the
chart's text is not scaled down to a few pixels. Rendering a pygal chart costs
tens of milliseconds, so rendered charts are kept in a small cache keyed by
everything that goes into them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pygal
from babel.dates import format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_percent, get_locale
from markupsafe import Markup, escape
from pygal.style import Style

from app import caches
from app.i18n import _, n_
from app.stats.card_figures import CardFigures
from app.stats.figures import ReviewFigures, retention_share
from app.stats.history import CLASSES

SVG_NS = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG_NS)

COLOURS = {
    "new": "var(--easy)",
    "learning": "var(--hard)",
    "review": "var(--good)",
    "repeat": "var(--again)",
    "young": "var(--stats-young)",
    "mature": "var(--stats-mature)",
}


@dataclass(frozen=True)
class Chart:
    """A chart and its text alternative."""

    key: str  # the page anchor
    title: str
    svg: Markup
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _style(colours: tuple[str, ...]) -> Style:
    return Style(
        background="transparent", plot_background="transparent",
        foreground="var(--fg)", foreground_strong="var(--fg)", foreground_subtle="var(--line)",
        colors=colours, font_family="inherit", opacity="1", opacity_hover=".85",
        transition="none", label_font_size=12, major_label_font_size=12,
        legend_font_size=13, title_font_size=15, value_font_size=12,
    )


def _finish(tree: Any, label: str, fit: str) -> Markup:
    """Drop pygal's script, label the SVG for assistive technology, serialize; ``fit``
    (``wide`` or ``narrow``) says which screens it is for."""
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    tree.set("role", "img")
    tree.set("aria-label", label)
    tree.set("class", f"pygal-chart stats-chart chart-{fit}")
    text = ElementTree.tostring(tree, encoding="unicode")
    return Markup(text)


@functools.lru_cache(maxsize=128)
def _pygal(
    kind: str,
    title: str,
    x_labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float | None, ...]], ...],
    colours: tuple[str, ...],
    options: tuple[tuple[str, Any], ...] = (),
) -> Markup:
    """A rendered pygal chart, wide and narrow (cached: the same input gives the same SVG)."""
    narrow = dict(options)
    if len(x_labels) > 7:  # fewer labels, about five, where there is less room
        narrow.update(show_minor_x_labels=False, x_labels_major_every=math.ceil(len(x_labels) / 5))
    return Markup(
        _render(kind, title, x_labels, series, colours, dict(options), 720, 280, "wide")
        + _render(kind, title, x_labels, series, colours, narrow, 400, 300, "narrow")
    )


def _render(
    kind: str,
    title: str,
    x_labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float | None, ...]], ...],
    colours: tuple[str, ...],
    options: dict[str, Any],
    width: int,
    height: int,
    fit: str,
) -> Markup:
    chart_class = {
        "bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line, "pie": pygal.Pie,
    }[kind]
    chart = chart_class(
        js=[], style=_style(colours), width=width, height=height, explicit_size=False,
        disable_xml_declaration=True, title=title, legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(series) if fit == "wide" else min(len(series), 3)),
        print_values=False, show_y_guides=True,
        no_data_text=_("No data"), truncate_label=-1, margin=8, spacing=8,
        **{"order_min": 0, **options},  # counts: whole numbers on the axis
    )
    if kind != "pie":
        chart.x_labels = list(x_labels)
    for name, values in series:
        if kind in ("bar", "stacked"):  # an empty bar draws nothing: skip it, it is costly
            values = tuple(None if value == 0 else value for value in values)
        chart.add(name, list(values))
    return _finish(chart.render_tree(), title, fit)


def _thin_labels(count: int) -> tuple[tuple[str, Any], ...]:
    """Options showing about 10 x labels however many bars there are."""
    if count <= 14:
        return ()
    every = math.ceil(count / 10)
    return (("show_minor_x_labels", False), ("x_labels_major_every", every))


# -- labels in the user's language ---------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _skeleton(skeleton: str, day: date, locale: str) -> str:
    return str(format_skeleton(skeleton, day, locale=locale))


def _locale() -> str:
    return str(get_locale() or "en")


def day_label(day: date) -> str:
    """``Nov 25`` / ``11月25日``."""
    return _skeleton("MMMd", day, _locale())


def month_label(day: date) -> str:
    """``Nov 2026`` / ``2026年11月``."""
    return _skeleton("yMMM", day, _locale())


def bin_label(start: date, unit: str) -> str:
    """The label of a day, week (its first day) or month."""
    return month_label(start) if unit == "month" else day_label(start)


def class_names() -> dict[str, str]:
    """The review classes' names, translated."""
    return {"new": _("New"), "learning": _("Learning"), "review": _("Review"),
            "repeat": _("Repeat")}


def state_names() -> dict[str, str]:
    """The card states' names, translated."""
    return {"new": _("New"), "learning": _("Learning"), "young": _("Young"),
            "mature": _("Mature"), "suspended": _("Suspended"),
            "needs_answer": _("Needs an answer"), "retired": _("Retired")}


@functools.lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple[str, str]:
    return get_group_symbol(locale), get_decimal_symbol(locale)


def _num(value: float) -> str:
    """A number in the user's locale (grouped; one decimal unless whole)."""
    group, decimal = _symbols(_locale())
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _pct(value: float | None) -> str:
    return "—" if value is None else str(format_percent(value, "#,##0.0%"))


def minutes(ms: int) -> float:
    """Milliseconds as minutes, one decimal."""
    return round(ms / 60000, 1)


# -- the charts ----------------------------------------------------------------------------


def heatmap_chart(figures: ReviewFigures) -> Chart:
    """The past year, a square per day, darker for more answers (hand-made SVG)."""
    title = _("Reviews per day, past year")
    cells = figures.heatmap
    months: dict[date, int] = {}
    for day, count in cells:
        months[day.replace(day=1)] = months.get(day.replace(day=1), 0) + count
    rows = tuple((month_label(month), _num(total)) for month, total in months.items())
    svg = _heatmap_svg(tuple(cells), title, _locale())
    return Chart("calendar", title, svg, (_("Month"), _("Reviews")), rows)


@functools.lru_cache(maxsize=32)
def _heatmap_svg(cells: tuple[tuple[date, int], ...], title: str, locale: str) -> Markup:
    peak = max((count for _day, count in cells), default=0)
    first = cells[0][0]
    origin = first - timedelta(days=first.weekday())  # the Monday of the first week
    size, gap, left, top = 11, 2, 26, 16
    weeks = (cells[-1][0] - origin).days // 7 + 1
    width, height = left + weeks * (size + gap), top + 7 * (size + gap)
    parts = [
        f'<svg xmlns="{SVG_NS}" class="heatmap stats-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for row, weekday in ((0, date(2024, 1, 1)), (2, date(2024, 1, 3)), (4, date(2024, 1, 5))):
        name = _skeleton("EEE", weekday, locale)
        y = top + row * (size + gap) + size - 1
        parts.append(f'<text class="hm-label" x="0" y="{y}">{escape(name)}</text>')
    last_month = None
    for day, count in cells:
        column = (day - origin).days // 7
        x = left + column * (size + gap)
        if day.month != last_month and (day.day <= 7 or last_month is None):
            parts.append(
                f'<text class="hm-label" x="{x}" y="10">'
                f'{escape(_skeleton("MMM", day, locale))}</text>'
            )
            last_month = day.month
        level = 0 if count == 0 else max(1, math.ceil(4 * count / peak))
        y = top + day.weekday() * (size + gap)
        tip = n_("%(day)s: %(num)d review", "%(day)s: %(num)d reviews", count,
                 day=day_label(day))
        parts.append(
            f'<rect class="hm hm{level}" x="{x}" y="{y}" width="{size}" height="{size}" rx="2">'
            f"<title>{escape(tip)}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def forecast_chart(days: Sequence[tuple[date, int, int]]) -> Chart:
    """Cards due per day (per week beyond 90 days), young and mature stacked."""
    weekly = len(days) > 90
    title = n_("Due in the next %(num)d day", "Due in the next %(num)d days", len(days))
    buckets: list[tuple[date, int, int]] = []
    for day, young, mature in days:
        if weekly and buckets and (day - buckets[-1][0]).days < 7:
            start, y, m = buckets[-1]
            buckets[-1] = (start, y + young, m + mature)
        else:
            buckets.append((day, young, mature))
    labels = tuple(day_label(day) for day, _y, _m in buckets)
    series = (
        (_("Young"), tuple(float(y) for _d, y, _m in buckets)),
        (_("Mature"), tuple(float(m) for _d, _y, m in buckets)),
    )
    svg = _pygal("stacked", title, labels, series, (COLOURS["young"], COLOURS["mature"]),
                 _thin_labels(len(labels)))
    columns = (_("Week of") if weekly else _("Day"), _("Young"), _("Mature"), _("Total"))
    rows = tuple(
        (day_label(day), _num(y), _num(m), _num(y + m)) for day, y, m in buckets
    )
    note = _("Today includes overdue cards.")
    return Chart("forecast", title, svg, columns, rows, note)


def _unit_column(unit: str) -> str:
    return {"day": _("Day"), "week": _("Week of"), "month": _("Month")}[unit]


def reviews_chart(figures: ReviewFigures) -> Chart:
    """Answers per day, week or month, split by class."""
    title = {"day": _("Reviews per day"), "week": _("Reviews per week"),
             "month": _("Reviews per month")}[figures.bin_unit]
    names = class_names()
    labels = tuple(bin_label(b.start, figures.bin_unit) for b in figures.bins)
    series = tuple(
        (names[cls], tuple(float(b.by_class[index]) for b in figures.bins))
        for index, cls in enumerate(CLASSES)
    )
    svg = _pygal("stacked", title, labels, series, tuple(COLOURS[c] for c in CLASSES),
                 _thin_labels(len(labels)))
    columns = (_unit_column(figures.bin_unit), *names.values(), _("Total"))
    rows = tuple(
        (label, *(_num(n) for n in b.by_class), _num(sum(b.by_class)))
        for label, b in zip(labels, figures.bins, strict=True)
    )
    return Chart("reviews", title, svg, columns, rows)


def time_chart(figures: ReviewFigures) -> Chart:
    """Minutes spent answering per day, week or month."""
    title = _("Time spent (minutes)")
    labels = tuple(bin_label(b.start, figures.bin_unit) for b in figures.bins)
    values = tuple(minutes(b.duration_ms) for b in figures.bins)
    svg = _pygal("bar", title, labels, ((_("Minutes"), values),), ("var(--accent)",),
                 (("order_min", None), *_thin_labels(len(labels))))
    rows = tuple((label, _num(value)) for label, value in zip(labels, values, strict=True))
    return Chart("time", title, svg, (_unit_column(figures.bin_unit), _("Minutes")), rows)


def retention_chart(figures: ReviewFigures) -> Chart:
    """Share of reviews answered correctly (grade 3 or more), young and mature."""
    title = (_("Retention per week") if figures.retention_unit == "week"
             else _("Retention per month"))
    bins = figures.retention_bins
    labels = tuple(bin_label(b.start, figures.retention_unit) for b in bins)
    young = tuple(retention_share(b.retention[0], b.retention[1]) for b in bins)
    mature = tuple(retention_share(b.retention[2], b.retention[3]) for b in bins)

    def percent(values: tuple[float | None, ...]) -> tuple[float | None, ...]:
        return tuple(None if v is None else round(100 * v, 1) for v in values)

    svg = _pygal(
        "line", title, labels, ((_("Young"), percent(young)), (_("Mature"), percent(mature))),
        (COLOURS["young"], COLOURS["mature"]),
        (("range", (0, 100)), ("allow_interruptions", True), ("dots_size", 3),
         ("order_min", None),
         *_thin_labels(len(labels))),
    )
    columns = (_unit_column(figures.retention_unit), _("Young"), _("Young answers"),
               _("Mature"), _("Mature answers"))
    rows = tuple(
        (label, _pct(y), _num(b.retention[1]), _pct(m), _num(b.retention[3]))
        for label, y, m, b in zip(labels, young, mature, bins, strict=True)
    )
    note = _("Correct: grade 3 or more. Young: interval under 21 days; mature: 21 or more.")
    return Chart("retention", title, svg, columns, rows, note)


# Anki's four buttons and the SM-2 grades each covers (grades 0–2 all fail: Again).
FOUR_BUTTONS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("again", (0, 1, 2)), ("hard", (3,)), ("good", (4,)), ("easy", (5,)),
)


def buttons_chart(figures: ReviewFigures, button_count: int = 6) -> Chart:
    """How often each button was pressed, for learning, young and mature cards: the
    four buttons Again, Hard, Good, Easy, or with ``button_count`` 6 the grades 0–5."""
    title = _("Answer buttons")
    names = {"learning": _("Learning"), "young": _("Young"), "mature": _("Mature")}
    if button_count == 4:
        button_names = {"again": _("Again"), "hard": _("Hard"), "good": _("Good"),
                        "easy": _("Easy")}
        buttons = tuple((button_names[name], grades) for name, grades in FOUR_BUTTONS)
        column = _("Button")
    else:
        buttons = tuple((str(grade), (grade,)) for grade in range(6))
        column = _("Grade")
    labels = tuple(label for label, _grades in buttons)
    counts = {
        group: tuple(sum(figures.buttons[group][g] for g in grades) for _l, grades in buttons)
        for group in names
    }
    series = tuple((names[group], tuple(float(n) for n in counts[group])) for group in names)
    svg = _pygal("bar", title, labels, series,
                 (COLOURS["learning"], COLOURS["young"], COLOURS["mature"]))
    columns = (column, *names.values())
    rows = tuple(
        (label, *(_num(counts[group][index]) for group in names))
        for index, label in enumerate(labels)
    )
    return Chart("buttons", title, svg, columns, rows)


def intervals_chart(cards: CardFigures) -> Chart:
    """Cards per interval range (days)."""
    title = _("Intervals (days)")
    labels = tuple(label for label, _n in cards.intervals)
    values = tuple(float(n) for _label, n in cards.intervals)
    svg = _pygal("bar", title, labels, ((_("Cards"), values),), (COLOURS["young"],))
    rows = tuple((label, _num(n)) for label, n in cards.intervals)
    return Chart("intervals", title, svg, (_("Interval"), _("Cards")), rows)


def efactor_chart(cards: CardFigures) -> Chart:
    """Cards per E-factor (to one decimal)."""
    title = _("E-factors")
    labels = tuple(_num(tenth / 10) for tenth, _n in cards.efactors)
    values = tuple(float(n) for _tenth, n in cards.efactors)
    svg = _pygal("bar", title, labels, ((_("Cards"), values),), (COLOURS["mature"],),
                 _thin_labels(len(labels)))
    rows = tuple((label, _num(n)) for label, (_t, n) in zip(labels, cards.efactors, strict=True))
    return Chart("efactors", title, svg, (_("E-factor"), _("Cards")), rows)


def states_chart(cards: CardFigures) -> Chart:
    """Cards by state."""
    title = _("Cards by state")
    names = state_names()
    colours = ("var(--easy)", "var(--hard)", COLOURS["young"], COLOURS["mature"],
               "var(--muted)", "var(--again)", "var(--line)")
    series = tuple((names[state], (float(n),)) for state, n in cards.states.items())
    svg = _pygal("pie", title, (), series, colours, (("inner_radius", 0.45),))
    rows = tuple((names[state], _num(n)) for state, n in cards.states.items())
    return Chart("states", title, svg, (_("State"), _("Cards")), rows)


def sparkline_svg(counts: list[int]) -> Markup:
    """A small bar sparkline of the next days' load (the deck list), with its numbers."""
    peak = max(counts, default=0) or 1
    bar, gap, height = 6, 2, 16
    width = max(1, len(counts) * (bar + gap) - gap)
    label = _("Due in the next days: %(counts)s", counts=", ".join(str(c) for c in counts))
    parts = [
        f'<svg xmlns="{SVG_NS}" class="sparkline" viewBox="0 0 {width} {height}" '
        f'width="{width * 2}" height="{height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
    ]
    for index, count in enumerate(counts):
        h = 0 if count == 0 else max(1.5, round(height * count / peak, 1))
        x = index * (bar + gap)
        parts.append(f'<rect class="spark-base" x="{x}" y="{height - 1}" width="{bar}" '
                     f'height="1"/>')
        if h:
            parts.append(f'<rect class="spark-bar" x="{x}" y="{height - h}" width="{bar}" '
                         f'height="{h}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


for _memo, _holds in (
    (_pygal, "a rendered pygal chart per (kind, title, labels, series, colours, options)"),
    (_heatmap_svg, "the heatmap's SVG per (cells, title, locale)"),
    (_skeleton, "a date formatted in a locale, per (pattern, day, locale)"),
    (_symbols, "a locale's group and decimal signs"),
):
    caches.register(
        f"chart {_memo.__name__.strip('_')}", f"app.stats.charts.{_memo.__name__}",
        holds=_holds,
        invalidated_by="nothing: the same arguments give the same result",
        clear=_memo.cache_clear,
    )
