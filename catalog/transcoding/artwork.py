"""The poster frame: a picture worth showing, never a black or blank frame."""

import io
from pathlib import Path

import av
from PIL import Image, ImageStat

from .probe import open_source

CANDIDATE_POSITIONS = (0.1, 0.2, 0.33, 0.5, 0.66, 0.05, 0.0)
POSTER_MAX_WIDTH = 1280
# Mean brightness and contrast (0-255) below which a frame is black or blank.
MIN_BRIGHTNESS = 24
MIN_CONTRAST = 16


def _frame_at(container, stream, seconds: float):
    if seconds > 0 and stream.time_base:
        container.seek(int(seconds / stream.time_base), stream=stream, any_frame=False)
    for frame in container.decode(stream):
        if frame.time is None or frame.time >= seconds - 0.05:
            return frame
    return None


def _score(image: Image.Image) -> tuple[bool, float]:
    gray = image.convert("L").resize((64, 36))
    stat = ImageStat.Stat(gray)
    brightness, contrast = stat.mean[0], stat.stddev[0]
    return brightness >= MIN_BRIGHTNESS and contrast >= MIN_CONTRAST, contrast


def _upright(frame) -> Image.Image:
    image = frame.to_image()
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    # A display rotation of R degrees turns the picture R degrees anticlockwise.
    return image.rotate(rotation, expand=True) if rotation else image


def poster_jpeg(
    source: Path, duration: float, *, width: int, height: int, container_format: str
) -> bytes:
    """A JPEG poster from the first good frame among a few candidates."""
    best, best_contrast = None, -1.0
    with open_source(source, container_format) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for position in CANDIDATE_POSITIONS:
            try:
                frame = _frame_at(container, stream, duration * position)
            except av.error.FFmpegError:
                continue
            if frame is None:
                continue
            image = _upright(frame)
            good, contrast = _score(image)
            if good:
                best = image
                break
            if contrast > best_contrast:
                best, best_contrast = image, contrast
    if best is None:
        raise ValueError("No frame could be decoded for the poster.")
    scale = min(1.0, POSTER_MAX_WIDTH / max(width, 1))
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    buffer = io.BytesIO()
    best.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(
        buffer, "JPEG", quality=85, optimize=True
    )
    return buffer.getvalue()


def storyboard_sprite(
    thumbnails: list[Path], *, columns: int, tile_width: int, tile_height: int
) -> bytes:
    """One JPEG sprite of the thumbnails, left to right and top to bottom."""
    rows = max(1, -(-len(thumbnails) // columns))
    sprite = Image.new("RGB", (columns * tile_width, rows * tile_height))
    for index, path in enumerate(thumbnails):
        with Image.open(path) as tile:
            x, y = (index % columns) * tile_width, (index // columns) * tile_height
            sprite.paste(tile.convert("RGB").resize((tile_width, tile_height)), (x, y))
    buffer = io.BytesIO()
    sprite.save(buffer, "JPEG", quality=75, optimize=True)
    return buffer.getvalue()
