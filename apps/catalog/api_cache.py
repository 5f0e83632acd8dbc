"""The API's cached product detail: the JSON the API answered, kept as its renderer wrote it.

A hit is served as that text (polyglot_site.api_responses.RenderedJSONResponse):
nothing is decoded into a dict and rendered again. The entry names the product's
version beside the text, for the ETag and the consistency checks of
ProductViewSet.cached_answer. It lives under caching.api_key(), so the cache
projection drops it on each of the product's events.
"""
from dataclasses import dataclass

from polyglot_site.api_responses import RenderedJSONResponse, rendered_json

from . import caching


@dataclass(frozen=True)
class CachedAnswer:
    product_id: str
    version: int
    text: str

    def response(self):
        return RenderedJSONResponse(self.text, shown_record=(self.product_id, self.version))


def read(product_id, *, prefetched=None):
    """The cached answer for this product (a str of digits), else None; ``prefetched`` as caching.read takes it."""
    value = caching.read(caching.api_key(product_id), prefetched=prefetched)
    if not isinstance(value, dict) or not isinstance(value.get("text"), str) or type(value.get("version")) is not int:
        return None  # nothing, or an entry of another shape (kept before this one): made again
    return CachedAnswer(product_id, value["version"], value["text"])


def write(product_id, data):
    """Keep the API's answer ``data`` for this product, as the API renders it."""
    caching.write(caching.api_key(product_id), {"version": data["version"], "text": rendered_json(data)},
                  version=data["version"])
