"""Avatars: checked and given a thumbnail before anything is written; their blobs (original
and thumbnail) written before the row, removed again if the row is not, and the old ones
removed once a replacement is committed. Shared by the profile page and /api/me/."""
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from apps.stores.images import MAX_IMAGE_BYTES, prepare_image, thumbnail_name

THUMBNAIL_SIZE = 120


def prepare_avatar(upload):
    """A checked avatar with its thumbnail; ValidationError for anything else."""
    return prepare_image(upload, (THUMBNAIL_SIZE,), max_bytes=MAX_IMAGE_BYTES)


def save_profile(user, prepared_avatar=None):
    """Save ``user``; with ``prepared_avatar``, its new avatar (on user.avatar) and thumbnail too."""
    previous = user._meta.model._base_manager.filter(pk=user.pk).values_list("avatar", flat=True).first()
    storage = user._meta.get_field("avatar").storage
    written = []
    try:
        with transaction.atomic():
            if prepared_avatar is not None and user.avatar and not user.avatar._committed:
                # A name of our own: unguessable, with the extension of what the file really is.
                user.avatar.save(f"{uuid.uuid4().hex}{prepared_avatar.extension}", user.avatar.file, save=False)
                written.append(user.avatar.name)
                data = prepared_avatar.thumbnails[THUMBNAIL_SIZE]
                written.append(storage.save(thumbnail_name(user.avatar.name, THUMBNAIL_SIZE), ContentFile(data)))
            user.save()
            if previous and previous != (user.avatar.name or ""):
                transaction.on_commit(lambda: _delete_avatar_blobs(storage, previous))
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return user


def avatar_urls(user):
    """The avatar's stable URLs on this site (see polyglot_site/media.py), or None."""
    if not user.avatar:
        return None
    name = user.avatar.name
    return {
        "url": reverse("stored-image", kwargs={"name": name}),
        "small": reverse("stored-image", kwargs={"name": thumbnail_name(name, THUMBNAIL_SIZE)}),
    }


def _delete_avatar_blobs(storage, name):
    for blob in (name, thumbnail_name(name, THUMBNAIL_SIZE)):
        storage.delete(blob)
