"""The video's own form on its admin page: attach it to a movie or an episode,
and a source (a file, where ``SOURCE_UPLOADS_THROUGH_WEB`` allows one, or a
location to copy or fetch it from), checked by the services' own rules."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .. import services
from ..models import Episode, Title, Video

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
    location = forms.CharField(
        required=False,
        max_length=2000,
        label="Or its location",
        help_text=(
            "Where the source already is: s3://bucket/key (an allowed bucket; S3 "
            "copies it) or an https:// URL (a worker fetches it)."
        ),
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
            if self.instance.pk is None and not self.data.get("location", "").strip():
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

    def clean_location(self):
        location = self.cleaned_data.get("location", "").strip()
        if not location:
            return ""
        if self.files.get("upload"):
            raise ValidationError("Upload a file or give a location, not both.")
        return services.video_source_location_check(location=location)

    def clean(self):
        cleaned = super().clean()
        # The service's own rules, checked before anything is stored.
        services.video_attach_check(
            video=self.instance if self.instance.pk else None,
            title=cleaned.get("movie"),
            episode=cleaned.get("episode"),
        )
        return cleaned
