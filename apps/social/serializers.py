from django.contrib.auth import get_user_model
from rest_framework import serializers

from .services import MAX_PER_PAGE


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "display_name"]


class PagingSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    per_page = serializers.IntegerField(min_value=1, max_value=MAX_PER_PAGE, default=20)


class PeoplePageSerializer(serializers.Serializer):
    results = PersonSerializer(many=True, source="users")
    page = serializers.IntegerField(source="number")
    has_next = serializers.BooleanField()
    count = serializers.IntegerField(source="total", allow_null=True)


class LinkResultSerializer(serializers.Serializer):
    """What a follow or like answers: whether it holds now and whether this request changed it."""

    active = serializers.BooleanField()
    changed = serializers.BooleanField()
    count = serializers.IntegerField()


class PostSerializer(serializers.Serializer):
    id = serializers.CharField()
    author = serializers.IntegerField(source="author_pk")
    author_name = serializers.CharField()
    text = serializers.CharField()
    image_url = serializers.SerializerMethodField()
    created = serializers.CharField()
    edited = serializers.CharField()
    hidden = serializers.BooleanField()
    version = serializers.IntegerField()

    def get_image_url(self, post) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(post.image) if post.image else ""


class PostInputSerializer(serializers.Serializer):
    """The text is checked by the service (apps.social.posting), with the same messages as the pages."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=1_000_000)
    image = serializers.FileField(required=False, allow_empty_file=False)


class PostEditSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=1_000_000)


class HideSerializer(serializers.Serializer):
    hidden = serializers.BooleanField(default=True)


class CommentSerializer(serializers.Serializer):
    id = serializers.CharField()
    post = serializers.CharField()
    author = serializers.IntegerField(source="author_pk")
    author_name = serializers.CharField()
    text = serializers.CharField()
    created = serializers.CharField()


class AuthorQuerySerializer(serializers.Serializer):
    author = serializers.IntegerField(min_value=1, max_value=2**53)


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=64)


class FeedPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True, source="posts")
    next_cursor = serializers.CharField(allow_null=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    page = serializers.IntegerField(min_value=1, max_value=50, default=1)
