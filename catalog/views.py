"""Viewer pages, server-rendered."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from playback.views import continue_watching_for, play_action_for  # watch page

from . import selectors
from .models import Genre
from .search import SEARCH_QUERY_MAX_LENGTH

PAGE_SIZE = 24


def home(request):
    profile = selectors.viewer_profile(request)
    page = selectors.home_page(profile=profile)
    continuing = continue_watching_for(request)  # watch page: Continue watching
    context = {"page": page, "continue_watching": continuing}
    return render(request, "catalog/home.html", context)


def title_detail(request, slug: str):
    title = selectors.title_detail_for_viewers(
        slug=slug, profile=selectors.viewer_profile(request)
    )
    play = play_action_for(request, title)  # watch page: Play / Resume
    return render(request, "catalog/title_detail.html", {"title": title, "play": play})


def genre(request, slug: str):
    genre = get_object_or_404(Genre, slug=slug)
    titles = selectors.title_cards(
        genre.titles.all(), profile=selectors.viewer_profile(request)
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
            query=query, profile=selectors.viewer_profile(request)
        )
        page = Paginator(titles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"query": query, "page_obj": page, "error": error}
    return render(request, "catalog/search.html", context, status=400 if error else 200)
