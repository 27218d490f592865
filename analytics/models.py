from django.db import models
from django.db.models import Q

from catalog.models import Episode, Title


class TitleDay(models.Model):
    """One title's (or one episode's) figures for one UTC day, as counted.

    Written whole by the rollup (absolute values, never added to), so
    rolling a day up again leaves it as it was. ``counters`` holds the rest of
    the day's counters by name: retention (``reach:<bucket>``), seeks,
    startup-time histogram, rung mix and the breakdowns (``<name>|plan:<slug>``,
    ``|device:<type>``, ``|pathway:<name>``); durations in milliseconds.
    """

    day = models.DateField(help_text="The UTC day.")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    plays = models.PositiveIntegerField(default=0)
    viewers = models.PositiveIntegerField(
        default=0, help_text="Distinct profiles (estimated on Redis: HyperLogLog)."
    )
    watch_ms = models.BigIntegerField(default=0)
    startups = models.PositiveIntegerField(default=0)
    startup_ms = models.BigIntegerField(default=0)
    stalls = models.PositiveIntegerField(default=0)
    stall_ms = models.BigIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    exits_before_start = models.PositiveIntegerField(default=0)
    seeks = models.PositiveIntegerField(default=0)
    counters = models.JSONField(default=dict)
    rolled_up_at = models.DateTimeField()

    class Meta:
        verbose_name = "title day"
        verbose_name_plural = "audience and quality"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "title", "episode"], name="analytics_title_day"
            ),
            models.UniqueConstraint(
                fields=["day", "title"],
                condition=Q(episode__isnull=True),
                name="analytics_title_day_no_episode",
            ),
        ]
        indexes = [models.Index(fields=["title", "day"], name="analytics_title_days")]

    def __str__(self) -> str:
        return f"{self.title_id}.{self.episode_id or 0} on {self.day}"

    def retention(self, buckets: int) -> list[float]:
        """Share of plays that reached each bucket of the video."""
        if not self.plays:
            return [0.0] * buckets
        return [self.counters.get(f"reach:{b}", 0) / self.plays for b in range(buckets)]
