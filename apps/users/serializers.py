from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from .avatars import prepare_avatar
from .models import User


class AvatarUrlsSerializer(serializers.Serializer):
    url = serializers.CharField()
    small = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile. ``avatar`` is a multipart file upload (or null to
    remove it); ``avatar_urls`` are the stable addresses of the avatar and its thumbnail."""

    avatar = serializers.ImageField(required=False, allow_null=True, write_only=True)
    avatar_urls = AvatarUrlsSerializer(read_only=True, allow_null=True)
    # Empty for an account made without one (the demo's shoppers, say), so not "format: email".
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "display_name", "bio", "avatar", "avatar_urls"]
        read_only_fields = ["id", "username", "email"]

    prepared_avatar = None

    def validate_avatar(self, value):
        """Checked and its thumbnail made before anything is written: a bad file is a 400."""
        if isinstance(value, UploadedFile):
            self.prepared_avatar = prepare_avatar(value)
        return value
