"""The shapes of the editors' analytics figures (as ``analytics.reports``
returns them), for the response and its OpenAPI schema."""

from rest_framework import serializers

SHARE = "A share from 0 to 1; null when there is nothing to divide by."


def _share(help_text: str = SHARE):
    return serializers.FloatField(allow_null=True, help_text=help_text)


def _seconds(help_text: str):
    return serializers.FloatField(allow_null=True, help_text=help_text)


class AnalyticsPeriodSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(help_text="First UTC day, included."),
            "to": serializers.DateField(help_text="Last UTC day, included."),
        }


class AnalyticsRungSerializer(serializers.Serializer):
    height = serializers.IntegerField()
    share = _share()


class AnalyticsQoeSerializer(serializers.Serializer):
    plays = serializers.IntegerField(
        allow_null=True, help_text="Null by CDN pathway: plays are not counted so."
    )
    startups = serializers.IntegerField()
    startup_p50_s = _seconds(
        "Median startup time, estimated within its histogram bucket (as "
        "Prometheus' histogram_quantile); null without startups."
    )
    startup_p95_s = _seconds("95th percentile startup time, estimated the same way.")
    rebuffering_ratio = _share(
        help_text="Stalled time over stalled plus playing time (0 to 1); null "
        "without either."
    )
    stalls = serializers.IntegerField()
    errors = serializers.IntegerField(help_text="Plays ended by a fatal error.")
    error_rate = _share()
    exits_before_start = serializers.IntegerField()
    exit_rate = _share()
    average_kbps = serializers.FloatField(
        allow_null=True, help_text="Average bitrate over the playing time."
    )
    rung_mix = AnalyticsRungSerializer(
        many=True, help_text="Playing time by rendition."
    )
    switches_up = serializers.IntegerField()
    switches_down = serializers.IntegerField()


class AnalyticsBreakdownRowSerializer(AnalyticsQoeSerializer):
    value = serializers.CharField(help_text="The plan slug, device type or pathway.")


class AnalyticsBreakdownsSerializer(serializers.Serializer):
    plan = AnalyticsBreakdownRowSerializer(many=True)
    device = AnalyticsBreakdownRowSerializer(many=True)
    pathway = AnalyticsBreakdownRowSerializer(many=True)


class AnalyticsAudienceSerializer(serializers.Serializer):
    plays = serializers.IntegerField()
    viewers_min = serializers.IntegerField(
        help_text="Lower bound on unique viewers: the busiest day's distinct ones."
    )
    viewers_max = serializers.IntegerField(
        help_text="Upper bound on unique viewers: the sum of each day's distinct ones."
    )
    watch_hours = serializers.FloatField()
    seeks = serializers.IntegerField()
    completion_rate = _share(
        help_text="Share of plays that reached PLAYBACK_COMPLETED_FRACTION (0.9) "
        "of the video; null without plays."
    )
    retention = serializers.ListField(
        child=serializers.FloatField(),
        help_text="Share of plays still watching at each part of the video.",
    )
    stopped = serializers.ListField(
        child=serializers.FloatField(),
        help_text="Share of plays that stopped in each part (the last: finished).",
    )
    seek_to = serializers.ListField(
        child=serializers.IntegerField(), help_text="Seeks landing in each part."
    )
    seek_from = serializers.ListField(
        child=serializers.IntegerField(), help_text="Seeks leaving each part."
    )
    qoe = AnalyticsQoeSerializer()
    breakdowns = AnalyticsBreakdownsSerializer()


class AnalyticsEpisodeFiguresSerializer(AnalyticsAudienceSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    season = serializers.IntegerField(allow_null=True)
    number = serializers.IntegerField(allow_null=True)


class AnalyticsTitleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class AnalyticsHistogramBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    startups = serializers.IntegerField()


class AnalyticsDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    plays = serializers.IntegerField()
    watch_hours = serializers.FloatField()


class AnalyticsEpisodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    season = serializers.IntegerField()
    number = serializers.IntegerField()


class AnalyticsTitleFiguresSerializer(AnalyticsAudienceSerializer):
    title = AnalyticsTitleSerializer()
    episode = AnalyticsEpisodeSerializer(
        allow_null=True, help_text="The episode asked for (`?episode=`), or null."
    )
    period = AnalyticsPeriodSerializer()
    has_data = serializers.BooleanField()
    viewers_note = serializers.CharField()
    retention_buckets = serializers.IntegerField()
    startup_histogram = AnalyticsHistogramBucketSerializer(many=True)
    episodes = AnalyticsEpisodeFiguresSerializer(
        many=True,
        help_text="A series' episodes, each with its own figures (empty for one "
        "episode's figures).",
    )
    daily = AnalyticsDaySerializer(many=True)


class AnalyticsTotalsSerializer(serializers.Serializer):
    plays = serializers.IntegerField()
    watch_hours = serializers.FloatField()
    previous_plays = serializers.IntegerField()
    previous_watch_hours = serializers.FloatField()
    change = serializers.FloatField(
        allow_null=True,
        help_text="Relative change in watch time; null from nothing before.",
    )


class AnalyticsTopTitleSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    name = serializers.CharField()
    plays = serializers.IntegerField()
    watch_hours = serializers.FloatField()
    previous_plays = serializers.IntegerField()
    previous_watch_hours = serializers.FloatField()
    change = serializers.FloatField(allow_null=True)


class AnalyticsTrendDaySerializer(AnalyticsDaySerializer):
    previous_day = serializers.DateField()
    previous_plays = serializers.IntegerField()
    previous_watch_hours = serializers.FloatField()


class AnalyticsQoeWorseSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    name = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["startup_p95", "rebuffering_ratio"])
    )
    startup_p95_s = serializers.FloatField(allow_null=True)
    previous_startup_p95_s = serializers.FloatField(allow_null=True)
    rebuffering_ratio = serializers.FloatField(allow_null=True)
    previous_rebuffering_ratio = serializers.FloatField(allow_null=True)
    startups = serializers.IntegerField()


class AnalyticsOverviewSerializer(serializers.Serializer):
    period = AnalyticsPeriodSerializer()
    previous_period = AnalyticsPeriodSerializer()
    totals = AnalyticsTotalsSerializer()
    top_titles = AnalyticsTopTitleSerializer(many=True)
    trend = AnalyticsTrendDaySerializer(many=True)
    qoe_worse = AnalyticsQoeWorseSerializer(many=True)
