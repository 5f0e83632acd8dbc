"""Pictures for upload tests, and what a storage holds (a folder on disk or an Azure container)."""
import io
import pathlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def picture(size=(800, 600), format="PNG", colour=(200, 80, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format)
    return buffer.getvalue()


def upload(name="lamp.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, picture() if data is None else data, content_type)


def stored_names(storage, prefix):
    """Every file under ``prefix`` in ``storage``, as storage names."""
    client = getattr(storage, "client", None)
    if client is not None and hasattr(client, "list_blobs"):  # django-storages' AzureStorage
        return sorted(blob.name for blob in client.list_blobs(name_starts_with=prefix))
    base = pathlib.Path(storage.path(""))
    folder = base / prefix
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(base)) for path in folder.rglob("*") if path.is_file())


def remove_all(storage, prefix):
    """Delete every file under ``prefix``: tests of one run share the storage."""
    for name in stored_names(storage, prefix):
        storage.delete(name)
