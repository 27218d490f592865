"""Thin Celery tasks of accounts: the emails, sent off the request path.

They go to the ``default`` queue (``CELERY_TASK_DEFAULT_QUEUE``): light work.
"""

from celery import shared_task

from . import emails


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),  # the mail server is unreachable for a moment
    retry_backoff=30,
    max_retries=5,
)
def account_email_send(
    self, *, kind: str, user_id: int, base_url: str, to: str = "", new_email: str = ""
) -> bool:
    """Send one account email (``accounts.emails.Kind``) to the account."""
    return emails.account_email_send(
        kind=kind, user_id=user_id, base_url=base_url, to=to, new_email=new_email
    )
