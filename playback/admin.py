from django.contrib import admin

from .models import PlaybackSession


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
