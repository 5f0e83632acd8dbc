"""The site's URLs plus the baseline of ``python -m bench api``: a plain Django view
returning the API's JSON for a product from a dict in memory."""
import json
import os

from django.http import Http404, JsonResponse
from django.urls import path

from polyglot_site.urls import handler404, urlpatterns as site_urlpatterns  # noqa: F401 - the site's 404s

# The API's own answers for the benchmarked products, written by bench/api.py before gunicorn starts.
with open(os.environ["BENCH_API_BASELINE_FILE"]) as answers:
    PRODUCTS = {int(pk): body for pk, body in json.load(answers).items()}


def baseline_product(request, pk):
    """The same JSON as GET /api/products/{pk}/, from a dict in memory: no DRF, no cache, no SQL."""
    try:
        return JsonResponse(PRODUCTS[pk])
    except KeyError:
        raise Http404("No such product.") from None


urlpatterns = [path("bench/baseline/<int:pk>/", baseline_product), *site_urlpatterns]
