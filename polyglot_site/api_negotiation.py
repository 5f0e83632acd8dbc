"""Content negotiation of the API (DRF DEFAULT_CONTENT_NEGOTIATION_CLASS)."""
from rest_framework.negotiation import DefaultContentNegotiation

# A choice depends only on the Accept header, the format asked for and the view's renderers,
# and a few headers stand for nearly every request (API clients send the same one each time).
# The header is the client's: what is kept is bounded in length and number, so no client can make it grow.
REMEMBERED_CHOICES = 256
REMEMBERED_HEADER_LENGTH = 256


class RememberingContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, each choice remembered for the next request that asks the same way.

    Parsing the Accept header and matching it against each renderer costs more than the
    rest of a cached read's work in DRF; the answer (which renderer, which media type) is
    the same every time for the same header, format and renderers. A request that cannot
    be served (406, unknown format) is never remembered and fails as before.
    """

    _choices = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if len(accept) > REMEMBERED_HEADER_LENGTH:
            return super().select_renderer(request, renderers, format_suffix)
        # Without a query string there is no ?format=: no need to parse one into query_params.
        asked_format = format_suffix or (
            request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) if request.META.get("QUERY_STRING") else None)
        key = (accept, asked_format, tuple(type(renderer) for renderer in renderers))
        choice = self._choices.get(key)
        if choice is None:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            choice = (next(n for n, candidate in enumerate(renderers) if candidate is renderer), media_type)
            if len(self._choices) >= REMEMBERED_CHOICES:
                self._choices.clear()
            self._choices[key] = choice
        position, media_type = choice
        return renderers[position], media_type
