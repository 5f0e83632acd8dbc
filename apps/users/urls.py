from django.urls import include, path

from . import views

app_name = "users"
urlpatterns = [
    path("sign-up/", views.sign_up, name="sign-up"),
    path("profile/", views.profile, name="profile"),
]

# Django's own views, under their usual names (login, logout, password_reset, ...).
auth_urlpatterns = [path("accounts/", include("django.contrib.auth.urls"))]
