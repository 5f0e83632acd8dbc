"""Private files on this machine's disk, handed out through expiring signed links.

In services and azure a private blob's URL is a SAS link that Blob Storage
itself refuses once it expires or is altered. This storage gives the embedded
profile the same promise: ``url(name, expire=seconds)`` is a link to
/files/<token>, where the token (signed with SECRET_KEY) names the storage
alias, the file and when the link expires; the view below serves the file
only while the signature holds and the time has not passed.

    "receipts": {"BACKEND": "polyglot_site.signed_files.SignedLinkFileSystemStorage",
                 "OPTIONS": {"location": ..., "alias": "receipts", "expiration_secs": 600}}
"""
import mimetypes
import time

from csp.constants import NONE
from csp.decorators import csp
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.urls import reverse
from django.views.decorators.http import require_safe

SALT = "polyglot_site.signed_files"


class SignedLinkFileSystemStorage(FileSystemStorage):
    def __init__(self, *, alias, expiration_secs=600, **options):
        super().__init__(**options)
        self.alias, self.expiration_secs = alias, expiration_secs

    def url(self, name, expire=None):
        seconds = self.expiration_secs if expire is None else expire
        token = signing.dumps({"a": self.alias, "n": name, "e": int(time.time() + seconds)}, salt=SALT,
                              compress=True)
        return reverse("signed-file", args=[token])


# A private file is a page of its own (a receipt's HTML carries its inline style): it may
# style itself, and nothing else: no script, no request anywhere, no form, no frame.
FILE_POLICY = {"default-src": [NONE], "style-src": ["'unsafe-inline'"], "img-src": ["data:"],
               "base-uri": [NONE], "form-action": [NONE], "frame-ancestors": [NONE]}


@csp(FILE_POLICY)
@require_safe
def signed_file(request, token):
    """Serve the file a signed link names while the link holds; 403 once it is expired or altered."""
    try:
        claim = signing.loads(token, salt=SALT)
        alias, name, expires = claim["a"], claim["n"], int(claim["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return HttpResponseForbidden("This link is not valid.", content_type="text/plain")
    if expires < time.time():
        return HttpResponseForbidden("This link has expired: ask for a new one.", content_type="text/plain")
    storage = storages[alias] if alias in storages.backends else None
    if not isinstance(storage, SignedLinkFileSystemStorage):
        raise Http404("No such file.")
    try:
        response = FileResponse(storage.open(name, "rb"),
                                content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation) as error:
        raise Http404("No such file.") from error
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
