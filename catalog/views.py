"""Viewer pages of the catalog alone: a genre's titles, and search.

The home and title pages, which add the viewer's own rows, are in ``pages``.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Genre
from .search import SEARCH_QUERY_MAX_LENGTH

PAGE_SIZE = 24


def genre(request, slug: str):
    genre = get_object_or_404(Genre, slug=slug)
    titles = selectors.title_cards(
        genre.titles.all(), max_maturity=request.profile.max_maturity()
    )
    page = Paginator(titles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/genre.html", {"genre": genre, "page_obj": page})


def search(request):
    query = request.GET.get("q", "").strip()
    error = None
    page = None
    if len(query) > SEARCH_QUERY_MAX_LENGTH:
        error = f"Please search with at most {SEARCH_QUERY_MAX_LENGTH} characters."
    elif "\x00" in query:
        # PostgreSQL refuses NUL in text; say so instead of failing with a 500.
        error = "Please search with letters, numbers and punctuation only."
    elif query:
        titles = selectors.title_search_for_viewers(
            query=query, max_maturity=request.profile.max_maturity()
        )
        page = Paginator(titles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"query": query, "page_obj": page, "error": error}
    return render(request, "catalog/search.html", context, status=400 if error else 200)
