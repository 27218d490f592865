"""The settings, composed from one module per theme.

Every difference between environments is an environment variable. With none set,
the project runs on embedded defaults that need no server: SQLite, local file
storage and a filesystem Celery broker under ``var/``, and a SQLite-backed cache
(diskcache). ``DJANGO_DEBUG=0`` switches to production mode, which refuses to
start without its secrets. No two modules set the same name; one that derives a
value from another module's imports it from there, so their order here is free.
"""

from vod.settings.analytics import *
from vod.settings.api import *
from vod.settings.auth import *
from vod.settings.core import *
from vod.settings.data import *
from vod.settings.media import *
from vod.settings.observability import *
from vod.settings.playback import *
from vod.settings.queues import *
from vod.settings.uploads import *
