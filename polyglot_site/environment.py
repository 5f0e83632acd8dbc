"""Reading settings from the environment: an empty variable means "use the default", and a
signing key nobody set is generated once per site instead of a public one being used."""
import os
import secrets
from collections.abc import Mapping

import environ


class NonEmptyEnviron(Mapping):
    """os.environ without its empty variables (a copied .env.example leaves many empty)."""

    def __getitem__(self, name):
        value = os.environ[name]
        if value == "":
            raise KeyError(name)
        return value

    def __iter__(self):
        return (name for name, value in os.environ.items() if value != "")

    def __len__(self):
        return sum(1 for _ in self)


class Env(environ.Env):
    ENVIRON = NonEmptyEnviron()


def generated_secret_key(data_dir):
    """The site's own signing key, made on first start in its data folder (readable by its owner only)."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: a process starting at the same moment
    # reads either no file or the whole key, and only one key ever wins.
    draft = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


def blob_origin(connection_string):
    """The scheme://host[:port] pictures are fetched from, for the Content-Security-Policy's
    img-src: the connection string's BlobEndpoint, else the account's public endpoint."""
    from urllib.parse import urlsplit

    parts = dict(item.split("=", 1) for item in connection_string.split(";") if "=" in item)
    endpoint = parts.get("BlobEndpoint")
    if endpoint:
        url = urlsplit(endpoint)
        return f"{url.scheme}://{url.netloc}"
    protocol = parts.get("DefaultEndpointsProtocol", "https")
    suffix = parts.get("EndpointSuffix", "core.windows.net")
    return f"{protocol}://{parts.get('AccountName', '')}.blob.{suffix}"


def with_image_origin(policy, origin):
    """A copy of a django-csp policy whose img-src also allows ``origin``."""
    directives = policy["DIRECTIVES"]
    return {**policy, "DIRECTIVES": {**directives, "img-src": [*directives["img-src"], origin]}}


def overwriting(storage):
    """A storage whose save() replaces a file of the same name (a receipt written again)."""
    return {**storage, "OPTIONS": {**storage["OPTIONS"], "overwrite_files": True}}


def azure_blob_storages(env, connection_string, staticfiles):
    """STORAGES for Azure Blob Storage (Azurite in services): uploads in the private ``media``
    container, product pictures and their thumbnails in ``images``, order receipts in
    ``receipts``; file URLs are signed read-only links that expire after
    AZURE_STORAGE_URL_SECONDS (a receipt's link, sooner: ORDERS_RECEIPT_LINK_SECONDS)."""
    url_seconds = env.int("AZURE_STORAGE_URL_SECONDS", default=3600)

    def container(variable, default):
        return {
            "BACKEND": "storages.backends.azure_storage.AzureStorage",
            "OPTIONS": {"connection_string": connection_string,
                        "azure_container": env.str(variable, default=default), "expiration_secs": url_seconds},
        }

    return {"default": container("AZURE_STORAGE_CONTAINER", "media"),
            "images": container("AZURE_IMAGES_CONTAINER", "images"),
            "receipts": overwriting(container("AZURE_RECEIPTS_CONTAINER", "receipts")), "staticfiles": staticfiles}
