from django.urls import path

from . import review_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("products/<slug:slug>/reviews/", review_views.write_review, name="write-review"),
    path("category/<slug:category_slug>/", views.product_list, name="category"),
]
