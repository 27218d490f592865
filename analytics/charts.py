"""The dashboard's charts: a report's figures as tables, each drawn, shown as a
table and downloadable as CSV from the same rows.

A chart's ``rows`` hold display units (percentages 0-100, hours, seconds);
its first column is the x axis, the next ``plotted`` columns are drawn, and
any further ones appear in the table and the CSV only.
"""

import csv
import io
from dataclasses import dataclass

from .figures import DIMENSIONS

DIMENSION_NAMES = {"plan": "plan", "device": "device type", "pathway": "CDN pathway"}


@dataclass
class Chart:
    slug: str
    title: str
    summary: str
    kind: str  # "line" or "bars"
    columns: list[str]
    rows: list[list]
    plotted: int = 1
    y_unit: str = ""
    empty_text: str = "Nothing to draw in this period."

    @property
    def empty(self) -> bool:
        return not any(
            value for row in self.rows for value in row[1 : 1 + self.plotted] if value
        )

    def csv(self) -> str:
        """The table as CSV, safe to open in a spreadsheet (see ``csv_cell``)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([csv_cell(v) for v in row] for row in self.rows)
        return out.getvalue()


# A spreadsheet runs a cell starting with one of these as a formula
# (``=HYPERLINK(...)`` in a title's name would be a link that leaks data).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell as written to CSV: None empty, and text a spreadsheet would read
    as a formula quoted with a leading apostrophe (as OWASP advises); numbers,
    negative ones included, stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _num(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _point_label(bucket: int, buckets: int) -> str:
    return f"{round(bucket * 100 / buckets)}%"


def title_charts(report: dict) -> list[Chart]:
    """A title's (or series') charts, in the page's order."""
    buckets = report["retention_buckets"]
    points = [_point_label(b, buckets) for b in range(buckets)]
    qoe = report["qoe"]
    charts = [
        Chart(
            "daily",
            "Watch time by day",
            "Hours watched each UTC day of the period, with the day's plays.",
            "line",
            ["Day", "Watch hours", "Plays"],
            [
                [d["day"].isoformat(), _num(d["watch_hours"]), d["plays"]]
                for d in report["daily"]
            ],  # fmt: skip
            y_unit="h",
        ),
        Chart(
            "retention",
            "Audience retention",
            "Share of plays still watching at each point of the video.",
            "line",
            ["Point of the video", "Plays still watching (%)"],
            [[p, _pct(v)] for p, v in zip(points, report["retention"], strict=True)],
            y_unit="%",
        ),
        Chart(
            "stopped",
            "Where viewers stopped",
            "Share of plays that stopped watching in each part of the video "
            "(the last part includes those who watched to the end).",
            "bars",
            ["Point of the video", "Plays that stopped here (%)"],
            [[p, _pct(v)] for p, v in zip(points, report["stopped"], strict=True)],
            y_unit="%",
        ),
        Chart(
            "seeks",
            "Where viewers seek to",
            "How many seeks landed in each part of the video, and left from it.",
            "bars",
            ["Point of the video", "Seeks landing here", "Seeks leaving from here"],
            [
                [p, to, away]
                for p, to, away in zip(
                    points, report["seek_to"], report["seek_from"], strict=True
                )
            ],
        ),
        Chart(
            "startup",
            "Startup time",
            f"How many plays started within each time (p50 {_s(qoe['startup_p50_s'])}, "
            f"p95 {_s(qoe['startup_p95_s'])}).",
            "bars",
            ["Startup time", "Startups"],
            [[r["bucket"], r["startups"]] for r in report["startup_histogram"]],
        ),
        Chart(
            "rungs",
            "Rung mix",
            "Share of playing time spent on each rendition (by picture height); "
            f"average bitrate {_kbps(qoe['average_kbps'])}.",
            "bars",
            ["Rendition", "Share of playing time (%)"],
            [[f"{r['height']}p", _pct(r["share"])] for r in qoe["rung_mix"]],
            y_unit="%",
        ),
    ]
    charts += [breakdown_chart(dim, report["breakdowns"][dim]) for dim in DIMENSIONS]
    if report["episodes"]:
        charts.append(
            Chart(
                "episodes",
                "Episodes by watch time",
                "Each episode's watch time, plays and completion rate.",
                "bars",
                ["Episode", "Watch hours", "Plays", "Completion (%)"],
                [
                    [
                        f"S{e['season']}E{e['number']} {e['name']}".strip(),
                        _num(e["watch_hours"]),
                        e["plays"],
                        _pct(e["completion_rate"]),
                    ]
                    for e in report["episodes"]
                ],
                y_unit="h",
            )
        )
    return charts


