"""Pictures bound for the blob store: checked with Pillow and given their thumbnails before
anything is written, so a file that is not a picture (or too big) is a form error and
leaves no blob and no row behind.

    prepared = prepare_image(upload)         # ValidationError for anything else
    prepared.thumbnails[400]                 # WebP bytes, 400 px on the longer side
"""
import io
import posixpath
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Pixels beyond this are refused: a small file can unpack to gigabytes (a decompression bomb).
MAX_IMAGE_PIXELS = 40_000_000
#: What a shopper's browser shows; anything else Pillow reads is converted to these thumbnails.
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
THUMBNAIL_FORMAT, THUMBNAIL_EXTENSION = "WEBP", "webp"
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


@dataclass
class PreparedImage:
    """A checked picture: its format, size and thumbnails (longest side in px → WebP bytes)."""

    format: str
    width: int
    height: int
    thumbnails: dict = field(default_factory=dict)

    @property
    def extension(self):
        """The file name extension of what the file really is, whatever it was called."""
        return EXTENSIONS[self.format]


def prepare_image(upload, thumbnail_sizes=(), *, max_bytes=MAX_IMAGE_BYTES):
    """Check ``upload`` (a Django File) is a picture of at most ``max_bytes`` and make its
    thumbnails in memory. Raises ValidationError (codes too_large, not_an_image)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(f"The picture is larger than {max_bytes // (1024 * 1024)} MB.", code="too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()  # the file's structure, without decoding every pixel
        upload.seek(0)
        with Image.open(upload) as picture:
            if picture.format not in ACCEPTED_FORMATS:
                raise _not_an_image()
            if picture.width * picture.height > MAX_IMAGE_PIXELS:
                raise ValidationError("The picture has too many pixels.", code="too_large")
            picture.load()  # a truncated file fails here, not half-way through a thumbnail
            prepared = PreparedImage(picture.format, picture.width, picture.height)
            for longest_side in thumbnail_sizes:
                prepared.thumbnails[longest_side] = _thumbnail(picture, longest_side)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise _not_an_image() from error
    finally:
        upload.seek(0)
    return prepared


def _not_an_image():
    return ValidationError("This file is not a picture: upload a JPEG, PNG, GIF or WebP image.", code="not_an_image")


def _thumbnail(picture, longest_side):
    # A phone's photo is stored sideways with an EXIF note to turn it: thumbnails are turned.
    upright = ImageOps.exif_transpose(picture)
    copy = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, THUMBNAIL_FORMAT, quality=82, method=4)
    return buffer.getvalue()


def thumbnail_name(name, longest_side):
    """The blob name of a picture's thumbnail: beside it, so both go together."""
    stem, _extension = posixpath.splitext(name)
    return f"{stem}.{longest_side}.{THUMBNAIL_EXTENSION}"
