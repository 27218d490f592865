"""Demo posters and backdrops drawn with Pillow, so the demo downloads nothing.

Each image is a two-colour gradient in the genre's palette under a pattern
seeded from the title's name, with the name set in large type.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFont

POSTER_SIZE = (400, 600)
BACKDROP_SIZE = (1280, 720)
JPEG_QUALITY = 85

Color = tuple[int, int, int]


def poster_jpeg(*, name: str, caption: str, palette: tuple[Color, Color]) -> bytes:
    """A 2:3 poster with the name near the bottom."""
    image = _background(POSTER_SIZE, palette, _rng(name, "poster"))
    _draw_name(image, name, caption, size=54, max_width=POSTER_SIZE[0] - 48, left=24)
    return _jpeg(image)


def backdrop_jpeg(*, name: str, caption: str, palette: tuple[Color, Color]) -> bytes:
    """A 16:9 backdrop with the name in the lower left."""
    image = _background(BACKDROP_SIZE, palette, _rng(name, "backdrop"))
    _draw_name(
        image, name, caption, size=96, max_width=BACKDROP_SIZE[0] * 3 // 5, left=64
    )
    return _jpeg(image)


def _rng(name: str, kind: str) -> random.Random:
    # Seeded by the name, so a title keeps its look across runs and resets.
    return random.Random(f"{kind}:{name}")  # noqa: S311 - artwork, not security


def _jitter(color: Color, rng: random.Random, spread: int = 28) -> Color:
    return tuple(max(0, min(255, c + rng.randint(-spread, spread))) for c in color)


def _background(size: tuple[int, int], palette, rng: random.Random) -> Image.Image:
    start, end = (_jitter(color, rng) for color in palette)
    mask = Image.linear_gradient("L").resize(size)
    if rng.random() < 0.5:
        mask = mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image = Image.composite(
        Image.new("RGB", size, end), Image.new("RGB", size, start), mask
    ).convert("RGBA")

    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width, height = size
    accent = _jitter(end if rng.random() < 0.5 else (255, 255, 255), rng, 40)
    pattern = rng.choice(("discs", "stripes", "rings"))
    if pattern == "discs":
        for _ in range(rng.randint(5, 10)):
            radius = rng.uniform(0.08, 0.45) * min(size)
            x, y = rng.uniform(0, width), rng.uniform(0, height * 0.8)
            draw.ellipse(
                (x - radius, y - radius, x + radius, y + radius),
                fill=(*accent, rng.randint(30, 80)),
            )
    elif pattern == "stripes":
        band = rng.randint(width // 16, width // 6)
        slant = rng.choice((-1, 1)) * height
        for x in range(-height, width + height, band * 2):
            draw.polygon(
                [
                    (x, 0),
                    (x + band, 0),
                    (x + band + slant, height),
                    (x + slant, height),
                ],
                fill=(*accent, rng.randint(25, 55)),
            )
    else:
        cx, cy = rng.uniform(0, width), rng.uniform(0, height * 0.6)
        step = rng.randint(min(size) // 18, min(size) // 8)
        line = max(2, step // 3)
        for radius in range(step, int(max(size) * 1.5), step):
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                outline=(*accent, rng.randint(35, 70)),
                width=line,
            )
    image = Image.alpha_composite(image, overlay)

    # Darken the lower part so white type stays readable on any palette.
    shade = (
        Image.linear_gradient("L").resize(size).point(lambda v: max(0, v - 90) * 1.2)
    )
    black = Image.new("RGBA", size, (0, 0, 0, 255))
    black.putalpha(shade)
    return Image.alpha_composite(image, black)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _draw_name(
    image: Image.Image, name: str, caption: str, *, size: int, max_width: int, left: int
) -> None:
    draw = ImageDraw.Draw(image)
    # Shrink long names until they fit in three lines and no word overflows.
    while True:
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, name, font, max_width)
        widest = max(draw.textlength(line, font=font) for line in lines)
        if (len(lines) <= 3 and widest <= max_width) or size <= 20:
            break
        size -= 4
    caption_font = ImageFont.load_default(size=max(16, size * 2 // 5))
    line_height = round(size * 1.12)
    bottom = image.height - round(size * 0.9)
    draw.text((left, bottom), caption, font=caption_font, fill=(235, 235, 235))
    top = bottom - line_height * len(lines) - size // 4
    for index, line in enumerate(lines):
        draw.text(
            (left, top + index * line_height),
            line,
            font=font,
            fill=(255, 255, 255),
            stroke_width=max(1, size // 28),
            stroke_fill=(0, 0, 0),
        )


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
