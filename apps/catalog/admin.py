from django.contrib import admin

from apps.sync.admin_versions import VersionedModelAdmin

from .attribute_admin import ProductAttributesAdminMixin
from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(ProductAttributesAdminMixin, VersionedModelAdmin):
    list_display = ("name", "sku", "category", "price", "status", "version", "updated_at")
    list_filter = ("status", "category")
    search_fields = ("name", "sku")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version", "created_at", "updated_at", "attributes_link")
    list_select_related = ("category",)
