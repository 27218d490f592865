"""Title search: PostgreSQL full-text search with weights, a fallback elsewhere.

On PostgreSQL the weighted vector (name A, cast and crew B, synopsis C) is an
expression with a GIN index of its own (migration 0002), so a search reads the
index instead of parsing every synopsis. Other databases match each word
against the same three columns, name matches first.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

SEARCH_CONFIG = "english"
SEARCH_QUERY_MAX_LENGTH = 200


def title_search_vector() -> SearchVector:
    """The expression the GIN index is built on; queries must use the same one."""
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("people_names", weight="B", config=SEARCH_CONFIG)
        + SearchVector("synopsis", weight="C", config=SEARCH_CONFIG)
    )


def search_titles(queryset: QuerySet, query: str) -> QuerySet:
    """Titles of ``queryset`` matching ``query``, best match first."""
    query = query.strip()
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, query)
    return _search_fallback(queryset, query)


def _search_postgresql(queryset: QuerySet, query: str) -> QuerySet:
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    vector = title_search_vector()
    return (
        queryset.annotate(search=vector)
        .filter(search=search_query)
        .annotate(rank=SearchRank(vector, search_query))
        .order_by("-rank", "name", "pk")
    )


def _search_fallback(queryset: QuerySet, query: str) -> QuerySet:
    words = [word for word in query.split() if word.strip("\"'-")][:10]
    if not words:
        return queryset.none()
    for word in words:
        word = word.strip("\"'")
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(people_names__icontains=word)
            | Q(synopsis__icontains=word)
        )
    return queryset.annotate(
        rank=Case(
            When(name__icontains=query, then=Value(0)),
            When(people_names__icontains=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "name", "pk")
