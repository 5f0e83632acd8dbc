"""/api/me/: the signed-in user's own profile (display name, bio, avatar upload)."""
from drf_spectacular.utils import extend_schema_view
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from apps.sync.api_schema import documented

from .avatars import save_profile
from .serializers import MeSerializer


@extend_schema_view(
    get=documented({200: MeSerializer}, missing=False, summary="Your profile"),
    patch=documented({200: MeSerializer}, missing=False,
                     summary="Change your display name, bio or avatar (multipart for the avatar)"),
)
class MeView(generics.RetrieveUpdateAPIView):
    """GET or PATCH your own profile; anonymous clients get a 401."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        user = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(user, field, value)
        save_profile(user, serializer.prepared_avatar)
