"""Audience and quality-of-experience analytics (the ``analytics`` app)."""

from vod.settings.env import env_bool, env_int

# Off: playback records nothing (the bench compares a heartbeat both ways).
ANALYTICS_ENABLED = env_bool("ANALYTICS_ENABLED", True)
# How long the raw per-day counters stay in the cache (Redis or diskcache);
# the beat rollup copies them into the database long before that.
ANALYTICS_RAW_DAYS = env_int("ANALYTICS_RAW_DAYS", 3)
# The retention curve's resolution: the video's duration in this many buckets.
ANALYTICS_RETENTION_BUCKETS = env_int("ANALYTICS_RETENTION_BUCKETS", 100)
