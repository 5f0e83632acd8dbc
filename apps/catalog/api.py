from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import routers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.response import Response

from apps.sync import consistency
from apps.sync.api import VersionedWritesMixin, read_source as api_read_source
from apps.sync.api_schema import COMMON, CONSISTENCY_LEVEL, ERROR, documented

from . import api_cache, caching, services
from .models import Category, Product
from .pagination import FacetedPagination
from .review_api import ReviewViewSet
from .serializers import (
    CategorySerializer, ProductListSerializer, ProductSerializer, SearchQuerySerializer, SuggestionsSerializer,
    SuggestQuerySerializer,
)

CACHE_PROJECTION = "catalog.product.cache"
SLUG = r"[-a-zA-Z0-9_]{1,200}"
SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Words to find in the name, description or SKU."),
    OpenApiParameter("category", str, description="A category's slug."),
    OpenApiParameter("price_min", float, description="Lowest price, included."),
    OpenApiParameter("price_max", float, description="Highest price, included."),
    OpenApiParameter("in_stock", bool, description="true: only products in stock; false: only those out of stock."),
    OpenApiParameter("rating_min", float, description="Lowest average rating, 1 to 5 (4: four stars and up)."),
    OpenApiParameter("sort", str, enum=SearchQuerySerializer().fields["sort"].choices),
]


