"""Product pictures: where their blobs go, which thumbnails they get, and the URLs the product
document and the pages show.

The URLs are the site's own stable paths (/images/<blob name>, see polyglot_site/media.py),
never the storage's URL: a private Azure container signs its URLs for an hour, and a
document or cached page would go on serving them long after. The view signs at read time.
"""
import posixpath
import uuid

from django.core.files.storage import storages
from django.urls import reverse

from apps.stores.images import thumbnail_name

STORAGE_ALIAS = "images"
#: Thumbnails made at upload time: name → longest side in px.
THUMBNAIL_SIZES = {"large": 400, "small": 120}


def picture_storage():
    """The STORAGES alias of product pictures (a callable, so migrations do not freeze it)."""
    return storages[STORAGE_ALIAS]


def picture_upload_to(image, filename):
    """products/<product id>/<random>.<ext>: a new name for every upload, so a URL is never
    reused for other bytes and can be cached for long."""
    prepared = getattr(image, "prepared", None)
    extension = prepared.extension if prepared else posixpath.splitext(filename)[1].lower()
    return f"products/{image.product_id}/{uuid.uuid4().hex}{extension or '.jpg'}"


def blob_names(name):
    """The original and its thumbnails: every blob one picture is made of."""
    return [name, *(thumbnail_name(name, size) for size in THUMBNAIL_SIZES.values())]


def picture_urls(name):
    """{"url": original, "large": 400 px, "small": 120 px}, as stable paths of this site."""
    urls = {"url": reverse("stored-image", kwargs={"name": name})}
    for label, size in THUMBNAIL_SIZES.items():
        urls[label] = reverse("stored-image", kwargs={"name": thumbnail_name(name, size)})
    return urls


def document_entry(entry):
    """A picture as the product document holds it, from the fact the outbox event carries."""
    return {**picture_urls(entry["name"]), "alt": entry.get("alt", ""),
            "width": entry.get("width"), "height": entry.get("height")}
