"""Images with Pillow, bounded: a decompression bomb or an image past UPLOAD_IMAGE_MAX_PIXELS is
refused before it is decoded; what is kept is turned upright by its EXIF orientation, then
re-encoded without its EXIF (location, camera), and a JPEG thumbnail of at most
UPLOAD_THUMBNAIL_SIZE pixels a side is made."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ImageRefused(Exception):
    """The image cannot be kept; the message says why, for its uploader."""


@dataclass(frozen=True)
class CleanImage:
    width: int
    height: int
    clean: bytes  # the image again, without metadata
    thumbnail: bytes  # JPEG


def image_clean(data: bytes) -> CleanImage:
    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, limit
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise ImageRefused("The file is not an image Divan accepts.")
                width, height = image.size
                frames = getattr(image, "n_frames", 1)  # read from the headers, not decoded
                if width * height * frames > limit:
                    raise ImageRefused(f"The image has more than {limit} pixels in all.")
                image.load()
                _turn_upright(image)
                width, height = image.size  # as shown: after turning
                clean = _without_metadata(image)
                thumbnail = _thumbnail(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRefused(f"The image has more than {limit} pixels.") from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise ImageRefused("The image cannot be read.") from error
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    return CleanImage(width=width, height=height, clean=clean, thumbnail=thumbnail)


def _turn_upright(image: Image.Image) -> None:
    """Turn the image as a viewer would by its EXIF orientation, in place, before its EXIF is
    stripped (after, the stripped image would show on its side). An animation is left as it
    is: turning it would keep one frame."""
    if not getattr(image, "is_animated", False):
        ImageOps.exif_transpose(image, in_place=True)


def _without_metadata(image: Image.Image) -> bytes:
    """The same image, re-encoded with no EXIF, XMP or comments (animated GIFs keep frames)."""
    out = io.BytesIO()
    for name in ("exif", "xmp", "comment", "icc_profile", "photoshop", "adobe"):
        image.info.pop(name, None)
    if image.format == "GIF":
        image.save(out, format="GIF", save_all=getattr(image, "is_animated", False))
    elif image.format == "JPEG":
        image.info = {}
        image.save(out, format="JPEG", quality=92)
    elif image.format == "PNG":
        image.save(out, format="PNG")
    else:
        image.save(out, format="WEBP", quality=90)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    side = settings.UPLOAD_THUMBNAIL_SIZE
    thumb = image.convert("RGB")
    thumb.thumbnail((side, side))
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue()
