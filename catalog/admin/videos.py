"""Editors' screens for videos: upload a source, follow the transcode, add subtitles.

Sources go from the browser straight to the store with Uppy and the direct
upload API (``source_uploader``). Where ``SOURCE_UPLOADS_THROUGH_WEB`` is on
(the embedded default), the form's file field still takes one, streamed to a
temporary file and from there to storage; probing and encoding happen on a
worker, never in the request.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from vod.uploads import accepts_large_body

from .. import selectors, services
from ..models import (
    AddedAudioTrack,
    AudioTrackOverride,
    TextTrack,
    Video,
)
from .audio import (
    AddedAudioTrackInline,
    AudioOverrideInline,
    AudioTrackInline,
    save_added_audio,
    save_overrides,
)
from .source_uploader import source_uploader_context
from .text_tracks import TextTrackInline
from .video_form import SOURCE_EXTENSIONS, VideoForm


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
    inlines = [
        AudioTrackInline,
        AudioOverrideInline,
        AddedAudioTrackInline,
        TextTrackInline,
    ]
    readonly_fields = [
        "uuid",
        "status_badge",
        "job_kind",
        "stage",
        "progress_bar",
        "failure_reason",
        "source_name",
        "source_size",
        "ingest_location",
        "ingest_fetched",
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
            {
                "fields": [
                    "upload",
                    "location",
                    "movie",
                    "episode",
                    "source_name",
                    "source_size",
                    "ingest_location",
                    "ingest_fetched",
                ]
            },
        ),
        (
            "Transcode",
            {
                "fields": [
                    "status_badge",
                    "job_kind",
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
            if self._shows(inline, request, obj)
        ]

    @staticmethod
    def _shows(inline, request, obj) -> bool:
        if isinstance(inline, AudioTrackInline):
            return obj is not None and request.method in ("GET", "HEAD")
        if isinstance(inline, AddedAudioTrackInline | AudioOverrideInline):
            # Only on a video that exists; a form posted without them (a
            # script, an older page) leaves them as they are.
            prefix = inline.model._meta.get_field("video").remote_field.related_name
            return obj is not None and (
                request.method in ("GET", "HEAD")
                or f"{prefix}-TOTAL_FORMS" in request.POST
            )
        return True

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

    @admin.display(description="Fetched so far")
    def ingest_fetched(self, video: Video) -> str:
        if not video.ingest_location:
            return "—"
        done = f"{video.ingest_bytes / 1e6:,.1f} MB"
        if video.ingest_total_bytes:
            return f"{done} of {video.ingest_total_bytes / 1e6:,.1f} MB"
        return done

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
        bar = format_html(
            '<progress value="{}" max="100" aria-label="Transcode progress">{}%</progress> {}%',
            video.progress,
            video.progress,
            video.progress,
        )
        if video.status != Video.Status.PROCESSING or not video.job_token:
            return bar
        counts = selectors.video_chunks_progress(
            video_id=video.pk, job_token=str(video.job_token)
        )
        if not counts["chunks"]:
            return bar
        return format_html(
            "{} · {} of {} chunks done, {} of {} frames encoded",
            bar,
            counts["done"],
            counts["chunks"],
            counts["frames"],
            counts["total_frames"],
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
        location = form.cleaned_data.get("location")
        if location:
            services.video_source_ingest(video=obj, location=location)
            obj.refresh_from_db()
            self.message_user(
                request,
                "A worker will fetch the source from its location, then transcode it.",
                messages.INFO,
            )
        if upload is not None:
            services.video_source_attach(video=obj, file=upload, name=upload.name)
            obj.refresh_from_db()
            self.message_user(
                request,
                "The source is stored; a worker will transcode it.",
                messages.INFO,
            )

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is AddedAudioTrack:
            return save_added_audio(formset, form.instance)
        if formset.model is AudioTrackOverride:
            return save_overrides(formset, form.instance)
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
