from django.contrib import admin
from django.urls import include, path

from apps.catalog.api import router as catalog_router

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(catalog_router.urls)),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", include("apps.sync.urls")),
    path("", include("apps.catalog.urls")),
]
