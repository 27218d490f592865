"""Subtitles and captions on a video's admin page (the audio tracks: ``audio``)."""

from django import forms
from django.contrib import admin

from ..models import TextTrack
from ..transcoding.subtitles import to_webvtt


class TextTrackForm(forms.ModelForm):
    class Meta:
        model = TextTrack
        fields = ["language", "label", "kind", "is_default", "file"]
        help_texts = {"file": "WebVTT or SRT (UTF-8); SRT is converted."}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload
            # The conversion the service makes: a file it would refuse is
            # refused here, next to the field, before anything is stored.
            to_webvtt(upload.read(), upload.name)
            upload.seek(0)
        return upload


class TextTrackInline(admin.TabularInline):
    model = TextTrack
    form = TextTrackForm
    extra = 0
