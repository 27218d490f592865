"""Editors' analytics over the API: the admin's figures, as JSON."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Episode, Title
from vod.api.throttling import AccountWindowThrottle, AnonWindowThrottle

from .. import reports
from .serializers import AnalyticsOverviewSerializer, AnalyticsTitleFiguresSerializer

TAGS = ["analytics"]
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        str,
        description="First UTC day (YYYY-MM-DD), included; by default 27 days "
        "before `to`. A period is at most 366 days.",
    ),
    OpenApiParameter(
        "to", str, description="Last UTC day (YYYY-MM-DD), included; by default today."
    ),
]


class CanViewAnalytics(permissions.BasePermission):
    """Staff with ``analytics.view_titleday`` (the Editors group has it)."""

    message = "Only editors may see the analytics."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_staff
            and user.has_perm("analytics.view_titleday")
        )


class _AnalyticsApi(APIView):
    permission_classes = [CanViewAnalytics]
    throttle_classes = [AnonWindowThrottle, AccountWindowThrottle]
    throttle_scope = "account"

    def period(self) -> reports.Period:
        params = self.request.query_params
        try:
            return reports.period_parse(
                start=params.get("from") or None, end=params.get("to") or None
            )
        except reports.PeriodError as error:
            raise ValidationError({error.field: [str(error)]}) from None


EPISODE_PARAMETER = OpenApiParameter(
    "episode",
    int,
    description="One episode of the series (its id): that episode's own figures. "
    "An episode of another title is a 404.",
)


class TitleAnalyticsApi(_AnalyticsApi):
    """A title's audience and quality figures over a period: a series' rolled
    up from its episodes, with each episode's, or one episode's own. Unique
    viewers come as two bounds (see ``viewers_note``)."""

    @extend_schema(
        tags=TAGS,
        parameters=[*PERIOD_PARAMETERS, EPISODE_PARAMETER],
        responses=AnalyticsTitleFiguresSerializer,
    )
    def get(self, request, pk: int):
        title = get_object_or_404(Title, pk=pk)
        episode = self.episode(title)
        report = reports.title_report(
            title=title, period=self.period(), episode=episode
        )
        return Response(AnalyticsTitleFiguresSerializer(report).data)

    def episode(self, title: Title) -> Episode | None:
        value = self.request.query_params.get("episode")
        if not value:
            return None
        if not reports.is_id(value):
            raise ValidationError({"episode": ["An episode id is a positive integer."]})
        return get_object_or_404(
            Episode.objects.select_related("season"),
            pk=int(value),
            season__title=title,
        )


class OverviewAnalyticsApi(_AnalyticsApi):
    """Top titles by watch time over a period against the previous period of
    the same length, the days' totals in both, and titles whose quality of
    experience got worse."""

    @extend_schema(
        tags=TAGS, parameters=PERIOD_PARAMETERS, responses=AnalyticsOverviewSerializer
    )
    def get(self, request):
        report = reports.overview_report(period=self.period())
        return Response(AnalyticsOverviewSerializer(report).data)
