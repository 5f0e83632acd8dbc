from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "apps.social"
    label = "social"
    verbose_name = "Social"

    def ready(self):
        from apps.stores.documents import declare_container
        from apps.stores.search import declare_index
        from apps.sync.projectors import registry

        from . import projections
        from .models import COMMENTS_CONTAINER, POSTS_CONTAINER
        from .search import PEOPLE, POSTS

        declare_container(POSTS_CONTAINER, partition_key="/author", indexes=("author", "created", "hidden"))
        declare_container(COMMENTS_CONTAINER, partition_key="/author", indexes=("post", "created"))
        declare_index(PEOPLE)
        declare_index(POSTS)
        for projector in (
            projections.FollowsHome(), projections.LikesHome(), projections.FollowCountsCache(),
            projections.LikeCountsCache(), projections.PostHome(), projections.CommentHome(),
            projections.FollowFeedCache(), projections.PostFeedCache(),
            projections.PeopleSearchProjector(), projections.PostSearchProjector(),
            projections.UserVertexProjector(),
        ):
            registry.register(projector)
