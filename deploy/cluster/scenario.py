"""The cluster test's fixed figures: how long it loads, when it kills, its limits."""

# Throwaway credentials, as in tests/.
# ruff: noqa: S105

import os

SOURCE_SECONDS = 90
LOAD_SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", 25))
LOAD_THREADS = 6
KILL_WEB_AT, KILL_CDN_AT = 8.0, 10.0
MAX_FAILURE_RATE = 0.005
GRANT_SECONDS = 12
PASSWORD = "Cluster-Harbor-Lantern-58"
BUCKET, SOURCES_BUCKET = "vod-media", "vod-sources"
