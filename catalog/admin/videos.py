"""Editors' screens for videos: upload a source, follow the transcode, add subtitles.

Sources go from the browser straight to the store with Uppy and the direct
upload API (``source_uploader``). Where ``SOURCE_UPLOADS_THROUGH_WEB`` is on
(the embedded default), the form's file field still takes one, streamed to a
temporary file and from there to storage; probing and encoding happen on a
worker, never in the request.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from vod.uploads import accepts_large_body

from .. import services
from ..models import AudioTrack, Episode, TextTrack, Title, Video
from ..transcoding.subtitles import to_webvtt
from .source_uploader import source_uploader_context

SOURCE_EXTENSIONS = (
    ".mp4",
    ".mov",
    ".m4v",
    ".mkv",
    ".webm",
    ".avi",
    ".mpg",
    ".mpeg",
    ".ts",
    ".mxf",
)


class VideoForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label="Source file",
        help_text="A new file starts a new transcode; the current stream plays until it is done.",
    )
    movie = forms.ModelChoiceField(
        queryset=Title.objects.filter(kind=Title.Kind.MOVIE, video__isnull=True),
        required=False,
        help_text="The movie this video is for (only movies without a video are listed).",
    )
    episode = forms.ModelChoiceField(
        queryset=Episode.objects.filter(video__isnull=True).select_related(
            "season__title"
        ),
        required=False,
        help_text="Or the episode it is for.",
    )

    class Meta:
        model = Video
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.SOURCE_UPLOADS_THROUGH_WEB:
            # Production: sources come through the uploader above the form.
            del self.fields["upload"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if self.instance.pk is None:
                raise ValidationError("Choose the source file to upload.")
            return None
        services.video_source_check(size=upload.size)
        if not upload.name.lower().endswith(SOURCE_EXTENSIONS):
            raise ValidationError(
                "This does not look like a video file; use one of "
                + ", ".join(SOURCE_EXTENSIONS)
                + "."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        # The service's own rules, checked before anything is stored.
        services.video_attach_check(
            video=self.instance if self.instance.pk else None,
            title=cleaned.get("movie"),
            episode=cleaned.get("episode"),
        )
        return cleaned


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


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    form = VideoForm
    list_display = [
        "__str__",
        "attached_to",
        "status_badge",
        "stage",
        "progress_bar",
        "duration_seconds",
        "created_at",
    ]
    list_filter = ["status", "stage"]
    list_select_related = ["title", "episode__season__title"]
    search_fields = ["uuid", "source_name", "title__name", "episode__name"]
    actions = ["retranscode"]
    inlines = [AudioTrackInline, TextTrackInline]
    readonly_fields = [
        "uuid",
        "status_badge",
        "stage",
        "progress_bar",
        "failure_reason",
        "source_name",
        "source_size",
        "revision",
        "preview_revision",
        "hls_master_path",
        "dash_manifest_path",
        "renditions_table",
        "duration_seconds",
        "width",
        "height",
        "attempts",
        "worker",
        "heartbeat_at",
        "started_at",
        "finished_at",
    ]
    fieldsets = [
        (
            "Source",
            {"fields": ["upload", "movie", "episode", "source_name", "source_size"]},
        ),
        (
            "Transcode",
            {
                "fields": [
                    "status_badge",
                    "stage",
                    "progress_bar",
                    "failure_reason",
                    "attempts",
                ]
            },
        ),
        (
            "Published stream",
            {
                "fields": [
                    "revision",
                    "preview_revision",
                    "hls_master_path",
                    "dash_manifest_path",
                    ("duration_seconds", "width", "height"),
                    "renditions_table",
                ]
            },
        ),
        (
            "Worker",
            {
                "classes": ["collapse"],
                "fields": [
                    "uuid",
                    "worker",
                    "heartbeat_at",
                    "started_at",
                    "finished_at",
                ],
            },
        ),
    ]

    # Source uploads through the form: refused unread unless an editor may add
    # or change videos, and in production (SOURCE_UPLOADS_THROUGH_WEB off).
    @accepts_large_body(
        methods=["POST"], permission="catalog.add_video", whole_source=True
    )
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    @accepts_large_body(
        methods=["POST"], permission="catalog.change_video", whole_source=True
    )
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if settings.SOURCE_UPLOADS_THROUGH_WEB:
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f != "upload"]},
            )
            for name, options in fieldsets
        ]

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        context["source_uploader"] = source_uploader_context(
            request, video=kwargs.get("obj"), extensions=SOURCE_EXTENSIONS
        )
        return super().render_change_form(request, context, add, change, **kwargs)

    def get_inline_instances(self, request, obj=None):
        # The audio tracks are shown, never posted: nothing of them to save,
        # and none yet on a video being added.
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if not isinstance(inline, AudioTrackInline)
            or (obj is not None and request.method in ("GET", "HEAD"))
        ]

    @admin.display(description="Renditions")
    def renditions_table(self, video: Video):
        rows = [
            (
                r.width,
                r.height,
                r.bandwidth // 1000,
                r.average_bandwidth // 1000,
                r.codecs,
            )
            for r in video.renditions.filter(revision=video.revision)
        ]
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>Size</th><th>Peak kb/s</th><th>Average kb/s</th>"
            "<th>Codecs</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}×{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                rows,
            ),
        )

    @admin.display(description="Attached to")
    def attached_to(self, video: Video) -> str:
        owner = getattr(video, "title", None) or getattr(video, "episode", None)
        return str(owner) if owner else "—"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, video: Video):
        colours = {
            Video.Status.READY: "#2e7d32",
            Video.Status.FAILED: "#c62828",
            Video.Status.PROCESSING: "#1565c0",
        }
        return format_html(
            '<strong style="color:{}">{}</strong>',
            colours.get(video.status, "#555"),
            video.get_status_display(),
        )

    @admin.display(description="Progress")
    def progress_bar(self, video: Video):
        return format_html(
            '<progress value="{}" max="100" aria-label="Transcode progress">{}%</progress> {}%',
            video.progress,
            video.progress,
            video.progress,
        )

    @transaction.atomic
    def save_model(self, request, obj: Video, form, change: bool) -> None:
        if not change:
            created = services.video_create(
                title=form.cleaned_data.get("movie"),
                episode=form.cleaned_data.get("episode"),
            )
            obj.pk, obj.uuid = created.pk, created.uuid
            obj.refresh_from_db()
        else:
            services.video_attach(
                video=obj,
                title=form.cleaned_data.get("movie"),
                episode=form.cleaned_data.get("episode"),
            )
        upload = form.cleaned_data.get("upload")
        if upload is not None:
            services.video_source_attach(video=obj, file=upload, name=upload.name)
            obj.refresh_from_db()
            self.message_user(
                request,
                "The source is stored; a worker will transcode it.",
                messages.INFO,
            )

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not TextTrack:
            return super().save_formset(request, form, formset, change)
        # Every change goes through the services, which convert the file and
        # package the stream again so players see it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                services.text_track_remove(track=deleted.instance)
                formset.deleted_objects.append(deleted.instance)
        for track_form in formset.forms:
            if track_form in formset.deleted_forms or not track_form.has_changed():
                continue
            data = track_form.cleaned_data
            fields = {
                "language": data["language"],
                "label": data["label"],
                "kind": data["kind"],
                "is_default": data["is_default"],
            }
            if track_form.instance.pk is None:
                track = services.text_track_add(
                    video=form.instance, file=data["file"], **fields
                )
                formset.new_objects.append(track)
            else:
                new_file = "file" in track_form.changed_data
                track = services.text_track_update(
                    track=track_form.instance,
                    file=data["file"] if new_file else None,
                    **fields,
                )
                formset.changed_objects.append((track, track_form.changed_data))
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule only a write can check (another editor got there first) is
        # raised by the service once the form has passed: nothing is kept, and
        # the editor sees the service's reason.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Re-transcode selected videos", permissions=["change"])
    def retranscode(self, request, queryset):
        done, skipped = 0, 0
        for video in queryset:
            try:
                services.video_retranscode(video=video)
                done += 1
            except ValidationError:
                skipped += 1
        self.message_user(
            request, f"Queued {done} video(s) for a new transcode.", messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                f"{skipped} video(s) have no source and were skipped.",
                messages.WARNING,
            )
