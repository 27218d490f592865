"""The API guide for app developers: how the operations fit together."""

from django.conf import settings
from django.views.generic import TemplateView

from .pagination import PageNumberPagination


class ApiGuideView(TemplateView):
    """Signing in, the player loop, signed media URLs and error codes, with
    the limits in force read from the settings."""

    template_name = "api/guide.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_size=settings.REST_FRAMEWORK["PAGE_SIZE"],
            max_page_size=PageNumberPagination.max_page_size,
            heartbeat_seconds=settings.PLAYBACK_HEARTBEAT_SECONDS,
            session_timeout=settings.PLAYBACK_SESSION_TIMEOUT_SECONDS,
            position_margin=settings.PLAYBACK_POSITION_MARGIN_SECONDS,
            grant_seconds=settings.PLAYBACK_GRANT_LIFETIME_SECONDS,
            **kwargs,
        )
