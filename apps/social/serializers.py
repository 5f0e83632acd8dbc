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
