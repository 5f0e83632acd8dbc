"""The admin page that edits a product's attributes, built from its category's schema.

A page of its own (linked from the product's change form), because the
attributes' home is the product document, not the SQL row the change form
saves: each form writes one store, and a refused form writes nothing.
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .attribute_forms import AttributesForm
from .attributes import AttributesChanged, fingerprint, save_attributes


class ProductAttributesAdminMixin:
    """Adds /admin/catalog/product/<id>/attributes/ and a link to it on the change form."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.attributes_view)
        return [path("<int:object_id>/attributes/", view, name="catalog_product_attributes"), *super().get_urls()]

    @staticmethod
    def attributes_link(product):
        if product.pk is None:
            return "Save the product first."
        url = reverse("admin:catalog_product_attributes", args=[product.pk])
        return format_html('<a href="{}">Edit the attributes of this {}</a>', url, product.category.name)

    attributes_link.short_description = "Attributes"

    def attributes_view(self, request, object_id):
        product = get_object_or_404(self.model.objects.select_related("category"), pk=object_id)
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        schema = product.category.attribute_schema
        if request.method == "POST":
            form = AttributesForm(schema, request.POST)
            if form.is_valid():
                try:
                    save_attributes(product, form.attributes, opened=form.cleaned_data["opened"] or None)
                except AttributesChanged as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, f"The attributes of {product} were saved.")
                    return redirect("admin:catalog_product_change", product.pk)
        else:
            attributes = product.attributes
            form = AttributesForm(schema, initial={**attributes, "opened": fingerprint(attributes)})
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": product,
            "title": f"Attributes of {product}", "form": form, "schema": schema,
        }
        return TemplateResponse(request, "admin/catalog/product/attributes.html", context)
