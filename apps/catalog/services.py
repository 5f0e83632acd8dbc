"""Catalogue reads and commands used by the pages, the API and the admin alike."""
import secrets

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.text import slugify

from apps.sync.exceptions import RecordGone

from .models import Product
from .search_extras import RATING_STEPS



SEARCH_PROJECTION = "catalog.product.search"
#: The response header saying which source answered a search: "projection" (the index) or "home" (SQL).
READ_SOURCE_HEADER = "X-Read-Source"
PRICE_RANGES = {
    "under-25": (None, 25), "25-50": (25, 50), "50-100": (50, 100), "100-up": (100, None),
}
SEARCH_FACETS = ("category", "in_stock", "rating")


def search_products(text, *, per_page=20, active_only=True, source="projection", category=None, price=None,
                    sort="relevance", price_min=None, price_max=None, in_stock=None, rating_min=None):
    """Products for the catalogue pages and GET /api/products/: the index's matches for
    ``text`` (and a category, a price range named in PRICE_RANGES or given by
    ``price_min``/``price_max``, both included, in stock or not, an average rating of at
    least ``rating_min``, a sort), or with no text and no filter the active products from
    SQL by name. ``source="home"`` answers from the homes instead of the index (strong
    reads, or a projection that lags); answered_by() tells which did."""
    search = Product.search.query(text).paged_by(per_page).order_by(sort).facets(*SEARCH_FACETS)
    if not active_only:
        search = search.including_drafts()
    if category:
        search = search.filter(category=category)
    low, high = PRICE_RANGES.get(price, (None, None))
    if low is not None:
        search = search.filter(price__gte=low)
    if high is not None:
        search = search.filter(price__lt=high)
    if price_min is not None:
        search = search.filter(price__gte=float(price_min))
    if price_max is not None:
        search = search.filter(price__lte=float(price_max))
    if in_stock is not None:
        search = search.filter(in_stock=bool(in_stock))
    if rating_min is not None:
        search = search.filter(rating__gte=float(rating_min))
    if source == "home" or not (search.text or search.lookups or sort != "relevance"):
        return search.from_home()
    return search


def answered_by(products):
    """Which source answered search_products(): "projection" (the search index) or "home"."""
    return "projection" if hasattr(products, "facet_counts") else "home"


def facet_counts(products):
    """The facets of what search_products returned, as pages and the API show them:
    {"category": [{"value": slug, "count": n}, ...], "in_stock": [{"value": True, "count": n}, ...],
    "rating_min": [{"value": 4, "count": n}, ...]} (rating_min: how many have 4 stars and up, and so on).
    When the home answered, the categories are counted in SQL and the rest is not counted."""
    if not hasattr(products, "facet_counts"):
        counted = (products.order_by().values("category__slug").annotate(count=Count("pk"))
                   .order_by("-count", "category__slug"))
        return {"category": [{"value": row["category__slug"], "count": row["count"]} for row in counted]}
    facets = products.facet_counts()
    ratings = facets.get("rating", [])
    return {
        "category": facets.get("category", []),
        "in_stock": facets.get("in_stock", []),
        "rating_min": [{"value": step, "count": sum(f["count"] for f in ratings if f["value"] >= step)}
                       for step in RATING_STEPS],
    }


def paginate(object_list, page_number, per_page=20):
    return Paginator(object_list, per_page).get_page(page_number)


def unique_slug(name, *, exclude_pk=None):
    """A slug for ``name`` that no other product has."""
    base = slugify(name)[:180] or "product"
    slug, n = base, 2
    others = Product.objects.exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


SLUG_ATTEMPTS = 3


def save_product(product, *, expected_version=None):
    """Save a product (its outbox event rides in the same transaction).

    ValidationError for bad or duplicate values, also when a concurrent
    writer took the SKU between the check and the insert. With
    ``expected_version``, StaleVersion if another writer saved it since;
    RecordGone if another writer deleted it (it is never written back).
    """
    generated_slug = not product.slug
    for attempt in range(SLUG_ATTEMPTS):
        if generated_slug:
            product.slug = unique_slug(product.name, exclude_pk=product.pk)
            if attempt:  # writers racing for one name: a random suffix, not the next number they all pick
                product.slug = f"{product.slug[:170]}-{secrets.token_hex(3)}"
        # A generated slug taken meanwhile surfaces as an IntegrityError below, and is picked again.
        product.full_clean(validate_unique=not generated_slug)
        if generated_slug:
            product.validate_unique(exclude=["slug"])
        try:
            with transaction.atomic():
                product.save(expected_version=expected_version)
            return product
        except IntegrityError as error:
            conflict = _taken_field(product)
            if conflict is None:
                raise
            if conflict == "slug" and generated_slug and attempt + 1 < SLUG_ATTEMPTS:
                continue  # a concurrent writer took the slug we picked: pick again
            raise ValidationError({conflict: _("Another product has this value.")}) from error
    raise ValidationError({"slug": _("Could not find a free slug; give one.")})


def _taken_field(product):
    """Which unique field another product holds now, after an IntegrityError."""
    others = Product.objects.exclude(pk=product.pk)
    if others.filter(sku=product.sku).exists():
        return "sku"
    if others.filter(slug=product.slug).exists():
        return "slug"
    return None


def delete_product(product, *, expected_version=None):
    """Delete a product; RecordGone if another writer deleted it first."""
    deleted, _ = product.delete(expected_version=expected_version)
    if not deleted:
        raise RecordGone(Product, product.pk)
