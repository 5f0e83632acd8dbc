from django.urls import path

from . import views

app_name = "social"
urlpatterns = [
    path("feed/", views.feed_page, name="feed"),
    path("search/", views.search_page, name="search"),
    path("people/<int:user_id>/", views.profile, name="profile"),
    path("people/<int:user_id>/follow/", views.follow, name="follow"),
    path("products/<int:product_id>/like/", views.like_product, name="like-product"),
    path("posts/<str:post_id>/", views.post_page, name="post"),
    path("posts/<str:post_id>/like/", views.like, name="like"),
    path("posts/<str:post_id>/comment/", views.comment, name="comment"),
    path("posts/<str:post_id>/edit/", views.edit_post, name="edit-post"),
    path("posts/<str:post_id>/delete/", views.delete_post, name="delete-post"),
    path("posts/<str:post_id>/hide/", views.hide_post, name="hide-post"),
]
