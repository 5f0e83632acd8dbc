"""The reviews of a product in the API: /api/products/{product_pk}/reviews/[{author}/]."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound

from apps.sync.api_schema import ERROR, documented

from .models import Product
from .reviews import TEXT_MAX_LENGTH, AlreadyReviewed, Review


class ReviewExists(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "You have reviewed this product already."
    default_code = "already_reviewed"


class ReviewSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    product = serializers.CharField(source="product_id", read_only=True)
    author = serializers.CharField(source="author_id", read_only=True)
    author_name = serializers.CharField(read_only=True)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False, default="")
    created_at = serializers.CharField(read_only=True)


class ReviewPermission(permissions.BasePermission):
    """Anyone reads; a signed-in user writes their own review; its author or staff delete it."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, review):
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_staff or review.author_id == str(request.user.pk)


@extend_schema_view(
    list=documented({200: ReviewSerializer(many=True)}),
    retrieve=documented({200: ReviewSerializer}),
    create=documented({201: ReviewSerializer, 409: ERROR}),
    destroy=documented({204: None}),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A product's reviews, newest first. Signed-in users write one review per product
    (a second answers 409); its author or staff may delete it. Draft products have none."""

    serializer_class = ReviewSerializer
    permission_classes = [ReviewPermission]
    lookup_field = "author"
    lookup_value_regex = r"\d+"

    def product(self):
        """The product in the URL; staff also reach drafts (and are told they cannot be reviewed)."""
        products = Product.objects.select_related("category")
        if not self.request.user.is_staff:
            products = products.active()
        return get_object_or_404(products, pk=self.kwargs["product_pk"])

    def get_queryset(self):
        return Review.objects.filter(product=self.product())

    def get_object(self):
        try:
            review = Review.objects.get(product=self.product(), author=self.kwargs["author"])
        except Review.DoesNotExist:
            raise NotFound("This user has not reviewed this product.") from None
        self.check_object_permissions(self.request, review)
        return review

    def perform_create(self, serializer):
        try:
            serializer.instance = Review.objects.create(product=self.product(), author=self.request.user,
                                                        **serializer.validated_data)
        except AlreadyReviewed as error:
            raise ReviewExists(str(error)) from error

    def perform_destroy(self, review):
        Review.objects.delete(review)
