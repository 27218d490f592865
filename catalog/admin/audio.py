"""Audio on a video's admin page: the published tracks and their loudness, the
tracks editors added as files, and their overrides of the source's tracks.

Every save goes through the services, which check the file, store it and
republish the video by repackaging (its video is not encoded again).
"""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from .. import services
from ..models import AddedAudioTrack, AudioTrack, AudioTrackOverride

AUDIO_FIELDS = ["file", "language", "name", "role"]


class AddedAudioTrackForm(forms.ModelForm):
    class Meta:
        model = AddedAudioTrack
        fields = AUDIO_FIELDS
        help_texts = {
            "file": "The track alone (WAV, FLAC, MP3, AAC, M4A, MKA or Ogg); it "
            "is trimmed or padded with silence to the video's length."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An added track is replaced (removed, then added again), never edited.
            for field in self.fields.values():
                field.disabled = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload
            # The service's own check, next to the field, before anything is stored.
            services.added_audio_check(file=upload)
        return upload


class _EditorsOfTheVideo:
    """Whoever may change the video may change its audio."""

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("catalog.change_video")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("catalog.change_video")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("catalog.change_video")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("catalog.view_video")


class AddedAudioTrackInline(_EditorsOfTheVideo, admin.TabularInline):
    model = AddedAudioTrack
    form = AddedAudioTrackForm
    extra = 0
    verbose_name_plural = "Audio tracks added later (dubs and audio descriptions)"
    fields = [*AUDIO_FIELDS, "duration_seconds", "length_warning"]
    readonly_fields = ["duration_seconds", "length_warning"]

    @admin.display(description="Warning")
    def length_warning(self, track: AddedAudioTrack):
        if not track.warning:
            return "—"
        return format_html('<strong style="color:#c62828">{}</strong>', track.warning)


class AudioOverrideForm(forms.ModelForm):
    class Meta:
        model = AudioTrackOverride
        fields = ["position", "role", "name", "language"]
        help_texts = {
            "position": "The source's audio track, from 0 (as listed above).",
            "role": "Blank keeps the source's.",
        }

    def clean_position(self):
        position = self.cleaned_data["position"]
        services.audio_override_check(video=self.instance.video, position=position)
        return position


class AudioOverrideInline(_EditorsOfTheVideo, admin.TabularInline):
    model = AudioTrackOverride
    form = AudioOverrideForm
    extra = 0
    verbose_name_plural = (
        "Source audio tracks as editors set them (role, name, language)"
    )


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


def save_added_audio(formset, video) -> None:
    """Add and remove tracks through the services (rows are never edited)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for deleted in formset.deleted_forms:
        if deleted.instance.pk:
            services.audio_track_remove(track=deleted.instance)
            formset.deleted_objects.append(deleted.instance)
    for form in formset.forms:
        if form in formset.deleted_forms or form.instance.pk or not form.has_changed():
            continue
        data = form.cleaned_data
        formset.new_objects.append(
            services.audio_track_add(
                video=video,
                file=data["file"],
                language=data["language"],
                name=data["name"],
                role=data["role"],
            )
        )


def save_overrides(formset, video) -> None:
    """Set or clear overrides through the service (a deleted one is cleared)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for deleted in formset.deleted_forms:
        if deleted.instance.pk:
            services.audio_track_override(
                video=video, position=deleted.instance.position
            )
            formset.deleted_objects.append(deleted.instance)
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        data = form.cleaned_data
        if form.instance.pk and data["position"] != form.instance.position:
            services.audio_track_override(video=video, position=form.instance.position)
        services.audio_track_override(
            video=video,
            position=data["position"],
            role=data["role"],
            name=data["name"],
            language=data["language"],
        )
