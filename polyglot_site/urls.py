from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.catalog.api import router as catalog_router
from apps.users.api import MeView
from apps.users.urls import auth_urlpatterns
from polyglot_site.media import stored_image
from polyglot_site.signed_files import signed_file
from polyglot_site.views import ObtainToken

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/me/", MeView.as_view(), name="api-me"),
    path("api/", include("apps.orders.api_urls")),
    path("api/", include(catalog_router.urls)),
    path("api/social/", include("apps.social.api_urls")),
    path("api/token/", ObtainToken.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, as the Content-Security-Policy asks.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", include("apps.sync.urls")),
    path("images/<path:name>", stored_image, name="stored-image"),
    path("files/<str:token>", signed_file, name="signed-file"),
    path("accounts/", include("apps.users.urls")),
    path("social/", include("apps.social.urls")),
    path("orders/", include("apps.orders.urls")),
    *auth_urlpatterns,
    path("", include("apps.catalog.urls")),
]

handler404 = "polyglot_site.views.page_not_found"
