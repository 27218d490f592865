"""Every write to the catalog that is more than a plain field edit."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..caching import catalog_cache_invalidate
from ..models import Credit, Person, Title


@transaction.atomic
def title_publish(*, titles: QuerySet[Title]) -> int:
    """Publish titles; the first publication date is kept on republish."""
    now = timezone.now()
    count = titles.exclude(visibility=Title.Visibility.PUBLISHED).count()
    titles.filter(published_at__isnull=True).update(published_at=now)
    titles.update(visibility=Title.Visibility.PUBLISHED, updated_at=now)
    transaction.on_commit(catalog_cache_invalidate)
    return count


@transaction.atomic
def title_unpublish(*, titles: QuerySet[Title]) -> int:
    """Return titles to draft, hiding them from viewers at once."""
    count = titles.filter(visibility=Title.Visibility.PUBLISHED).count()
    titles.update(visibility=Title.Visibility.DRAFT, updated_at=timezone.now())
    transaction.on_commit(catalog_cache_invalidate)
    return count


def title_people_names(*, title_id: int) -> str:
    """The cast and crew names that title search matches, in credit order."""
    names = Credit.objects.filter(title_id=title_id).values_list(
        "person__name", flat=True
    )
    return " ".join(dict.fromkeys(names))


@transaction.atomic
def title_search_refresh(*, title_ids: Iterable[int]) -> int:
    """Bring the search document of these titles in step with their credits."""
    updated = 0
    for title_id in title_ids:
        updated += Title.objects.filter(pk=title_id).update(
            people_names=title_people_names(title_id=title_id)
        )
    transaction.on_commit(catalog_cache_invalidate)
    return updated


def person_titles_search_refresh_queue(*, person: Person) -> None:
    """Refresh, in the background once committed, the titles crediting a person."""
    from ..tasks import person_titles_search_refresh

    transaction.on_commit(lambda: person_titles_search_refresh.delay(person.pk))


@transaction.atomic
def person_rename(*, person: Person, name: str) -> Person:
    """Rename a person; their titles' search documents follow in the background."""
    person.name = name
    person.full_clean()
    person.save(update_fields=["name"])
    person_titles_search_refresh_queue(person=person)
    return person
