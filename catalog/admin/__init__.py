"""Editors' screens, one module per part of the catalog."""

from . import titles, uploads, videos  # noqa: F401  (each registers its ModelAdmins)
