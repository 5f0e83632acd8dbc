"""The social API: follows, likes, posts, comments and the feed (see apps.social.services)."""
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.sync.api_schema import documented

from . import counts, services
from .serializers import LinkResultSerializer, PagingSerializer, PeoplePageSerializer, PersonSerializer
from .throttles import ThrottledWritesMixin


class SocialView(ThrottledWritesMixin, APIView):
    """Anyone may read; writing takes a signed-in user."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def paging(self):
        params = PagingSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


def link_answer(active, changed, count):
    code = status.HTTP_201_CREATED if changed and active else status.HTTP_200_OK
    return Response(LinkResultSerializer({"active": active, "changed": changed, "count": count}).data, status=code)


class FollowView(SocialView):
    """Follow (POST) or unfollow (DELETE) a user. Repeating either changes nothing."""

    permission_classes = [permissions.IsAuthenticated]

    @documented({200: LinkResultSerializer, 201: LinkResultSerializer})
    def post(self, request, user_id):
        changed = services.follow(request.user, user_id)
        return link_answer(True, changed, counts.followers(user_id))

    @documented({200: LinkResultSerializer})
    def delete(self, request, user_id):
        changed = services.unfollow(request.user, user_id)
        return link_answer(False, changed, counts.followers(user_id))


class PeopleView(SocialView):
    """One page of a user's followers, following or mutual follows (``?page=&per_page=``)."""

    listing = None

    @documented({200: PeoplePageSerializer})
    def get(self, request, user_id):
        user = services.active_user(user_id)
        page = getattr(services, self.listing)(user.pk, **self.paging())
        return Response(PeoplePageSerializer(page).data)


class PeopleYouMayKnowView(SocialView):
    """People followed by the people you follow, best first."""

    permission_classes = [permissions.IsAuthenticated]

    @documented({200: PersonSerializer(many=True)}, missing=False)
    def get(self, request):
        return Response(PersonSerializer(services.people_you_may_know(request.user.pk), many=True).data)


class LikeView(SocialView):
    """Like (POST) or unlike (DELETE) a product on sale or a post. Repeating either changes nothing."""

    permission_classes = [permissions.IsAuthenticated]
    target = None

    def _commands(self):
        if self.target == "product":
            return services.like_product, services.unlike_product, counts.product_likes
        return services.like_post, services.unlike_post, counts.post_likes

    @documented({200: LinkResultSerializer, 201: LinkResultSerializer})
    def post(self, request, pk):
        like, _, count = self._commands()
        changed = like(request.user, pk)
        return link_answer(True, changed, count(pk))

    @documented({200: LinkResultSerializer})
    def delete(self, request, pk):
        _, unlike, count = self._commands()
        changed = unlike(request.user, pk)
        return link_answer(False, changed, count(pk))
