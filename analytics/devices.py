"""Device types for the breakdowns: a browser, an app or a TV."""

BROWSER, APP, TV = "browser", "app", "tv"
DEVICE_TYPES = (BROWSER, APP, TV)

# User-Agent fragments, checked lowercased: TVs first (their browsers say
# "Chrome" too), then the HTTP stacks apps use (no browser sends these).
TV_MARKERS = (
    "smart-tv",
    "smarttv",
    "tizen",
    "web0s",
    "webos",
    "netcast",
    "bravia",
    "hbbtv",
    "appletv",
    "apple tv",
    "tvos",
    "roku",
    "crkey",
    "googletv",
    "android tv",
    "aftb",
    "aftm",
    "aftt",
    "afts",
    "aftk",  # Fire TV models
)
APP_MARKERS = ("okhttp", "dalvik", "cfnetwork", "alamofire", "exoplayer", "vodapp")


def device_type_from_user_agent(user_agent: str) -> str:
    """``tv``, ``app`` or ``browser`` (also for an empty or unknown agent)."""
    agent = user_agent.lower()
    if any(marker in agent for marker in TV_MARKERS):
        return TV
    if any(marker in agent for marker in APP_MARKERS):
        return APP
    return BROWSER
