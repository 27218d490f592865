"""The catalog's demo content for a local run: titles with artwork, and videos.

The demo app's ``seed_demo`` command calls these (with the demo accounts, which
are no business of the catalog's); nothing here runs in production.
"""

from .seed import (
    DemoCatalogReport,
    demo_catalog_delete,
    demo_catalog_exists,
    demo_catalog_seed,
)
from .videos import demo_videos_ensure

__all__ = [
    "DemoCatalogReport",
    "demo_catalog_delete",
    "demo_catalog_exists",
    "demo_catalog_seed",
    "demo_videos_ensure",
]
