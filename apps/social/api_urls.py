from django.urls import path

from . import api

app_name = "social-api"
urlpatterns = [
    path("users/<str:user_id>/follow/", api.FollowView.as_view(), name="follow"),
    path("users/<str:user_id>/followers/", api.PeopleView.as_view(listing="followers"), name="followers"),
    path("users/<str:user_id>/following/", api.PeopleView.as_view(listing="following"), name="following"),
    path("users/<str:user_id>/mutual/", api.PeopleView.as_view(listing="mutual_follows"), name="mutual"),
    path("bought-by-people-you-follow/", api.BoughtByFollowedView.as_view(), name="bought-by-followed"),
    path("people-you-may-know/", api.PeopleYouMayKnowView.as_view(), name="people-you-may-know"),
    path("products/<str:pk>/like/", api.LikeView.as_view(target="product"), name="like-product"),
    path("posts/<str:pk>/like/", api.LikeView.as_view(target="post"), name="like-post"),
]
urlpatterns += [
    path("posts/", api.PostListView.as_view(), name="posts"),
    path("posts/<str:pk>/", api.PostDetailView.as_view(), name="post"),
    path("posts/<str:pk>/hide/", api.HidePostView.as_view(), name="hide-post"),
    path("posts/<str:pk>/comments/", api.CommentsView.as_view(), name="comments"),
]
urlpatterns += [path("feed/", api.FeedView.as_view(), name="feed")]
urlpatterns += [
    path("search/people/", api.SearchView.as_view(kind="people"), name="search-people"),
    path("search/posts/", api.PostSearchView.as_view(), name="search-posts"),
]
