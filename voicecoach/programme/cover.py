"""A programme's cover: the runner's own image made square, or one drawn from the title.

Podcast apps want a square RGB JPEG or PNG of 1400-3000 px under 512 kB (Apple Podcasts
refuses anything else); the same image goes in every session's MP3 (ID3 APIC) and on the
page. Pillow does the imaging.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import textwrap
from importlib import resources
from typing import TYPE_CHECKING, Any

from voicecoach.errors import ExportError

if TYPE_CHECKING:
    from PIL.Image import Image

SIZE = 3000
MAX_BYTES = 500_000  # under Apple's 512 kB, with room to spare
NAME = "cover.jpg"
FONT = (
    "DejaVuSans-Bold.ttf"  # its licence (Bitstream Vera, DejaVu's changes public domain) beside it
)


def cover(title: str, artwork: str | None) -> bytes:
    """The cover as JPEG bytes: `artwork` fitted to a square, or one drawn from `title`."""
    if artwork is None:
        return _drawn_jpeg(title)
    from PIL import Image, ImageOps

    try:
        with Image.open(artwork) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ExportError(f"{artwork}: cannot read the artwork: {exc}") from None
    image = ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS)
    return _jpeg(image)


@functools.lru_cache(maxsize=4)
def _drawn_jpeg(title: str) -> bytes:
    # drawing takes a tenth of a second: a squad's athletes share one programme's title
    return _jpeg(drawn(title))


def drawn(title: str) -> Image:
    """A cover of the title's own colours: a gradient, the title large, 'voicecoach' small."""
    from PIL import Image, ImageDraw

    hue = int.from_bytes(hashlib.sha256(title.encode()).digest()[:2], "big") / 65535
    top = [round(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.55)]
    bottom = [round(255 * c) for c in colorsys.hsv_to_rgb((hue + 0.08) % 1, 0.8, 0.22)]
    gradient = Image.linear_gradient("L").resize((SIZE, SIZE))
    image = Image.composite(
        Image.new("RGB", (SIZE, SIZE), tuple(bottom)),
        Image.new("RGB", (SIZE, SIZE), tuple(top)),
        gradient,
    )
    draw = ImageDraw.Draw(image)
    lines = textwrap.wrap(title, width=14)[:6] or [title[:14]]
    font = _font(max(160, min(330, 2400 // max(len(lines), 1) // 2)))
    height = sum(draw.textbbox((0, 0), line, font=font)[3] + 60 for line in lines)
    y = (SIZE - height) // 2
    for line in lines:
        box = draw.textbbox((0, 0), line, font=font)
        draw.text(((SIZE - box[2]) // 2, y), line, font=font, fill=(255, 255, 255))
        y += box[3] + 60
    small = _font(120)
    box = draw.textbbox((0, 0), "voicecoach", font=small)
    draw.text(((SIZE - box[2]) // 2, SIZE - 300), "voicecoach", font=small, fill=(230, 230, 230))
    return image


def _font(size: int) -> Any:
    """DejaVu Sans Bold, carried in the package: every built-in language's letters
    (ą ł ø å ß é ñ ...), where Pillow's own font has ASCII only."""
    from PIL import ImageFont

    with resources.files(__package__).joinpath("fonts").joinpath(FONT).open("rb") as handle:
        # the basic layout: raqm's (when Pillow has it) fails on some line separators
        return ImageFont.truetype(
            io.BytesIO(handle.read()), size, layout_engine=ImageFont.Layout.BASIC
        )


def _jpeg(image: Image) -> bytes:
    """JPEG bytes under MAX_BYTES: the best quality that fits."""
    for quality in (90, 82, 74, 66, 58, 50, 40, 30):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= MAX_BYTES:
            return out.getvalue()
    raise ExportError("the artwork does not fit in 500 kB even as a plain JPEG")
