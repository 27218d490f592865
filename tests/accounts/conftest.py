import pytest

from .factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher is slow on purpose; these tests hash many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_lockouts_carried_over(db):
    """django-axes counts failures in the database; start every test at zero."""
    from axes.utils import reset

    reset()
    yield
    reset()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user():
    """An account with one profile."""
    return UserFactory(with_profile=True)


@pytest.fixture
def profile(user):
    return user.profiles.get()


@pytest.fixture
def other_user():
    """A second account, to check nothing crosses between accounts."""
    return UserFactory(with_profile=True)


@pytest.fixture
def other_profile(other_user):
    return other_user.profiles.get()


@pytest.fixture
def signed_in_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def user_api(api_client, user):
    """An API client signed in as ``user`` with a JWT access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    token = RefreshToken.for_user(user).access_token
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Account emails are Celery tasks; here they run at once, in this process,
    when the callbacks queued on commit run."""
    from vod.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def mails(django_capture_on_commit_callbacks):
    """Run a block as if its transaction committed; yields a list that holds,
    once the block ends, the mails sent by it."""
    import contextlib

    from django.core import mail

    @contextlib.contextmanager
    def committed():
        sent, start = [], len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            yield sent
        sent.extend(mail.outbox[start:])

    return committed
