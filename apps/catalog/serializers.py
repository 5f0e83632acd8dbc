from rest_framework import serializers

from .models import Category, Product


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "slug", "description", "category", "price", "status", "version", "url", "updated_at"]
        read_only_fields = ["slug", "version", "updated_at"]
        extra_kwargs = {"price": {"min_value": 0}}

    def get_url(self, product):
        return product.get_absolute_url()
