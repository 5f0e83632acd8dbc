"""Pages of products with the counts of the whole result beside them."""
from rest_framework.pagination import PageNumberPagination

FACETS_SCHEMA = {
    "type": "object",
    "description": ("Per facet, the values found over the whole result: category (slugs, most frequent first), "
                    "in_stock (true, false) and rating_min (4, 3, 2, 1: how many have that average rating and up). "
                    "Answered from SQL (X-Read-Source: home), only category is counted."),
    "additionalProperties": {
        "type": "array",
        "items": {"type": "object", "properties": {
            "value": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]},
            "count": {"type": "integer"},
        }},
    },
}


class FacetedPagination(PageNumberPagination):
    """DRF's page numbers, plus ``facets``: the view sets ``paginator.facets`` to a callable."""

    facets = None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["facets"] = self.facets() if self.facets is not None else {}
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = FACETS_SCHEMA
        paginated.setdefault("required", []).append("facets")
        return paginated


