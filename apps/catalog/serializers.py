from rest_framework import serializers

from .forms import MAX_SEARCH_TEXT, clean_search_text
from .models import Category, Product


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "slug", "description", "category", "price", "status", "version", "url", "updated_at"]
        read_only_fields = ["slug", "version", "updated_at"]
        extra_kwargs = {"price": {"min_value": 0}}

    def get_url(self, product) -> str:
        return product.get_absolute_url()


class ProductListSerializer(ProductSerializer):
    """Products in a list: without the description, so a page of them stays small."""

    class Meta(ProductSerializer.Meta):
        fields = [f for f in ProductSerializer.Meta.fields if f != "description"]


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_SEARCH_TEXT, required=False, allow_blank=True, trim_whitespace=True)

    def validate_q(self, value):
        return clean_search_text(value)
