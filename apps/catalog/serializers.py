from django.urls import reverse
from rest_framework import serializers

from .forms import MAX_SEARCH_TEXT, SORT_CHOICES, clean_search_text
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


class CategorySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "url"]

    def get_url(self, category) -> str:
        return reverse("catalog:category", kwargs={"category_slug": category.slug})


PRICE = {"max_digits": 10, "decimal_places": 2, "min_value": 0, "required": False}


class SearchQuerySerializer(serializers.Serializer):
    """GET /api/products/ parameters: words, a category, a price range (both ends included), in stock
    (true or false), a lowest average rating (1 to 5), a sort."""

    q = serializers.CharField(max_length=MAX_SEARCH_TEXT, required=False, allow_blank=True, trim_whitespace=True)
    category = serializers.SlugField(max_length=100, required=False)
    price_min = serializers.DecimalField(**PRICE)
    price_max = serializers.DecimalField(**PRICE)
    sort = serializers.ChoiceField(choices=[value for value, _ in SORT_CHOICES], required=False, default="relevance")
    in_stock = serializers.BooleanField(allow_null=True, default=None)
    rating_min = serializers.DecimalField(max_digits=2, decimal_places=1, min_value=1, max_value=5, required=False)

    def validate_q(self, value):
        return clean_search_text(value)

    def validate_category(self, value):
        if not Category.objects.filter(slug=value).exists():
            raise serializers.ValidationError("No category has this slug (see /api/categories/).")
        return value

    def validate(self, data):
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"price_max": ["Must be at least price_min."]})
        return data


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, trim_whitespace=True)

    def validate_q(self, value):
        value = clean_search_text(value)
        if not value:
            raise serializers.ValidationError("Type a few letters.")
        return value


class SuggestionsSerializer(serializers.Serializer):
    suggestions = serializers.ListField(child=serializers.CharField())
