"""The project's cache backends: Redis in production, diskcache embedded.

Django's Redis cache, without building a Redis client for every call.

Django's ``RedisCacheClient.get_client()`` makes a new ``redis.Redis`` on each
cache operation, and each one copies redis-py's table of ~170 response
callbacks: about a tenth of a millisecond of CPU, more than the round trip it
serves on a cached catalog read. A ``redis.Redis`` is safe to share between
threads (connections come from its pool), so one is kept per pool.
"""

from diskcache import DjangoCache
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


class DiskCache(DjangoCache):
    """diskcache's Django backend (SQLite files, shared by every process of
    the embedded default), keeping its connections between requests.

    Django closes every cache when a request finishes; diskcache's close()
    drops its SQLite connections, so each request opened them again: about a
    fifth of a playback start's samples in ``bench/playback.py``. diskcache
    keeps a connection per thread, which is safe to keep open.
    """

    def close(self, **kwargs):
        pass

    def sub_cache(self, name, **settings):
        """The diskcache ``Cache`` in the subdirectory ``name``, with these
        diskcache settings (e.g. ``eviction_policy``) applied on first use."""
        return self._cache.cache(name, **settings)
