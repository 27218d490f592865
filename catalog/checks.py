"""Start-up checks: say plainly when the encoder cannot do what the pipeline needs."""

from django.core.checks import Error, register

from .transcoding import ffmpeg
from .transcoding.errors import EncoderUnavailable


@register("transcoding")
def ffmpeg_capable(app_configs, **kwargs):
    try:
        ffmpeg.ensure_capable()
    except EncoderUnavailable as exc:
        return [
            Error(
                exc.reason,
                hint=(
                    "Install requirements.txt (imageio-ffmpeg ships a suitable ffmpeg) "
                    "or point FFMPEG_BINARY at an ffmpeg with libx264, aac and dash."
                ),
                id="catalog.E001",
            )
        ]
    return []
