from django.contrib import admin

from .delivery.pathways import pathways_cache_clear
from .models import CdnPathway, PlaybackSession


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(admin.ModelAdmin):
    """Who is watching what, for support: read-only, sessions are the players'."""

    list_display = (
        "title",
        "episode",
        "profile",
        "device",
        "max_height",
        "started_at",
        "last_seen_at",
        "ended_at",
    )
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("title", "episode__season__title", "profile__user")
    search_fields = ("profile__user__email", "title__name", "device")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CdnPathway)
class CdnPathwayAdmin(admin.ModelAdmin):
    """The CDNs players fetch media from: their order, and their health."""

    list_display = (
        "name",
        "base_url",
        "priority",
        "enabled",
        "healthy",
        "failing_since",
        "last_checked_at",
        "last_error",
    )
    list_editable = ("priority", "enabled")
    list_filter = ("enabled", "healthy")
    readonly_fields = (
        "healthy",
        "failing_since",
        "consecutive_failures",
        "consecutive_successes",
        "last_checked_at",
        "last_error",
    )
    ordering = ("priority", "name")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "base_url":
            kwargs["assume_scheme"] = "https"  # CDNs are reached over TLS
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # Manifests cache the ordered list: every edit here drops it at once.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        pathways_cache_clear()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        pathways_cache_clear()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        pathways_cache_clear()