@extend_schema_view(
    list=extend_schema(responses={200: ProductListSerializer(many=True), **COMMON, 404: ERROR},
                       parameters=[CONSISTENCY_LEVEL, *SEARCH_PARAMETERS]),
    retrieve=documented({200: ProductSerializer}, read=True),
    create=documented({201: ProductSerializer}, missing=False),
    update=documented({200: ProductSerializer}, conditional=True),
    partial_update=documented({200: ProductSerializer}, conditional=True),
    destroy=documented({204: None}, conditional=True),
    by_slug=documented({200: ProductSerializer}, read=True),
    suggest=extend_schema(responses={200: SuggestionsSerializer, **COMMON},
                          parameters=[OpenApiParameter("q", str, required=True, description="What was typed so far.")]),
)
class ProductViewSet(VersionedWritesMixin, viewsets.ModelViewSet):
    """Products. ``?q=words`` searches the catalogue the way the site's search box does.

    Anyone may read; creating, changing and deleting take the product permissions.
    The ``Consistency-Level`` header (eventual, read_your_writes, bounded_staleness,
    strong) chooses between the search index and SQL; the default,
    read_your_writes, shows a client its own recent changes.

    Each product answers an ``ETag``; send it back in ``If-Match`` with PUT,
    PATCH or DELETE to get a 412 instead of overwriting someone else's change.

    The list takes ``?q=&category=&price_min=&price_max=&in_stock=&rating_min=&sort=``
    and answers the facets (category, in_stock, rating_min) beside the page; its
    ``X-Read-Source`` header says which source answered: ``projection`` (the search
    index) or ``home`` (SQL, and the document store for rating and stock). A product
    read by id or slug comes from the cache (Redis, JSON) until its next change.
    """

    serializer_class = ProductSerializer
    queryset = Product.objects.select_related("category")
    pagination_class = FacetedPagination
    #: Set per action: anonymous clients of that action have the rate of this name.
    throttle_scope = None

    def get_serializer_class(self):
        return ProductListSerializer if self.action == "list" else ProductSerializer


    def read_source(self, projection):
        """Where this read goes (consistency.read_source), its errors as API errors."""
        return api_read_source(self.request, projection, default=consistency.READ_YOUR_WRITES)

    def filter_queryset(self, queryset):
        """Staff reach drafts too. Applied here, not in get_queryset(), which the permission
        check asks for on every request only to learn the model (a cached read needs no query)."""
        if self.action != "list":
            return queryset if self.request.user.is_staff else queryset.active()
        params = SearchQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        choices = params.validated_data
        products = services.search_products(
            choices.get("q", ""),
            per_page=self.paginator.get_page_size(self.request),
            active_only=not self.request.user.is_staff,
            source=self.read_source(services.SEARCH_PROJECTION),
            category=choices.get("category"), price_min=choices.get("price_min"),
            price_max=choices.get("price_max"), sort=choices["sort"],
            in_stock=choices.get("in_stock"), rating_min=choices.get("rating_min"),
        )
        self.paginator.facets = lambda: services.facet_counts(products)
        self.answered_by = services.answered_by(products)
        return products

    def list(self, request, *args, **kwargs):
        """A page of the search, saying which source answered it."""
        response = super().list(request, *args, **kwargs)
        response[services.READ_SOURCE_HEADER] = self.answered_by
        return response

    def cached_product_id(self, request):
        """The id of the product this request reads from the cache, or None (staff read SQL: drafts too).

        Written as the cache projection writes it ("7" for "007"), so that the entry a
        request reads is the one the product's events drop."""
        product_id = str(self.kwargs.get(self.lookup_field, ""))
        if request.user.is_staff or not product_id.isdigit() or len(product_id) > 18:
            return None
        return str(int(product_id))

    def cache_keys_to_prefetch(self, request):
        """The cached answer, read in the throttle's own round trip to the cache (polyglot_site/throttling.py)."""
        product_id = self.cached_product_id(request) if self.action == "retrieve" else None
        return [caching.api_key(product_id)] if product_id else []

    def retrieve(self, request, *args, **kwargs):
        """The product, from the cache when it holds this product (its JSON served as it was kept)."""
        product_id = self.cached_product_id(request)
        if product_id is None:
            return super().retrieve(request, *args, **kwargs)
        cached = self.cached_answer(product_id)
        if cached is not None:
            return cached.response()
        response = super().retrieve(request, *args, **kwargs)
        api_cache.write(product_id, response.data)
        return response

    def cache_level(self):
        """The requested consistency level (as read_source() checks it), noted for the response header."""
        try:
            level = consistency.requested_level(self.request, consistency.READ_YOUR_WRITES)
        except consistency.InvalidConsistencyLevel as error:
            raise ValidationError({consistency.HEADER: [str(error)]}) from error
        if level in consistency.HOME_LEVELS and not self.request.user.is_authenticated:
            raise NotAuthenticated(f"{consistency.HEADER}: {level} reads need a signed-in user.")
        self.request._request.consistency_level = level
        return level

    def cached_answer(self, product_id):
        """The cached answer if it may stand for this read, without waiting: the cache is a
        shortcut to SQL, so when in doubt SQL answers (where read_source() would wait).

        strong: never. bounded_staleness: unless the cache projection lags past the bound.
        read_your_writes: not while the cache projection has yet to deliver one of this
        session's own events. Neither, nor monotonic_reads, shows a version older than the
        session was shown.
        """
        level = self.cache_level()
        if level == consistency.STRONG:
            return None
        if level == consistency.BOUNDED_STALENESS and self.read_source(CACHE_PROJECTION) == "home":
            return None
        session = getattr(self.request, "session", None)
        if session is None or session.session_key is None:
            # Neither own writes nor versions seen: the throttle's read, in its round trip, will do.
            return api_cache.read(product_id, prefetched=getattr(self.request, "prefetched_cache", None))
        own = consistency.own_sequences(self.request) if level == consistency.READ_YOUR_WRITES else []
        if own and not consistency.caught_up(CACHE_PROJECTION, own):
            return None
        cached = api_cache.read(product_id)
        seen = (session.get(consistency.SEEN_KEY) or {}).get(f"{Product.outbox_aggregate_type}:{product_id}", 0)
        if cached is None or level != consistency.EVENTUAL and cached.version < seen:
            return None
        return cached

    @action(detail=False, url_path=f"by-slug/(?P<slug>{SLUG})", pagination_class=None)
    def by_slug(self, request, slug):
        """The product with this slug (as GET /api/products/{id}/)."""
        product_id = self.filter_queryset(self.get_queryset()).filter(slug=slug).values_list("pk", flat=True).first()
        if product_id is None:
            raise NotFound("No product has this slug.")
        self.kwargs[self.lookup_field] = str(product_id)
        return self.retrieve(request, **{self.lookup_field: str(product_id)})

    @action(detail=False, pagination_class=None, throttle_scope="suggest_anon")
    def suggest(self, request):
        """Product names completing ``?q=`` (the search box's autocomplete)."""
        params = SuggestQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response({"suggestions": Product.search.suggest(params.validated_data["q"])})

    def perform_create(self, serializer):
        serializer.instance = services.save_product(Product(**serializer.validated_data))

    def perform_update(self, serializer):
        product = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(product, field, value)
        services.save_product(product, expected_version=self.expected_version)

    def perform_destroy(self, instance):
        services.delete_product(instance, expected_version=self.expected_version)


@extend_schema_view(list=extend_schema(responses={200: CategorySerializer(many=True), **COMMON}),
                    retrieve=extend_schema(responses={200: CategorySerializer, 404: ERROR, **COMMON}))
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue's categories, by name; ``slug`` is what ``/api/products/?category=`` takes."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    pagination_class = None


router = routers.DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register(r"products/(?P<product_pk>\d+)/reviews", ReviewViewSet, basename="product-review")
router.register("categories", CategoryViewSet, basename="category")
