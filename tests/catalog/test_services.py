"""Writes to the catalog: publishing, and keeping search documents in step."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import services
from catalog.caching import catalog_version
from catalog.models import Title
from catalog.tasks import person_titles_search_refresh
from tests.catalog.factories import CreditFactory, PersonFactory, TitleFactory
from vod.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def celery_eager():
    """Tasks queued with .delay() run at once, in this process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_title_publish_sets_published_at_and_counts_newly_published():
    drafts = [TitleFactory(draft=True), TitleFactory(draft=True)]
    already = TitleFactory()
    already_published_at = already.published_at
    before = timezone.now()

    count = services.title_publish(
        titles=Title.objects.filter(pk__in=[t.pk for t in [*drafts, already]])
    )

    assert count == 2
    for title in drafts:
        title.refresh_from_db()
        assert title.visibility == Title.Visibility.PUBLISHED
        assert title.published_at >= before
    already.refresh_from_db()
    assert already.published_at == already_published_at


def test_republishing_keeps_the_first_publication_date():
    title = TitleFactory(draft=True)
    services.title_publish(titles=Title.objects.filter(pk=title.pk))
    title.refresh_from_db()
    first_published_at = title.published_at

    assert services.title_unpublish(titles=Title.objects.filter(pk=title.pk)) == 1
    assert services.title_publish(titles=Title.objects.filter(pk=title.pk)) == 1

    title.refresh_from_db()
    assert title.visibility == Title.Visibility.PUBLISHED
    assert title.published_at == first_published_at


def test_publishing_only_published_titles_counts_none():
    title = TitleFactory()

    assert services.title_publish(titles=Title.objects.filter(pk=title.pk)) == 0


def test_title_unpublish_returns_titles_to_draft_and_hides_them():
    published = [TitleFactory(), TitleFactory()]
    draft = TitleFactory(draft=True)

    count = services.title_unpublish(
        titles=Title.objects.filter(pk__in=[t.pk for t in [*published, draft]])
    )

    assert count == 2
    assert set(Title.objects.values_list("visibility", flat=True)) == {"draft"}
    assert not Title.objects.visible_to_viewers().exists()


def test_publishing_and_unpublishing_invalidate_cached_catalog_responses_on_commit(
    django_capture_on_commit_callbacks,
):
    title = TitleFactory(draft=True)
    version = catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        services.title_publish(titles=Title.objects.filter(pk=title.pk))
    after_publish = catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.title_unpublish(titles=Title.objects.filter(pk=title.pk))

    assert version < after_publish < catalog_version()


def test_title_search_refresh_lists_crew_then_cast_once_each():
    title = TitleFactory()
    other = TitleFactory()
    director = PersonFactory(name="Dee Director")
    second = PersonFactory(name="Bo Second")
    lead = PersonFactory(name="Al Lead")
    CreditFactory(title=title, person=director, role="director")
    CreditFactory(title=title, person=second, order=2)
    CreditFactory(title=title, person=lead, order=1)
    CreditFactory(title=title, person=director, role="writer")  # already named
    CreditFactory(title=other, person=PersonFactory(name="Not Here"))

    assert services.title_search_refresh(title_ids=[title.pk]) == 1

    title.refresh_from_db()
    assert title.people_names == "Dee Director Al Lead Bo Second"
    other.refresh_from_db()
    assert other.people_names == ""


def test_title_search_refresh_empties_the_names_of_a_title_without_credits():
    title = TitleFactory()
    Title.objects.filter(pk=title.pk).update(people_names="Someone Removed")

    services.title_search_refresh(title_ids=[title.pk])

    title.refresh_from_db()
    assert title.people_names == ""


def test_person_rename_refreshes_their_titles_once_committed(
    celery_eager, django_capture_on_commit_callbacks
):
    person = PersonFactory(name="Old Name")
    title = TitleFactory()
    CreditFactory(title=title, person=person)
    services.title_search_refresh(title_ids=[title.pk])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.person_rename(person=person, name="New Name")
    title.refresh_from_db()
    assert title.people_names == "Old Name"  # nothing runs before the commit

    for callback in callbacks:
        callback()

    title.refresh_from_db()
    assert title.people_names == "New Name"
    person.refresh_from_db()
    assert person.name == "New Name"


def test_person_rename_refuses_an_empty_name():
    person = PersonFactory(name="Kept")

    with pytest.raises(ValidationError):
        services.person_rename(person=person, name="")

    person.refresh_from_db()
    assert person.name == "Kept"


def test_person_titles_search_refresh_task_updates_every_title_crediting_them():
    person = PersonFactory(name="Before")
    titles = [TitleFactory(), TitleFactory(draft=True)]
    for title in titles:
        CreditFactory(title=title, person=person)
    untouched = TitleFactory()
    person.name = "After"
    person.save()

    assert person_titles_search_refresh(person.pk) == 2

    assert [Title.objects.get(pk=title.pk).people_names for title in titles] == [
        "After",
        "After",
    ]
    untouched.refresh_from_db()
    assert untouched.people_names == ""


def test_availability_window_must_end_after_it_starts():
    now = timezone.now()
    title = TitleFactory.build(
        available_from=now, available_until=now - datetime.timedelta(hours=1)
    )

    with pytest.raises(ValidationError) as raised:
        title.clean()

    assert "available_until" in raised.value.message_dict
