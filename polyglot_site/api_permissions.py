"""Permissions of the API (DRF DEFAULT_PERMISSION_CLASSES)."""
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, answering a read without the view's queryset.

    DRF builds the view's queryset on every request only to name the model whose
    permissions a method needs; a read (GET, HEAD, OPTIONS) needs none, so its answer
    is the same without that work (anyone may read; a cached read runs no query at all).
    Writes are checked exactly as DRF checks them.
    """

    def has_permission(self, request, view):
        if self.perms_map.get(request.method) == []:
            user = request.user
            return bool(user) and (user.is_authenticated or not self.authenticated_users_only)
        return super().has_permission(request, view)