def breakdown_chart(dim: str, rows: list[dict]) -> Chart:
    name = DIMENSION_NAMES[dim]
    return Chart(
        f"by-{dim}",
        f"Quality by {name}",
        f"Startup time p95 by {name}, with the rest of the quality figures "
        "in the table.",
        "bars",
        [
            name.capitalize(),
            "Startup p95 (s)",
            "Startup p50 (s)",
            "Rebuffering (%)",
            "Plays",
            "Startups",
            "Fatal errors",
            "Exits before start",
            "Average kbit/s",
        ],
        [
            [
                r["value"],
                r["startup_p95_s"],
                r["startup_p50_s"],
                _pct(r["rebuffering_ratio"]),
                r["plays"],
                r["startups"],
                r["errors"],
                r["exits_before_start"],
                _num(r["average_kbps"], 0),
            ]
            for r in rows
        ],
        y_unit="s",
    )


def overview_charts(report: dict) -> list[Chart]:
    """The overview's charts: the trend, the top titles, QoE that got worse."""
    return [
        Chart(
            "trend",
            "Watch time by day, against the previous period",
            "Hours watched each day of the period (solid line) and on the same "
            "day of the previous period of the same length (dashed line).",
            "line",
            [
                "Day",
                "Watch hours",
                "Previous period's watch hours",
                "Plays",
                "Previous period's plays",
                "Previous period's day",
            ],  # fmt: skip
            [
                [
                    d["day"].isoformat(),
                    _num(d["watch_hours"]),
                    _num(d["previous_watch_hours"]),
                    d["plays"],
                    d["previous_plays"],
                    d["previous_day"].isoformat(),
                ]
                for d in report["trend"]
            ],
            plotted=2,
            y_unit="h",
        ),
        Chart(
            "top-titles",
            "Top titles by watch time",
            "The titles watched longest in the period, with the previous "
            "period's watch time and the change.",
            "bars",
            [
                "Title",
                "Watch hours",
                "Previous period's watch hours",
                "Change (%)",
                "Plays",
                "Previous period's plays",
            ],  # fmt: skip
            [
                [
                    t["name"],
                    _num(t["watch_hours"]),
                    _num(t["previous_watch_hours"]),
                    _pct(t["change"]),
                    t["plays"],
                    t["previous_plays"],
                ]
                for t in report["top_titles"]
            ],
            y_unit="h",
        ),
        Chart(
            "qoe-worse",
            "Titles whose quality got worse",
            "Startup p95 this period for titles whose startup p95 or "
            "rebuffering rose by a clear margin against the previous period.",
            "bars",
            [
                "Title",
                "Startup p95 (s)",
                "Previous startup p95 (s)",
                "Rebuffering (%)",
                "Previous rebuffering (%)",
                "Startups",
                "Why",
            ],  # fmt: skip
            [
                [
                    w["name"],
                    w["startup_p95_s"],
                    w["previous_startup_p95_s"],
                    _pct(w["rebuffering_ratio"]),
                    _pct(w["previous_rebuffering_ratio"]),
                    w["startups"],
                    ", ".join(REASONS[r] for r in w["reasons"]),
                ]
                for w in report["qoe_worse"]
            ],
            y_unit="s",
            empty_text="No title's startup or rebuffering got worse by a clear "
            "margin (among titles with enough startups in both periods).",
        ),
    ]


REASONS = {"startup_p95": "slower startup", "rebuffering_ratio": "more rebuffering"}


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:g} s"


def _kbps(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,} kbit/s"
