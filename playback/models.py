import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Profile
from catalog.models import Episode, Title, Video
from vod.cdn_urls import base_url_problem


def validate_cdn_base_url(value: str) -> None:
    """An http(s) URL with no query, fragment or credentials (vod.cdn_urls)."""
    if problem := base_url_problem(value):
        raise ValidationError(problem, code="invalid_base_url")


class PlaybackSession(models.Model):
    """One viewer playing one video on one device, from start to end or expiry.

    Entitlement is checked when it starts; its delivery URLs are signed for it
    and expire with it. Heartbeats keep it alive and count it against the
    plan's concurrent streams until it ends or goes quiet.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="sessions"
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="sessions")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="sessions")
    episode = models.ForeignKey(
        Episode,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )
    revision = models.CharField(max_length=64)
    max_height = models.PositiveSmallIntegerField()
    device = models.CharField(max_length=200, blank=True)
    # Chosen by the client and kept per install or browser: a device plays one
    # stream at a time, so a new session from it replaces its earlier one.
    device_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    # last_seen_at plus the timeout: heartbeats push it on.
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # For analytics: the position of the last heartbeat, and the retention
    # buckets this session reached (a bitmask, in hex), each counted once.
    watched_position = models.FloatField(null=True, blank=True)
    watched_buckets = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(
                fields=["profile", "ended_at", "expires_at"],
                name="playback_session_live",
            ),
            models.Index(fields=["expires_at"], name="playback_session_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.title} ({self.id})"

    def is_live(self, at=None) -> bool:
        """Not ended, and heard from within the timeout."""
        return self.ended_at is None and self.expires_at > (at or timezone.now())


class WatchProgress(models.Model):
    """Where a profile is in a movie or an episode; the newest session wins."""

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="progress"
    )
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    position_seconds = models.FloatField(default=0)
    duration_seconds = models.FloatField(default=0)
    completed = models.BooleanField(default=False)
    # When the session that wrote this position started: a late heartbeat from an
    # older session never overwrites a newer one's position.
    session_started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["profile", "-updated_at"], name="progress_recent")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "title"],
                condition=models.Q(episode__isnull=True),
                name="progress_unique_movie",
            ),
            models.UniqueConstraint(
                fields=["profile", "episode"],
                condition=models.Q(episode__isnull=False),
                name="progress_unique_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} at {self.position_seconds:.0f}s of {self.episode or self.title}"


class WatchlistItem(models.Model):
    """A title on a profile's 'My List'."""

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="watchlist"
    )
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "title"], name="watchlist_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} on {self.profile}'s list"


class CdnPathway(models.Model):
    """One CDN in front of the media storage, as HLS Content Steering names it.

    Players try pathways in ``priority`` order (lowest first, set in admin);
    the health check moves a failing one behind the healthy ones until it
    answers again.
    """

    # HLS allows letters, digits, "-", "." and "_" in a pathway ID.
    name = models.SlugField(max_length=64, unique=True)
    base_url = models.URLField(
        max_length=500,
        validators=[validate_cdn_base_url],
        help_text="Where the media files live on this CDN, e.g. "
        "https://d111111abcdef8.cloudfront.net/ (signed URLs are built under it).",
    )
    priority = models.PositiveSmallIntegerField(default=0)
    enabled = models.BooleanField(
        default=True, help_text="Disabled pathways are offered to no player."
    )
    healthy = models.BooleanField(default=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    consecutive_successes = models.PositiveIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = "CDN pathway"

    def __str__(self) -> str:
        return self.name
