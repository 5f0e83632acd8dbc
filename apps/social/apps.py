from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "apps.social"
    label = "social"
    verbose_name = "Social"

    def ready(self):
        from apps.sync.projectors import registry

        from .projections import FollowCountsCache, FollowsHome, LikeCountsCache, LikesHome

        for projector in (FollowsHome(), LikesHome(), FollowCountsCache(), LikeCountsCache()):
            registry.register(projector)
