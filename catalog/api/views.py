"""Read side of the catalog API: one class per operation."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from catalog import selectors
from catalog.models import Title

from .caching import CachedCatalogReadMixin
from .filters import StrictOrderingFilter, TitleFilter
from .serializers import (
    GenreSerializer,
    PersonDetailSerializer,
    PersonSummarySerializer,
    SearchQuerySerializer,
    TitleDetailSerializer,
    TitleListSerializer,
)


class TitleListApi(CachedCatalogReadMixin, generics.ListAPIView):
    """Published titles, newest first, with filters and ordering."""

    serializer_class = TitleListSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = TitleFilter
    ordering_fields = ["name", "year", "published_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Title.objects.none()
        return selectors.title_list_for_viewers(
            max_maturity=self.request.profile.max_maturity(strict=True)
        )


class TitleDetailApi(CachedCatalogReadMixin, generics.RetrieveAPIView):
    """One title with its genres, credits, and seasons with episodes."""

    serializer_class = TitleDetailSerializer

    def get_object(self):
        return selectors.title_detail_for_viewers(
            pk=self.kwargs["pk"],
            max_maturity=self.request.profile.max_maturity(strict=True),
        )


class TitleSearchApi(CachedCatalogReadMixin, generics.ListAPIView):
    """Full-text search over title names, cast and crew, and synopses."""

    serializer_class = TitleListSerializer

    @extend_schema(parameters=[SearchQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Title.objects.none()
        params = SearchQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.title_search_for_viewers(
            query=params.validated_data["q"],
            max_maturity=self.request.profile.max_maturity(strict=True),
        ).prefetch_related("genres")


class GenreListApi(CachedCatalogReadMixin, generics.ListAPIView):
    serializer_class = GenreSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.genre_list()


class PersonListApi(CachedCatalogReadMixin, generics.ListAPIView):
    serializer_class = PersonSummarySerializer

    def get_queryset(self):
        return selectors.person_list()


class PersonDetailApi(CachedCatalogReadMixin, generics.RetrieveAPIView):
    """A person and the titles they are credited on."""

    serializer_class = PersonDetailSerializer

    def get_object(self):
        return selectors.person_detail_for_viewers(
            pk=self.kwargs["pk"],
            max_maturity=self.request.profile.max_maturity(strict=True),
        )
