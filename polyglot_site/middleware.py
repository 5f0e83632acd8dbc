"""Site-wide middleware."""
from django.contrib.messages.middleware import MessageMiddleware

from polyglot_site.views import API_PREFIX


class PageMessageMiddleware(MessageMiddleware):
    """Django's messages ("Your profile is saved."), for pages only.

    No API view shows or adds a message (a JSON client reads its answer instead),
    so under /api/ the message storage (a cookie signer and the session, built per
    request) is not made; a view there that added one would fail loudly.
    """

    def process_request(self, request):
        if not request.path_info.startswith(API_PREFIX):
            super().process_request(request)
