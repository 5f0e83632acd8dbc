from drf_spectacular.utils import extend_schema_view
from rest_framework import routers, viewsets
from rest_framework.exceptions import NotAuthenticated, ValidationError

from apps.sync import consistency
from apps.sync.api import VersionedWritesMixin
from apps.sync.api_schema import documented

from . import services
from .models import Product
from .review_api import ReviewViewSet
from .serializers import ProductListSerializer, ProductSerializer, SearchQuerySerializer


@extend_schema_view(
    list=documented({200: ProductListSerializer(many=True)}, read=True, missing=True),
    retrieve=documented({200: ProductSerializer}, read=True),
    create=documented({201: ProductSerializer}, missing=False),
    update=documented({200: ProductSerializer}, conditional=True),
    partial_update=documented({200: ProductSerializer}, conditional=True),
    destroy=documented({204: None}, conditional=True),
)
class ProductViewSet(VersionedWritesMixin, viewsets.ModelViewSet):
    """Products. ``?q=words`` searches the catalogue the way the site's search box does.

    Anyone may read; creating, changing and deleting take the product permissions.
    The ``Consistency-Level`` header (eventual, read_your_writes, bounded_staleness,
    strong) chooses between the search index and SQL; the default,
    read_your_writes, shows a client its own recent changes.

    Each product answers an ``ETag``; send it back in ``If-Match`` with PUT,
    PATCH or DELETE to get a 412 instead of overwriting someone else's change.
    """

    serializer_class = ProductSerializer
    queryset = Product.objects.select_related("category")

    def get_serializer_class(self):
        return ProductListSerializer if self.action == "list" else ProductSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.request.user.is_staff else queryset.active()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = SearchQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        try:
            source = consistency.read_source(
                self.request, services.SEARCH_PROJECTION, default=consistency.READ_YOUR_WRITES
            )
        except consistency.InvalidConsistencyLevel as error:
            raise ValidationError({consistency.HEADER: [str(error)]}) from error
        except consistency.ConsistencyNotAllowed as error:
            raise NotAuthenticated(str(error)) from error
        return services.search_products(
            params.validated_data.get("q", ""),
            per_page=self.paginator.get_page_size(self.request),
            active_only=not self.request.user.is_staff,
            source=source,
        )

    def perform_create(self, serializer):
        serializer.instance = services.save_product(Product(**serializer.validated_data))

    def perform_update(self, serializer):
        product = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(product, field, value)
        services.save_product(product, expected_version=self.expected_version)

    def perform_destroy(self, instance):
        services.delete_product(instance, expected_version=self.expected_version)


router = routers.DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register(r"products/(?P<product_pk>\d+)/reviews", ReviewViewSet, basename="product-review")
