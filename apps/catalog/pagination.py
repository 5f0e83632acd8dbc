"""Pages of products with the counts of the whole result beside them."""
from rest_framework.pagination import PageNumberPagination

FACETS_SCHEMA = {
    "type": "object",
    "description": "Per facet (category), the values found over the whole result, most frequent first.",
    "additionalProperties": {
        "type": "array",
        "items": {"type": "object", "properties": {"value": {"type": "string"}, "count": {"type": "integer"}}},
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


