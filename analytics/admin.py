"""Editors' analytics in the admin: an overview and a page per title.

Both are read-only views on the rolled-up ``TitleDay`` rows, for staff with
``analytics.view_titleday`` (the Editors group has it). The title list and
each title's page link here: the catalog's title admin is extended from this
side, so the catalog knows nothing of analytics.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalog.admin.titles import TitleAdmin
from catalog.models import Episode, Title

from . import reports
from .charts import overview_charts, title_charts
from .models import TitleDay
from .svg import chart_svg

VIEW_PERMISSION = "analytics.view_titleday"


def _period(request) -> tuple[reports.Period, str]:
    """The period asked for, or the default one with the reason it was refused."""
    try:
        return reports.period_parse(
            start=request.GET.get("from") or None, end=request.GET.get("to") or None
        ), ""
    except reports.PeriodError as error:
        return reports.period_parse(start=None, end=None), str(error)


def _drawn(charts, csv_url: str, query: str) -> list[dict]:
    return [
        {
            "chart": chart,
            "svg": chart_svg(chart),
            "csv_url": f"{csv_url.replace('__chart__', chart.slug)}?{query}",
        }
        for chart in charts
    ]


def _csv(charts, slug: str, filename: str) -> HttpResponse:
    chart = next((c for c in charts if c.slug == slug), None)
    if chart is None:
        raise Http404("No such chart.")
    response = HttpResponse(chart.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{slug}.csv"'
    return response


@admin.register(TitleDay)
class TitleDayAdmin(admin.ModelAdmin):
    """The model's list is the overview; rows are written by the rollup only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # The index links the model's list: the overview, under both names.
            path("", view(self.overview_view), name="analytics_titleday_changelist"),
            path("", view(self.overview_view), name="analytics_overview"),
            path(
                "csv/<slug:chart>/",
                view(self.overview_csv_view),
                name="analytics_overview_csv",
            ),
            path(
                "title/<int:title_id>/",
                view(self.title_view),
                name="analytics_title",
            ),
            path(
                "title/<int:title_id>/csv/<slug:chart>/",
                view(self.title_csv_view),
                name="analytics_title_csv",
            ),
        ]

    def _allowed(self, request) -> None:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied

    def _render(self, request, template: str, context: dict, error: str):
        if error:
            messages.warning(request, f"{error} Showing the last 28 days instead.")
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                **context,
            },
        )

    def overview_view(self, request):
        self._allowed(request)
        period, error = _period(request)
        report = reports.overview_report(period=period)
        csv_url = reverse("admin:analytics_overview_csv", args=["__chart__"])
        context = {
            "title": "Analytics overview",
            "period": period,
            "report": report,
            "charts": _drawn(overview_charts(report), csv_url, _query(period)),
        }
        return self._render(request, "admin/analytics/overview.html", context, error)

    def overview_csv_view(self, request, chart: str):
        self._allowed(request)
        period, _ = _period(request)
        report = reports.overview_report(period=period)
        return _csv(overview_charts(report), chart, f"overview-{_query_name(period)}")

    def _title_report(self, request, title_id: int):
        """The title, the episode asked for (``?episode=``), the period, why
        the period asked for was refused, and their report."""
        self._allowed(request)
        title = get_object_or_404(Title, pk=title_id)
        episode = None
        if request.GET.get("episode"):
            episode = get_object_or_404(
                Episode.objects.select_related("season"),
                pk=_int_or_404(request.GET["episode"]),
                season__title=title,
            )
        period, error = _period(request)
        report = reports.title_report(title=title, period=period, episode=episode)
        return title, episode, period, error, report

    def title_view(self, request, title_id: int):
        title, episode, period, error, report = self._title_report(request, title_id)
        csv_url = reverse("admin:analytics_title_csv", args=[title.pk, "__chart__"])
        query = _query(period) + (f"&episode={episode.pk}" if episode else "")
        context = {
            "title": f"Analytics: {episode or title.name}",
            "subject": title,
            "episode": episode,
            "period": period,
            "report": report,
            "charts": _drawn(title_charts(report), csv_url, query),
        }
        return self._render(request, "admin/analytics/title.html", context, error)

    def title_csv_view(self, request, title_id: int, chart: str):
        title, episode, period, _, report = self._title_report(request, title_id)
        name = f"{title.slug}-{f'e{episode.pk}-' if episode else ''}"
        return _csv(title_charts(report), chart, name + _query_name(period))


def _int_or_404(value: str) -> int:
    if not reports.is_id(value):
        raise Http404("No such episode.")
    return int(value)


def _query(period: reports.Period) -> str:
    return f"from={period.start.isoformat()}&to={period.end.isoformat()}"


def _query_name(period: reports.Period) -> str:
    return f"{period.start.isoformat()}-{period.end.isoformat()}"


admin.site.unregister(Title)


@admin.register(Title)
class TitleWithAnalyticsAdmin(TitleAdmin):
    """The catalog's title admin, with a link to each title's analytics."""

    change_form_template = "admin/analytics/title_change_form.html"

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm(VIEW_PERMISSION):
            columns.append("analytics_link")
        return columns

    @admin.display(description="Analytics")
    def analytics_link(self, title: Title):
        url = reverse("admin:analytics_title", args=[title.pk])
        return format_html('<a href="{}">Figures</a>', url)
