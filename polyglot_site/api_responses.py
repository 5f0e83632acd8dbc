"""Answers of the API whose JSON was rendered before: a cached answer served as it was kept."""
import json

from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


def rendered_json(data):
    """``data`` as the API's JSON renderer writes it (no indent), as text to keep and serve later."""
    return JSONRenderer().render(data).decode()


class RenderedJSONResponse(Response):
    """A Response whose data is JSON text made by ``rendered_json``.

    When the JSON renderer answers (as it does for API clients) and no indent is asked
    for, the text is the body as it is: nothing is decoded into a dict and rendered
    again, and the bytes are the ones a Response of the data would render. Any other
    renderer (the browsable API, JSON with ``indent=``) renders the data, decoded from
    the text on first use, exactly as for a Response of that data.

    ``shown_record`` ((id, version), or None) names the record the answer is, so that
    what marks an answer with it (its ETag, apps/sync/api.py) need not decode it either.
    """

    def __init__(self, text, *, shown_record=None, **kwargs):
        self.rendered_json = text
        self.shown_record = shown_record
        super().__init__(None, **kwargs)

    @property
    def data(self):
        if self._data is None:
            self._data = json.loads(self.rendered_json)
        return self._data

    @data.setter
    def data(self, value):
        self._data = value

    @property
    def rendered_content(self):
        renderer = getattr(self, "accepted_renderer", None)
        context = getattr(self, "renderer_context", None)
        if (type(renderer) is JSONRenderer and context is not None
                and renderer.get_indent(self.accepted_media_type, context) is None):
            # The Content-Type as Response.rendered_content sets it (the JSON renderer names no charset).
            self["Content-Type"] = renderer.media_type if self.content_type is None else self.content_type
            return self.rendered_json.encode()
        return super().rendered_content
