from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html

from apps.stores.images import prepare_image
from apps.sync.admin_versions import VersionedModelAdmin

from .attribute_admin import ProductAttributesAdminMixin
from .models import Category, Product, ProductImage
from .pictures import THUMBNAIL_SIZES


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "position")
        help_texts = {"image": "A JPEG, PNG, GIF or WebP picture of at most 5 MB; thumbnails are made from it."}

    def clean_image(self):
        """Checked (Pillow) and its thumbnails made before the save, so a bad file writes nothing."""
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            self.instance.prepared = prepare_image(image, THUMBNAIL_SIZES.values())
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "image", "alt_text", "position")
    readonly_fields = ("preview",)

    @admin.display(description="Picture")
    def preview(self, image):
        if not image.pk or not image.image:
            return "—"
        return format_html('<img src="{}" alt="" height="60">', image.urls()["small"])


@admin.register(Product)
class ProductAdmin(ProductAttributesAdminMixin, VersionedModelAdmin):
    list_display = ("name", "sku", "category", "price", "status", "version", "updated_at")
    list_filter = ("status", "category")
    search_fields = ("name", "sku")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version", "created_at", "updated_at", "attributes_link")
    list_select_related = ("category",)
    inlines = [ProductImageInline]
