"""Catalogue reads and commands used by the pages, the API and the admin alike."""
import secrets

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.db.models import Q
from django.utils.text import slugify

from apps.stores import stores
from apps.sync.exceptions import RecordGone

from .models import Product

SEARCH_INDEX = Product.search_index_name


class SearchHits:
    """The products matching a search, as a lazy sequence Django's Paginator can page.

    Each page asks the search store for that page only, then loads the
    products from their home (SQL) in the order of relevance, through
    ``products``: whatever the index says, a page shows only what the home
    allows now (a product switched to draft is hidden before the index
    hears of it). The count stops at the engine's result window, so no page
    number reaches past it.
    """

    def __init__(self, text, *, products, where=None, per_page=20):
        self.text = text
        self.products = products
        self.where = where
        self.per_page = per_page
        self._total = None

    def _search(self, page):
        results = stores["search"].search(
            SEARCH_INDEX, self.text, where=self.where, page=page, page_size=self.per_page
        )
        self._total = results.total
        return results

    def count(self):
        if self._total is None:
            self._search(1)
        window = getattr(stores["search"], "max_result_window", None)
        if not window:
            return self._total
        return min(self._total, window - window % self.per_page)  # whole pages within the window

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("SearchHits is paged by slices of whole pages.")
        start = key.start or 0
        page = start // self.per_page + 1
        return self.products.in_order_of(self._search(page).ids)


SEARCH_PROJECTION = "catalog.product.search"


def search_products(text, *, per_page=20, active_only=True, source="projection"):
    """Products for the catalogue page and GET /api/products/: search when ``text``
    is given, else the active products from SQL by name.

    ``source="home"`` answers a search from SQL instead of the search index
    (strong reads, or a projection that lags): every word must appear in the
    name, description or SKU.
    """
    text = (text or "").strip()
    products = Product.objects.select_related("category")
    if active_only:
        products = products.active()
    if not text:
        return products
    if source == "home":
        return search_home(products, text)
    where = {"status": Product.Status.ACTIVE} if active_only else None
    return SearchHits(text, products=products, where=where, per_page=per_page)


def search_home(products, text):
    for word in text.split()[:20]:
        products = products.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(sku__iexact=word)
        )
    return products


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
