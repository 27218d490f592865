"""Title search: what it matches, in what order, and (on PostgreSQL) how."""

import pytest
from django.db import connection

from catalog import services
from catalog.models import Title
from catalog.search import search_titles
from catalog.selectors import title_search_for_viewers
from tests.catalog.factories import CreditFactory, PersonFactory, TitleFactory

pytestmark = pytest.mark.django_db


def found(query: str) -> list[str]:
    return [title.name for title in title_search_for_viewers(query=query)]


def test_search_finds_a_title_by_its_name():
    TitleFactory(name="The Silent Harbour")
    TitleFactory(name="Loud Mountain")

    assert found("harbour") == ["The Silent Harbour"]
    assert found("silent harbour") == ["The Silent Harbour"]


def test_search_finds_a_title_by_the_people_credited_on_it():
    title = TitleFactory(name="Quiet Streets")
    CreditFactory(title=title, person=PersonFactory(name="Marguerite Okonkwo"))
    TitleFactory(name="Unrelated")

    assert found("Okonkwo") == []  # not yet in the title's search document

    services.title_search_refresh(title_ids=[title.pk])

    assert found("Okonkwo") == ["Quiet Streets"]
    assert found("marguerite okonkwo") == ["Quiet Streets"]


def test_search_finds_a_title_by_a_word_of_its_synopsis():
    TitleFactory(name="Plain Name", synopsis="A lighthouse keeper finds a map.")
    TitleFactory(name="Other", synopsis="Nothing of note.")

    assert found("lighthouse") == ["Plain Name"]


def test_a_name_match_ranks_above_a_synopsis_only_match():
    # Alphabetically the synopsis match comes first, so only rank can reorder them.
    TitleFactory(name="Aardvark Days", synopsis="They sail across the ocean.")
    TitleFactory(name="Ocean Drift", synopsis="A quiet film.")

    assert found("ocean") == ["Ocean Drift", "Aardvark Days"]


def test_a_people_match_ranks_between_name_and_synopsis_matches():
    by_synopsis = TitleFactory(name="A Synopsis", synopsis="Stories of Nakamura.")
    by_person = TitleFactory(name="B Person")
    CreditFactory(title=by_person, person=PersonFactory(name="Nakamura"))
    by_name = TitleFactory(name="C Nakamura")
    services.title_search_refresh(title_ids=[by_synopsis.pk, by_person.pk, by_name.pk])

    assert found("nakamura") == ["C Nakamura", "B Person", "A Synopsis"]


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_or_blank_query_returns_nothing(query):
    TitleFactory(name="Anything")

    assert list(search_titles(Title.objects.all(), query)) == []
    assert found(query) == []


@pytest.mark.parametrize(
    "query",
    ['"unclosed', "a & b | !c", "ocean:*", "'", "-", "--", "100%", "a_b", "(", "<->"],
)
def test_operators_and_punctuation_in_a_query_never_raise(query):
    TitleFactory(name="Ocean 100% a_b")

    results = found(query)

    assert isinstance(results, list)


def test_search_needs_every_word_to_match():
    TitleFactory(name="Red River")
    TitleFactory(name="Red Desert")

    assert found("red river") == ["Red River"]


def test_search_ignores_hidden_titles():
    TitleFactory(name="Harbour Lights", draft=True)

    assert found("harbour") == []


@pytest.mark.postgresql
def test_postgresql_search_reads_the_gin_index():
    # A catalog big enough that scanning every published title would cost more.
    Title.objects.bulk_create(
        TitleFactory.build(name=f"Filler {index}", synopsis="Nothing to see.")
        for index in range(500)
    )
    TitleFactory(name="Harbour Lights")
    queryset = title_search_for_viewers(query="harbour lights")
    sql, params = queryset.query.sql_with_params()

    with connection.cursor() as cursor:
        # Fresh statistics and a merged pending list, as autovacuum keeps them in
        # production: rows earlier tests inserted and rolled back otherwise make
        # the index look dearer than it is.
        cursor.execute("SELECT gin_clean_pending_list('catalog_title_search_gin')")
        cursor.execute("ANALYZE catalog_title")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "catalog_title_search_gin" in plan, plan


@pytest.mark.postgresql
def test_postgresql_search_matches_other_forms_of_a_word():
    TitleFactory(name="She Runs", synopsis="")
    TitleFactory(name="Walking Home", synopsis="The families walk on.")

    assert found("running") == ["She Runs"]
    assert found("walked") == ["Walking Home"]
    assert found("family") == ["Walking Home"]


@pytest.mark.postgresql
def test_postgresql_search_understands_phrases_and_exclusions():
    TitleFactory(name="Blue Sky Over the Sea")
    TitleFactory(name="Sky Blue")

    assert set(found("blue sky")) == {"Blue Sky Over the Sea", "Sky Blue"}
    assert found('"blue sky"') == ["Blue Sky Over the Sea"]
    assert found("blue -sea") == ["Sky Blue"]
