"""``Product.search``: the products index, reached through the model as the design card
asks, never through ``stores[...]`` in views.

    Product.search.query("lamp").filter(category="lighting", price__lte=50).facets("category").order_by("-price")

A ProductSearch is lazy and chainable, and Django's Paginator pages it: each page
asks the index for that page only, then loads the products from their home (SQL)
in the index's order, through the home's own filters, so a lagging index never
shows a product the home hides now (a draft, a deleted product).
"""
from django.db.models import Case, Q, When

from apps.stores import stores
from apps.stores.query import Q as StoreQ

from .search_extras import is_extra_lookup, matches, search_extras

# Rating sorts the best rated first; unrated products come last, as the index keeps missing values last.
SORTS = {"relevance": (), "price": ("price",), "-price": ("-price",), "newest": ("-created_at",),
         "rating": ("-rating",)}
HOME_SORTS = {"relevance": ("name",), "price": ("price", "name"), "-price": ("-price", "name"),
              "newest": ("-created_at", "name"), "rating": ("name",)}


class ProductSearch:
    def __init__(self, model, *, text="", lookups=None, facet_names=(), sort="relevance", drafts=False, per_page=20):
        self.model = model
        self.text = text
        self.lookups = dict(lookups or {})
        self.facet_names = tuple(facet_names)
        self.sort = sort
        self.drafts = drafts
        self.per_page = per_page
        self._results = {}

    def _clone(self, **changes):
        options = {"text": self.text, "lookups": self.lookups, "facet_names": self.facet_names, "sort": self.sort,
                   "drafts": self.drafts, "per_page": self.per_page, **changes}
        return type(self)(self.model, **options)

    # -- building -----------------------------------------------------------
    def query(self, text):
        """Products whose name, description or SKU hold these words."""
        return self._clone(text=(text or "").strip())

    def filter(self, **lookups):
        """Narrow by indexed fields: ``category="books"``, ``price__gte=10``, ``in_stock=True``, ``rating__gte=4``..."""
        return self._clone(lookups={**self.lookups, **lookups})

    def facets(self, *names):
        """Count the matches by these fields (read with facet_counts())."""
        return self._clone(facet_names=names)

    def order_by(self, sort):
        """relevance, price, -price, newest or rating (best rated first)."""
        if sort not in SORTS:
            raise ValueError(f"Sort by one of {', '.join(SORTS)}.")
        return self._clone(sort=sort)

    def including_drafts(self):
        """For staff: drafts and archived products too."""
        return self._clone(drafts=True)

    def paged_by(self, per_page):
        return self._clone(per_page=per_page)

    # -- reading --------------------------------------------------------------
    def home_products(self):
        """The products the home allows now (what a page may show)."""
        products = self.model.objects.select_related("category")
        return products if self.drafts else products.active()

    def _where(self):
        where = StoreQ(**self.lookups) if self.lookups else None
        if not self.drafts:
            active = StoreQ(status=self.model.Status.ACTIVE)
            where = active if where is None else where & active
        return where

    def _search(self, page):
        if page not in self._results:
            self._results[page] = stores["search"].search(
                self.model.search_index_name, self.text, where=self._where(), facets=self.facet_names,
                order_by=SORTS[self.sort], page=page, page_size=self.per_page,
            )
        return self._results[page]

    def count(self):
        """How many match, up to the whole pages the engine's result window can show."""
        total = self._search(1).total
        window = getattr(stores["search"], "max_result_window", None)
        if not window:
            return total
        return min(total, window - window % self.per_page)

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("A ProductSearch is read by slices of whole pages.")
        page = (key.start or 0) // self.per_page + 1
        return self.home_products().in_order_of(self._search(page).ids)

    def page_ids(self, page=1):
        """The ids of one page, in the index's order, without reading the home: for a
        reader thread, which must leave SQL to the request's thread."""
        return self._search(page).ids

    def suggest(self, prefix, limit=8):
        """Product names that complete ``prefix``, from the index's autocomplete fields,
        kept only where the home still shows such a product (no draft's name leaks)."""
        names = stores["search"].suggest(self.model.search_index_name, prefix, limit=limit * 2)
        shown = set(self.home_products().filter(name__in=names).values_list("name", flat=True)) if names else set()
        return [name for name in names if name in shown][:limit]

    def facet_counts(self):
        """{facet: [{"value": ..., "count": ...}, ...]} over everything matched, most frequent first."""
        return self._search(1).facets

    # -- the home answers instead (strong reads, a lagging index) ---------------
    def from_home(self):
        """The same search answered by the homes: every word in the name, description,
        SKU or category name, the same filters and sort, from SQL; the rating and stock,
        when a filter or the sort needs them, from their homes in the document store."""
        products = self.home_products()
        for word in self.text.split()[:20]:
            products = products.filter(
                Q(name__icontains=word) | Q(description__icontains=word) | Q(sku__iexact=word)
                | Q(category__name__icontains=word)
            )
        extra_lookups = {name: value for name, value in self.lookups.items() if is_extra_lookup(name)}
        home_lookups = {("category__slug" + name[len("category"):] if name.startswith("category") else name): value
                        for name, value in self.lookups.items() if name not in extra_lookups}
        products = products.filter(**home_lookups).order_by(*HOME_SORTS[self.sort])
        if extra_lookups or self.sort == "rating":
            products = narrowed_by_documents(products, extra_lookups, by_rating=self.sort == "rating")
        return products


def narrowed_by_documents(products, lookups, *, by_rating=False):
    """``products`` (a queryset, in its order) kept where their rating and stock, read from
    the document store, pass ``lookups``; with ``by_rating``, best rated first (unrated
    last, ties in the queryset's order). Reads every candidate's reviews and stock: the
    cost of a strong read, which only signed-in clients may ask for."""
    ids = [str(pk) for pk in products.values_list("pk", flat=True)]
    extras = search_extras(ids)
    kept = [pk for pk in ids if matches(extras[pk], lookups)]
    if by_rating:
        kept.sort(key=lambda pk: -extras[pk].get("rating", 0))  # stable: ties keep the name order
    narrowed = products.filter(pk__in=kept)
    if not by_rating or not kept:
        return narrowed
    return narrowed.order_by(Case(*(When(pk=pk, then=position) for position, pk in enumerate(kept))))


class SearchDescriptor:
    """``Model.search`` gives a fresh ProductSearch of that model."""

    def __get__(self, instance, owner):
        if instance is not None:
            raise AttributeError("search is reached through the model class: Product.search.")
        return ProductSearch(owner)
