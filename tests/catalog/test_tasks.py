"""A real Celery worker process consumes catalog work from the configured broker.

The embedded run uses kombu's filesystem broker, the service-backed run Redis:
either way the worker is a separate process sharing the test database.
"""

import time

import pytest

from catalog import services
from catalog.models import Title
from catalog.tasks import person_titles_search_refresh
from tests.catalog.factories import CreditFactory, PersonFactory, TitleFactory
from tests.helpers import start_worker, stop_process


@pytest.fixture
def celery_worker_process(transactional_db):
    worker = start_worker(queues="default")
    yield worker
    stop_process(worker)


def test_renaming_a_person_updates_search_through_a_real_worker(celery_worker_process):
    person = PersonFactory(name="Ada Lovelace")
    title = TitleFactory(name="The Engine")
    CreditFactory(title=title, person=person)
    services.title_search_refresh(title_ids=[title.pk])

    services.person_rename(person=person, name="Grace Hopper")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        title.refresh_from_db()
        if title.people_names == "Grace Hopper":
            break
        assert celery_worker_process.poll() is None, "the worker died"
        time.sleep(0.25)
    assert title.people_names == "Grace Hopper"


@pytest.mark.django_db
def test_refresh_task_updates_every_title_crediting_the_person():
    person = PersonFactory(name="Old Name")
    titles = [TitleFactory(), TitleFactory()]
    for title in titles:
        CreditFactory(title=title, person=person)
    other = TitleFactory()
    Title.objects.filter(pk=other.pk).update(people_names="untouched")
    person.name = "New Name"
    person.save()

    assert person_titles_search_refresh(person.pk) == 2

    assert set(
        Title.objects.filter(pk__in=[t.pk for t in titles]).values_list(
            "people_names", flat=True
        )
    ) == {"New Name"}
    other.refresh_from_db()
    assert other.people_names == "untouched"
