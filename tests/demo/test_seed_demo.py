import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import User
from analytics.models import TitleDay
from catalog.models import Credit, Episode, Genre, Season, Title, Video
from demo.accounts import ADMIN_EMAIL, DEMO_PASSWORD, EDITOR_EMAIL


@pytest.fixture
def demo_settings(db, settings, tmp_path):
    """DEBUG on (pytest-django turns it off), fast hashing, media in a tmp folder."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def seed_demo(*args: str, videos: int = 0, audience: bool = False) -> str:
    out = io.StringIO()
    extra = () if audience else ("--no-audience",)
    call_command("seed_demo", "--videos", str(videos), *args, *extra, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_titles_across_genres_with_series_episodes(demo_settings):
    seed_demo()

    assert Title.objects.count() >= 30
    assert Genre.objects.count() >= 8
    assert all(genre.titles.exists() for genre in Genre.objects.all())
    series = Title.objects.filter(kind=Title.Kind.SERIES)
    assert series.count() >= 6
    for title in series:
        seasons = list(title.seasons.all())
        assert 1 <= len(seasons) <= 3
        assert all(3 <= season.episodes.count() <= 6 for season in seasons)
    assert Episode.objects.filter(runtime_minutes__isnull=True).count() == 0
    assert (
        Title.objects.filter(kind=Title.Kind.MOVIE, runtime_minutes=None).count() == 0
    )


def test_seed_demo_credits_fill_search_names_and_lead_roles(demo_settings):
    seed_demo()

    for title in Title.objects.all():
        roles = list(title.credits.values_list("role", flat=True))
        lead = Credit.Role.CREATOR if title.is_series else Credit.Role.DIRECTOR
        assert roles.count(lead) == 1
        assert 2 <= roles.count(Credit.Role.ACTOR) <= 4
        assert title.people_names
        assert title.credits.first().person.name in title.people_names


def test_seed_demo_publishes_all_but_a_draft_and_a_scheduled_title(demo_settings):
    seed_demo()

    total = Title.objects.count()
    assert Title.objects.visible_to_viewers().count() == total - 2
    assert Title.objects.filter(visibility=Title.Visibility.DRAFT).count() == 1
    assert Title.objects.filter(is_featured=True).visible_to_viewers().count() == 3
    dates = set(Title.objects.published().values_list("published_at__date", flat=True))
    assert len(dates) > 10


def test_seed_demo_stores_poster_and_backdrop_for_every_title(demo_settings, tmp_path):
    seed_demo()

    for title in Title.objects.all():
        assert default_storage.exists(title.poster.name)
        assert default_storage.exists(title.backdrop.name)
        assert (tmp_path / "media" / title.poster.name).is_file()
    with default_storage.open(Title.objects.first().poster.name) as poster:
        assert poster.read(3) == b"\xff\xd8\xff"  # a JPEG


def test_seed_demo_editor_is_staff_in_editors_and_not_superuser(demo_settings):
    output = seed_demo()

    editor = User.objects.get(email=EDITOR_EMAIL)
    assert editor.is_staff
    assert not editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()
    assert editor.check_password(DEMO_PASSWORD)
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser
    assert admin.check_password(DEMO_PASSWORD)
    assert f"Editor login: {EDITOR_EMAIL} / {DEMO_PASSWORD}" in output


def test_seed_demo_second_run_skips_catalog_and_resets_passwords(demo_settings):
    seed_demo()
    titles, seasons = Title.objects.count(), Season.objects.count()
    editor = User.objects.get(email=EDITOR_EMAIL)
    editor.set_password("changed-by-someone")
    editor.save()

    output = seed_demo()

    assert "already exists" in output
    assert Title.objects.count() == titles
    assert Season.objects.count() == seasons
    assert User.objects.filter(email=EDITOR_EMAIL).count() == 1
    editor.refresh_from_db()
    assert editor.check_password(DEMO_PASSWORD)


def test_seed_demo_reset_recreates_catalog_and_removes_old_artwork(
    demo_settings, django_capture_on_commit_callbacks
):
    seed_demo()
    titles = Title.objects.count()
    old = Title.objects.get(slug="quiet-orbit")

    with django_capture_on_commit_callbacks(execute=True):
        seed_demo("--reset")

    assert Title.objects.count() == titles
    new = Title.objects.get(slug="quiet-orbit")
    assert new.pk != old.pk
    assert default_storage.exists(new.poster.name)
    assert not default_storage.exists(old.poster.name)


def test_seed_demo_refuses_without_force_when_debug_is_off(demo_settings):
    demo_settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        seed_demo()

    assert not Title.objects.exists()
    assert not User.objects.filter(email=EDITOR_EMAIL).exists()


def test_seed_demo_runs_with_force_when_debug_is_off(demo_settings):
    demo_settings.DEBUG = False

    seed_demo("--force")

    assert Title.objects.exists()
    assert User.objects.filter(email=ADMIN_EMAIL, is_superuser=True).exists()


def test_seed_demo_sends_real_videos_through_the_pipeline(
    demo_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        output = seed_demo(videos=2)

    assert "Queued 2 demo videos" in output
    videos = Video.objects.all()
    assert videos.count() == 2
    assert all(video.status == Video.Status.QUEUED for video in videos)
    assert all(default_storage.exists(video.source.name) for video in videos)
    # One movie and one episode of a series (free ones first), each with its video.
    assert Title.objects.filter(video__in=videos).count() == 1
    assert Episode.objects.filter(video__in=videos).count() == 1
    assert len(callbacks) >= 2  # one transcode queued per video

    seed_demo(videos=2)
    assert Video.objects.count() == 4  # two more, never the same ones twice


def test_seed_demo_simulates_four_weeks_of_audience_and_not_twice(demo_settings):
    output = seed_demo(audience=True)

    assert "Simulated audience: " in output
    days = set(TitleDay.objects.values_list("day", flat=True))
    assert len(days) == 28
    titles = Title.objects.visible_to_viewers()
    assert set(TitleDay.objects.values_list("title", flat=True)) == set(
        titles.values_list("pk", flat=True)
    )
    first = sorted(
        TitleDay.objects.values_list("day", "title", "episode", "plays", "counters"),
        key=lambda row: (row[0], row[1], row[2] or 0),
    )

    again = seed_demo(audience=True)

    assert "Simulated audience: 0 sessions on 0 new days" in again
    assert (
        sorted(
            TitleDay.objects.values_list(
                "day", "title", "episode", "plays", "counters"
            ),
            key=lambda row: (row[0], row[1], row[2] or 0),
        )
        == first
    )
