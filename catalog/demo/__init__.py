"""Demo content for a local run: a catalog with artwork, and demo accounts.

``python manage.py seed_demo`` calls these; nothing here runs in production.
"""

from .accounts import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    EDITOR_EMAIL,
    DemoAccountsError,
    demo_accounts_ensure,
)
from .seed import (
    DemoCatalogReport,
    demo_catalog_delete,
    demo_catalog_exists,
    demo_catalog_seed,
)
from .videos import demo_videos_ensure

__all__ = [
    "ADMIN_EMAIL",
    "DEMO_PASSWORD",
    "EDITOR_EMAIL",
    "DemoAccountsError",
    "DemoCatalogReport",
    "demo_accounts_ensure",
    "demo_catalog_delete",
    "demo_catalog_exists",
    "demo_catalog_seed",
    "demo_videos_ensure",
]
