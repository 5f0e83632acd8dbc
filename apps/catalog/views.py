from django.db.models import prefetch_related_objects
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.sync import consistency

from . import services
from .attributes import labelled
from .forms import SearchForm
from .models import Category, Product
from .page import read_product_page

PER_PAGE = 12


def product_list(request, category_slug=None):
    """The catalogue: search with facets (category, price, in stock, rating), sort and paging; a category's page."""
    category = get_object_or_404(Category, slug=category_slug) if category_slug else None
    form = SearchForm(request.GET or None)
    try:
        source = consistency.read_source(request, services.SEARCH_PROJECTION, default=consistency.READ_YOUR_WRITES)
    except consistency.InvalidConsistencyLevel as error:
        # Plain text: the message quotes the header the client sent.
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    except consistency.ConsistencyNotAllowed as error:
        return HttpResponseForbidden(str(error), content_type="text/plain; charset=utf-8")
    choices = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        products = Product.objects.none()  # say what is wrong; never fall back to "everything"
    else:
        products = services.search_products(
            choices.get("q", ""), per_page=PER_PAGE, source=source,
            category=category.slug if category else choices.get("category") or None,
            price=choices.get("price") or None, sort=choices.get("sort") or "relevance",
            in_stock=choices.get("in_stock"), rating_min=choices.get("rating"),
        )
    page = services.paginate(products, request.GET.get("page"), PER_PAGE)
    prefetch_related_objects(page.object_list, "images")  # each tile's picture, in one query
    consistency.remember_seen(request, Product.outbox_aggregate_type, [(p.pk, p.version) for p in page])
    answered_by = services.answered_by(products)
    # Counts come with the index's answer; SQL's plain listing shows the filters without them.
    facets = services.facet_counts(products) if answered_by == "projection" else {}
    names = dict(Category.objects.values_list("slug", "name"))
    category_counts = [(f["value"], names.get(f["value"], f["value"]), f["count"]) for f in facets.get("category", [])]
    in_stock_count = sum(f["count"] for f in facets.get("in_stock", []) if f["value"] is True)
    response = render(request, "catalog/product_list.html", {
        "form": form if form.is_bound else SearchForm(), "query": choices.get("q", ""), "page_obj": page,
        "category": category, "category_counts": category_counts, "answered_by": answered_by,
        "categories": Category.objects.all() if category is None and not category_counts else (),
        "in_stock_count": in_stock_count if facets else None,
        "rating_counts": [(f["value"], f["count"]) for f in facets.get("rating_min", []) if f["count"]],
    })
    response[services.READ_SOURCE_HEADER] = answered_by
    return response


def product_detail(request, slug):
    """The product read across stores (see page.py): 200 with a notice when a store is missing."""
    product = get_object_or_404(Product.objects.active().select_related("category"), slug=slug)
    consistency.remember_seen(request, Product.outbox_aggregate_type, [(product.pk, product.version)])
    page = read_product_page(product)
    document = page.parts.get("details") or {}
    return render(request, "catalog/product_detail.html", {
        "product": product, "page": page, "parts": page.parts, "back_url": results_page(request),
        "attribute_rows": labelled(product.category.attribute_schema, document.get("attributes") or {}),
    })


def results_page(request):
    """The search results the shopper came from (?back=), if it is one of this site's lists."""
    back = request.GET.get("back", "")
    listing = reverse("catalog:product-list")
    if back.startswith(listing) and len(back) <= 1000 and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return back
    return None
