"""Charts drawn as SVG on the server: no script needed to read them.

Each data point is an element (a ``<circle>`` on a line, a ``<rect>`` for a
bar) with its own ``<title>``, so a pointer shows the value and assistive
technology reads it; the chart itself is an ``img`` with a title and a
description. The page shows the same rows as a table.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .charts import Chart

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
COLOURS = ("#417690", "#c5703a", "#5b8c3a")  # the admin's blue, then others
MAX_X_LABELS = 8
LABEL_CHARACTERS = 16  # a longer x label is cut (the point's title has it whole)


def _value(v) -> float:
    return float(v) if isinstance(v, int | float) else 0.0


def _fmt(v) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _top(chart: Chart) -> float:
    values = [_value(v) for row in chart.rows for v in row[1 : 1 + chart.plotted]]
    return max(values, default=0.0) or 1.0


def _x_labels(chart: Chart, xs: list[float]) -> list[str]:
    n = len(chart.rows)
    step = max(1, -(-n // MAX_X_LABELS))
    labels = []
    for i in range(0, n, step):
        label = str(chart.rows[i][0])
        if len(label) > LABEL_CHARACTERS:
            label = label[: LABEL_CHARACTERS - 1] + "…"
        labels.append(
            f'<text x="{xs[i]:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11">{escape(label)}</text>'
        )
    return labels


def _axes(chart: Chart, top: float) -> list[str]:
    bottom, unit = HEIGHT - BOTTOM, escape(chart.y_unit)
    return [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        'stroke="#999"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">'
        f"{_fmt(round(top, 2))}{unit}</text>",
        f'<text x="{LEFT - 6}" y="{bottom}" text-anchor="end" font-size="11">'
        f"0{unit}</text>",
    ]


def _y(value, top: float) -> float:
    return HEIGHT - BOTTOM - _value(value) / top * (HEIGHT - BOTTOM - TOP)


def _point_title(chart: Chart, row: list, column: int) -> str:
    return escape(f"{row[0]}: {chart.columns[column]} {_fmt(row[column])}")


def _lines(chart: Chart, top: float) -> tuple[list[str], list[float]]:
    n, plot_width = len(chart.rows), WIDTH - LEFT - RIGHT
    xs = [LEFT + (plot_width * i / (n - 1) if n > 1 else plot_width / 2)
          for i in range(n)]  # fmt: skip
    parts = []
    for series in range(chart.plotted):
        column, colour = series + 1, COLOURS[series % len(COLOURS)]
        points = [
            (x, _y(row[column], top)) for x, row in zip(xs, chart.rows, strict=True)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = ' stroke-dasharray="5 4"' if series else ""
        parts.append(
            f'<polyline class="series" points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for (x, y), row in zip(points, chart.rows, strict=True):
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" '
                f'fill="{colour}"><title>{_point_title(chart, row, column)}</title>'
                "</circle>"
            )
    return parts, xs


def _bars(chart: Chart, top: float) -> tuple[list[str], list[float]]:
    n = len(chart.rows)
    slot = (WIDTH - LEFT - RIGHT) / max(n, 1)
    width = min(64.0, max(1.0, slot * 0.7))  # one bar stays a bar, not a block
    parts, xs = [], []
    for i, row in enumerate(chart.rows):
        x = LEFT + slot * i + (slot - width) / 2
        y = _y(row[1], top)
        xs.append(x + width / 2)
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{COLOURS[0]}">'
            f"<title>{_point_title(chart, row, 1)}</title></rect>"
        )
    return parts, xs


def _legend(chart: Chart) -> list[str]:
    if chart.plotted < 2:
        return []
    parts = []
    for series in range(chart.plotted):
        x = LEFT + 8 + series * 220
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="12" height="4" '
            f'fill="{COLOURS[series % len(COLOURS)]}"/>'
            f'<text x="{x + 16}" y="{HEIGHT - 8}" font-size="11">'
            f"{escape(chart.columns[series + 1])}</text>"
        )
    return parts


def chart_svg(chart: Chart) -> SafeString:
    """The chart as an inline ``<svg>`` element."""
    top = _top(chart)
    body, xs = (_lines if chart.kind == "line" else _bars)(chart, top)
    ident = f"chart-{escape(chart.slug)}"
    parts = [
        f'<svg class="analytics-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'data-chart="{escape(chart.slug)}" data-points="{len(chart.rows)}">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.summary)}</desc>',
        *_axes(chart, top),
        *body,
        *_x_labels(chart, xs),
        *_legend(chart),
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)
