import pytest
from django.core.files.storage import default_storage


def stored_files(prefix="posts"):
    """Every file under ``prefix`` in the default storage (Azurite lists full paths)."""
    try:
        directories, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f if f.startswith(f"{prefix}/") else f"{prefix}/{f}" for f in files]
    return names + [f for d in directories for f in stored_files(f"{prefix}/{d.rsplit('/', 1)[-1]}")]


@pytest.fixture(autouse=True)
def no_post_images():
    """Post images of earlier tests are gone, so a test sees only what it stored."""
    for name in stored_files():
        default_storage.delete(name)
    yield


def settle():
    """Deliver every waiting event now, as a worker would (the services profile queues them)."""
    from apps.sync import relay

    relay.drain()
