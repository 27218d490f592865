from celery import shared_task

from . import services
from .models import Title


@shared_task(acks_late=True)
def person_titles_search_refresh(person_id: int) -> int:
    """Refresh the search documents of every title crediting a person."""
    title_ids = list(
        Title.objects.filter(credits__person_id=person_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    return services.title_search_refresh(title_ids=title_ids)
