"""The tracks on a video's admin page: subtitles editors add, audio the pipeline made."""

from django import forms
from django.contrib import admin

from ..models import AudioTrack, TextTrack
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


class PublishedAudioTracks(forms.BaseInlineFormSet):
    def get_queryset(self):
        # Only the published revision's: an older one's rows wait for clean-up.
        return super().get_queryset().filter(revision=self.instance.revision)


class AudioTrackInline(admin.TabularInline):
    """The published revision's audio renditions and their measured loudness."""

    model = AudioTrack
    formset = PublishedAudioTracks
    extra = 0
    can_delete = False
    verbose_name_plural = "Audio tracks (EBU R128 loudness measured in → out)"
    fields = readonly_fields = [
        "position",
        "name",
        "language",
        "role",
        "channels",
        "loudness",
        "true_peak",
        "loudness_range",
        "bandwidth",
    ]

    def has_view_permission(self, request, obj=None) -> bool:
        # Rows the pipeline writes: whoever may see the video sees them.
        return request.user.has_perm("catalog.view_video")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @staticmethod
    def _span(before: float | None, after: float | None, unit: str) -> str:
        def shown(value):
            return "—" if value is None else f"{value:.1f}"

        return f"{shown(before)} → {shown(after)} {unit}"

    @admin.display(description="Integrated loudness")
    def loudness(self, track: AudioTrack) -> str:
        return self._span(track.loudness_in_lufs, track.loudness_out_lufs, "LUFS")

    @admin.display(description="True peak")
    def true_peak(self, track: AudioTrack) -> str:
        return self._span(track.true_peak_in_dbtp, track.true_peak_out_dbtp, "dBTP")

    @admin.display(description="Loudness range")
    def loudness_range(self, track: AudioTrack) -> str:
        return self._span(track.loudness_range_in_lu, track.loudness_range_out_lu, "LU")
