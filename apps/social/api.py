"""The social API: follows, likes, posts, comments and the feed (see apps.social.services)."""
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.serializers import ProductListSerializer
from apps.sync.api_schema import COMMON, ERROR, documented
from polyglot_site.api_parsers import BoundedJSONParser

from . import counts, feed, posting, search, services
from .models import Post
from .serializers import (
    AuthorQuerySerializer, CommentSerializer, FeedPageSerializer, FeedQuerySerializer, HideSerializer,
    LinkResultSerializer, PagingSerializer, PeoplePageSerializer, PersonSerializer, PostEditSerializer,
    PostInputSerializer, PostSerializer, SearchQuerySerializer,
)
from .throttles import ThrottledWritesMixin


def documented_responses(success):
    return {**success, **COMMON, 404: ERROR}


LINKED = documented_responses({200: LinkResultSerializer, 201: LinkResultSerializer})
UNLINKED = documented_responses({200: LinkResultSerializer})
SCHEMA_CREATED = {"responses": documented_responses({201: PostSerializer})}
SCHEMA_CREATED_COMMENT = {"responses": documented_responses({201: CommentSerializer})}


class SocialView(ThrottledWritesMixin, APIView):
    """Anyone may read; writing takes a signed-in user."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def paging(self):
        params = PagingSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


def link_answer(active, changed, count):
    code = status.HTTP_201_CREATED if changed and active else status.HTTP_200_OK
    answer = LinkResultSerializer({"active": active, "changed": changed, "count": count})
    return Response(answer.data, status=code)


class FollowView(SocialView):
    """Follow (POST) or unfollow (DELETE) a user. Repeating either changes nothing."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=LINKED)
    def post(self, request, user_id):
        changed = services.follow(request.user, user_id)
        return link_answer(True, changed, counts.followers(user_id, fresh=True))

    @extend_schema(request=None, responses=UNLINKED)
    def delete(self, request, user_id):
        changed = services.unfollow(request.user, user_id)
        return link_answer(False, changed, counts.followers(user_id, fresh=True))


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

    @extend_schema(request=None, responses=LINKED)
    def post(self, request, pk):
        like, _, count = self._commands()
        changed = like(request.user, pk)
        return link_answer(True, changed, count(pk, fresh=True))

    @extend_schema(request=None, responses=UNLINKED)
    def delete(self, request, pk):
        _, unlike, count = self._commands()
        changed = unlike(request.user, pk)
        return link_answer(False, changed, count(pk, fresh=True))


class PostListView(SocialView):
    """A user's posts, newest first (GET ``?author=<id>``), or a new post (POST ``text`` and an
    optional ``image``)."""

    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @documented({200: PostSerializer(many=True)})
    def get(self, request):
        params = AuthorQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        author = services.active_user(params.validated_data["author"])
        posts = Post.objects.filter(author=str(author.pk), limit=50)
        visible = [p for p in posts if not p.hidden or request.user.is_staff or request.user.pk == author.pk]
        return Response(PostSerializer(visible, many=True).data)

    @extend_schema(request=PostInputSerializer, **SCHEMA_CREATED)
    def post(self, request):
        data = PostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        post = posting.create_post(request.user, values["text"], values.get("image"))
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)


class PostDetailView(SocialView):
    """One post: anyone may read a visible one; its author may edit (PATCH ``text``) or delete it."""

    @documented({200: PostSerializer})
    def get(self, request, pk):
        return Response(PostSerializer(visible_or_404(pk, request.user)).data)

    @extend_schema(request=PostEditSerializer, responses=documented_responses({200: PostSerializer}))
    def patch(self, request, pk):
        data = PostEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible_or_404(pk, request.user)
        return Response(PostSerializer(posting.edit_post(request.user, pk, data.validated_data["text"])).data)

    @documented({204: None})
    def delete(self, request, pk):
        visible_or_404(pk, request.user)
        posting.delete_post(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HidePostView(SocialView):
    """Staff hide a post from everyone but its author (``hidden: false`` shows it again)."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(request=HideSerializer, responses=documented_responses({200: PostSerializer}))
    def post(self, request, pk):
        data = HideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible_or_404(pk, request.user)
        post = posting.hide_post(request.user, pk, data.validated_data["hidden"])
        return Response(PostSerializer(post).data)


class CommentsView(SocialView):
    """A post's comments, oldest first (GET), or a new comment (POST ``text``)."""

    @documented({200: CommentSerializer(many=True)})
    def get(self, request, pk):
        post = visible_or_404(pk, request.user)
        return Response(CommentSerializer(posting.comments_on(post.id), many=True).data)

    @extend_schema(request=PostEditSerializer, **SCHEMA_CREATED_COMMENT)
    def post(self, request, pk):
        data = PostEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible_or_404(pk, request.user)
        comment = posting.add_comment(request.user, pk, data.validated_data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def visible_or_404(pk, viewer):
    try:
        return posting.visible_post(pk, viewer if viewer.is_authenticated else None)
    except ValidationError:
        raise NotFound(f"There is no post {pk}.") from None


class FeedView(SocialView):
    """Posts of the people you follow, newest first; ``?cursor=`` takes ``next_cursor`` of the page before."""

    permission_classes = [permissions.IsAuthenticated]

    @documented({200: FeedPageSerializer}, missing=False)
    def get(self, request):
        params = FeedQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = feed.page(request.user.pk, params.validated_data.get("cursor"))
        return Response(FeedPageSerializer(page).data)


class SearchView(SocialView):
    """Search people or posts: ``?q=words&page=n``, best matches first."""

    kind = None

    @documented({200: PersonSerializer(many=True)}, missing=False)
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        q, page = params.validated_data["q"], params.validated_data["page"]
        if self.kind == "people":
            return Response(PersonSerializer(search.search_people(q, page=page), many=True).data)
        return Response(PostSerializer(search.search_posts(q, page=page), many=True).data)


class PostSearchView(SearchView):
    kind = "posts"

    @documented({200: PostSerializer(many=True)}, missing=False)
    def get(self, request):
        return super().get(request)


class BoughtByFollowedView(SocialView):
    """Products on sale that the people you follow bought, the most bought first."""

    permission_classes = [permissions.IsAuthenticated]

    @documented({200: ProductListSerializer(many=True)}, missing=False)
    def get(self, request):
        products = services.bought_by_people_you_follow(request.user.pk)
        return Response(ProductListSerializer(products, many=True).data)
