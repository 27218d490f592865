"""The profile's own lists over REST: continue watching, history, My List."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from accounts.api.schema import PROFILE_HEADER_PARAMETER

from .. import refusals, selectors, services
from ..models import WatchlistItem, WatchProgress
from . import serializers as s
from .common import COMMON_ERRORS, ProfileApi


class ContinueWatchingApi(ProfileApi):
    """Started and unfinished titles, newest first, or the next episode."""

    @extend_schema(
        operation_id="me_continue_watching",
        parameters=[
            PROFILE_HEADER_PARAMETER,
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description="1 to 50; default 20."
            ),
        ],
        responses={200: s.ResumePointSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request):
        raw = request.query_params.get("limit", "20")
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 50:
            raise exceptions.ValidationError(
                {"limit": ["Must be a whole number from 1 to 50."]}
            )
        points = selectors.continue_watching(self.profile, limit=limit)
        return Response(
            s.ResumePointSerializer(
                points, many=True, context={"request": request}
            ).data
        )


class WatchHistoryApi(ProfileApi, ListAPIView):
    """Every movie and episode the profile played, most recent first (paged)."""

    serializer_class = s.HistoryEntrySerializer

    @extend_schema(
        operation_id="me_history",
        parameters=[PROFILE_HEADER_PARAMETER],
        responses={200: s.HistoryEntrySerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WatchProgress.objects.none()
        return selectors.watch_history(self.profile)


# --- My List ----------------------------------------------------------------------


class WatchlistApi(ProfileApi, ListAPIView):
    """GET: the profile's list, last added first (paged). POST: add a title."""

    serializer_class = s.WatchlistItemSerializer

    @extend_schema(
        operation_id="me_watchlist",
        parameters=[PROFILE_HEADER_PARAMETER],
        responses={200: s.WatchlistItemSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WatchlistItem.objects.none()
        return selectors.watchlist(self.profile)

    @extend_schema(
        operation_id="me_watchlist_add",
        parameters=[PROFILE_HEADER_PARAMETER],
        request=s.WatchlistAddSerializer,
        responses={
            201: s.WatchlistItemSerializer,
            200: OpenApiResponse(
                s.WatchlistItemSerializer, description="Already on the list."
            ),
            **COMMON_ERRORS,
        },
    )
    def post(self, request):
        params = s.WatchlistAddSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        item, added = services.watchlist_add(
            profile=self.profile, title_id=params.validated_data["title_id"]
        )
        return Response(
            s.WatchlistItemSerializer(item, context={"request": request}).data,
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )


class WatchlistRemoveApi(ProfileApi):
    """Take a title off the profile's list."""

    @extend_schema(
        operation_id="me_watchlist_remove",
        parameters=[PROFILE_HEADER_PARAMETER],
        responses={204: None, **COMMON_ERRORS},
    )
    def delete(self, request, title_id):
        if title_id > s.ID_MAX:
            raise refusals.NotFound("This title is not on your list.")
        services.watchlist_remove(profile=self.profile, title_id=title_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
