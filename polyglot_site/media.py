"""/images/<name>: the one stable address of every stored picture (product pictures, avatars,
post pictures).

Pages, the API and the product document keep this path, never a storage's own URL:
Azure's containers are private, so a blob's URL carries a signature that expires
(AZURE_STORAGE_URL_SECONDS), and a document or a cached page holding one would hand
out dead links an hour later. Here the signature is made when a browser asks: files
on this machine's disk (embedded) are streamed; blobs (services, azure) get a redirect
to a freshly signed link, so the bytes come from Blob Storage, not from a web process.

Only names under the prefixes below are served, each from its own STORAGES alias: other
files in the same storages (order receipts, say) stay private.
"""
import posixpath

from csp.decorators import csp_exempt
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_safe

#: Name prefix → STORAGES alias that holds it.
SERVED_PREFIXES = {"products/": "images", "avatars/": "default", "posts/": "default"}
PICTURE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
                 ".webp": "image/webp"}
#: Stored names are never reused for other bytes (each upload gets a new name).
CACHE_SECONDS = 7 * 24 * 3600
#: A redirect to a signed link lives a short while, well within the link's own life.
REDIRECT_CACHE_SECONDS = 300


# A raster picture runs no script and loads nothing: its Content-Security-Policy would only
# refuse the inline styles of the browser's own picture viewer when one is opened alone.
@csp_exempt()
@require_safe
def stored_image(request, name):
    storage = storages[_alias_for(name)]
    content_type = PICTURE_TYPES.get(posixpath.splitext(name)[1].lower())
    if content_type is None:
        raise Http404("Not a picture.")
    try:
        local_path = storage.path(name)
    except NotImplementedError:  # a remote storage: send the browser to a signed link
        response = HttpResponseRedirect(storage.url(name))
        response["Cache-Control"] = f"private, max-age={REDIRECT_CACHE_SECONDS}"
        return response
    except SuspiciousFileOperation as error:
        raise Http404("No such picture.") from error
    try:
        response = FileResponse(open(local_path, "rb"), content_type=content_type)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise Http404("No such picture.") from error
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    return response


def _alias_for(name):
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in name:
        raise Http404("No such picture.")
    for prefix, alias in SERVED_PREFIXES.items():
        if name.startswith(prefix):
            return alias
    raise Http404("No such picture.")

