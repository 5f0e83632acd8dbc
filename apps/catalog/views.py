from django.shortcuts import get_object_or_404, render

from . import services
from .forms import SearchForm
from .models import Product

PER_PAGE = 12


def product_list(request):
    """The catalogue: every active product, or the ones matching ?q=."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = services.paginate(services.search_products(query, per_page=PER_PAGE), request.GET.get("page"), PER_PAGE)
    return render(
        request,
        "catalog/product_list.html",
        {"form": form if form.is_bound else SearchForm(), "query": query, "page_obj": page},
    )


def product_detail(request, slug):
    product = get_object_or_404(Product.objects.active().select_related("category"), slug=slug)
    return render(request, "catalog/product_detail.html", {"product": product})
