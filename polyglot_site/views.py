"""Site-wide views: error answers (JSON for API clients, pages for browsers) and the API token."""
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from apps.sync.api_schema import COMMON

API_PREFIX = "/api/"


def page_not_found(request, exception):
    """A 404 in JSON under /api/ (an address no route matches), the shop's own page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer once an account is locked after failed sign-ins: JSON under /api/,
    the shop's own page (how long to wait, how to reset the password) for people."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Too many failed sign-ins: try again later."}, status=status)
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=status)


@extend_schema_view(post=extend_schema(
    responses={200: inline_serializer("Token", {"token": serializers.CharField()}), **COMMON},
    description="Exchange a username and password for the user's API token; send it as "
                "`Authorization: Token <token>` instead of a password on every request.",
))
class ObtainToken(ObtainAuthToken):
    """The user's API token (made on first use). Failed attempts count towards a lockout."""
