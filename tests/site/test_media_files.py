"""In the embedded profile uploads live in local files and the site serves them itself:
a stored file at its URL, nothing outside the media folder, no directory listings."""
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

pytestmark = pytest.mark.skipif(
    settings.STORAGES["default"]["BACKEND"] != "django.core.files.storage.FileSystemStorage",
    reason="blob storage serves its own files (tests/browser/test_sessions_services.py)",
)


def test_a_stored_file_is_served_at_its_url(client):
    name = default_storage.save("avatars/served.txt", ContentFile(b"hello"))

    response = client.get(default_storage.url(name))

    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hello"
    default_storage.delete(name)


@pytest.mark.parametrize("path, status", [
    ("/media/../secret_key", 400), ("/media/%2e%2e/secret_key", 400),  # a suspicious path, refused
    ("/media/avatars/", 404), ("/media/no-such-file.png", 404),
])
def test_nothing_outside_the_folder_no_listing_and_no_missing_file(client, path, status):
    default_storage.save("avatars/listed.txt", ContentFile(b"x"))

    response = client.get(path)

    assert response.status_code == status and b"listed.txt" not in response.content
