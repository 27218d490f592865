from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "playback"
    verbose_name = "Playback"
