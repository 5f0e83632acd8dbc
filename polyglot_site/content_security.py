"""The Content-Security-Policy's one part that depends on the profile: pictures uploaded
to blob storage (avatars, product images) are shown through signed links to the storage's
own origin, which img-src 'self' would block."""
from urllib.parse import urlsplit


def storage_origin(storage):
    """scheme://host[:port] that a STORAGES entry serves files from, or None when this site
    serves them itself (local files). Understands django-storages' AzureStorage options."""
    options = storage.get("OPTIONS", {})
    if options.get("custom_domain"):
        return f"https://{options['custom_domain']}"
    parts = dict(part.split("=", 1) for part in (options.get("connection_string") or "").split(";") if "=" in part)
    if parts.get("BlobEndpoint"):
        endpoint = urlsplit(parts["BlobEndpoint"])
        return f"{endpoint.scheme}://{endpoint.netloc}"
    account = parts.get("AccountName") or options.get("account_name")
    if not account:
        return None
    suffix = parts.get("EndpointSuffix") or options.get("endpoint_suffix") or "core.windows.net"
    return f"{parts.get('DefaultEndpointsProtocol', 'https')}://{account}.blob.{suffix}"


def with_storage_images(policy, storage):
    """The policy with the storage's origin added to img-src (a new dict; the base is not changed)."""
    origin = storage_origin(storage)
    directives = policy["DIRECTIVES"]
    if origin is None or origin in directives["img-src"]:
        return policy
    return {**policy, "DIRECTIVES": {**directives, "img-src": [*directives["img-src"], origin]}}
