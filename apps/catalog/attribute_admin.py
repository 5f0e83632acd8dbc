"""The admin page that edits what a product keeps in the document store: its attributes
(a form built from its category's schema) and its stock count.

A page of its own (linked from the product's change form), because these
records' home is the document store, not the SQL row the change form saves:
each form writes one record, and a refused form writes nothing.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .attribute_forms import AttributesForm
from .attributes import AttributesChanged, fingerprint, save_attributes
from .stock import MAX_QUANTITY, Stock, StockChanged, set_quantity


class StockCountForm(forms.Form):
    quantity = forms.IntegerField(label="Units in stock", min_value=0, max_value=MAX_QUANTITY)
    opened_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ProductAttributesAdminMixin:
    """Adds /admin/catalog/product/<id>/attributes/ (and .../stock/, its stock form's target)
    and a link to them on the change form."""

    def get_urls(self):
        return [
            path("<int:object_id>/attributes/", self.admin_site.admin_view(self.attributes_view),
                 name="catalog_product_attributes"),
            path("<int:object_id>/stock/", self.admin_site.admin_view(self.stock_view),
                 name="catalog_product_stock"),
            *super().get_urls(),
        ]

    @staticmethod
    def attributes_link(product):
        if product.pk is None:
            return "Save the product first."
        url = reverse("admin:catalog_product_attributes", args=[product.pk])
        return format_html('<a href="{}">Edit the attributes and stock of this {}</a>', url, product.category.name)

    attributes_link.short_description = "Attributes and stock"

    def _product(self, request, object_id):
        product = get_object_or_404(self.model.objects.select_related("category"), pk=object_id)
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        return product

    @staticmethod
    def _stock_form(product):
        stock = Stock.objects.get_or_none(product=product)
        return StockCountForm(initial={"quantity": stock.quantity if stock else 0,
                                       "opened_version": stock.version if stock else 0})

    def _page(self, request, product, form, stock_form):
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": product,
            "title": f"Attributes and stock of {product}", "form": form, "stock_form": stock_form,
            "schema": product.category.attribute_schema,
        }
        return TemplateResponse(request, "admin/catalog/product/attributes.html", context)

    def attributes_view(self, request, object_id):
        product = self._product(request, object_id)
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
        return self._page(request, product, form, self._stock_form(product))

    def stock_view(self, request, object_id):
        product = self._product(request, object_id)
        if request.method != "POST":
            return redirect("admin:catalog_product_attributes", product.pk)
        stock_form = StockCountForm(request.POST)
        if stock_form.is_valid():
            try:
                set_quantity(product, stock_form.cleaned_data["quantity"],
                             expected_version=stock_form.cleaned_data["opened_version"])
            except StockChanged as error:
                stock_form.add_error(None, str(error))
            else:
                messages.success(request, f"The stock of {product} was saved.")
                return redirect("admin:catalog_product_change", product.pk)
        attributes = product.attributes
        form = AttributesForm(product.category.attribute_schema,
                              initial={**attributes, "opened": fingerprint(attributes)})
        return self._page(request, product, form, stock_form)
