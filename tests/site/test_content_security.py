"""The Content-Security-Policy lets pictures come from the blob storage's origin (signed
links to Azurite or Azure Blob Storage), and from nowhere else but the site."""
import pytest
from django.conf import settings

from polyglot_site.content_security import storage_origin, with_storage_images

AZURITE_CONNECTION_STRING = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
                             "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")

POLICY = {"DIRECTIVES": {"img-src": ["'self'", "data:"], "script-src": ["'self'"]}}


@pytest.mark.parametrize("options, origin", [
    ({"connection_string": AZURITE_CONNECTION_STRING}, "http://127.0.0.1:10000"),
    ({"connection_string": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=a2V5;"
                           "EndpointSuffix=core.windows.net"}, "https://shop.blob.core.windows.net"),
    ({"account_name": "shop", "account_key": "a2V5"}, "https://shop.blob.core.windows.net"),
    ({"connection_string": AZURITE_CONNECTION_STRING, "custom_domain": "cdn.example.net"}, "https://cdn.example.net"),
    ({"location": "/srv/media"}, None),
])
def test_the_origin_files_are_served_from(options, origin):
    assert storage_origin({"BACKEND": "any", "OPTIONS": options}) == origin


def test_only_img_src_gains_the_storage_origin_and_the_base_policy_is_untouched():
    policy = with_storage_images(POLICY, {"OPTIONS": {"connection_string": AZURITE_CONNECTION_STRING}})

    assert policy["DIRECTIVES"]["img-src"] == ["'self'", "data:", "http://127.0.0.1:10000"]
    assert policy["DIRECTIVES"]["script-src"] == ["'self'"]
    assert POLICY["DIRECTIVES"]["img-src"] == ["'self'", "data:"]
    assert with_storage_images(POLICY, {"OPTIONS": {"location": "/srv/media"}}) is POLICY


def test_the_running_profile_allows_exactly_its_own_storage():
    expected = storage_origin(settings.STORAGES["default"])

    img_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]

    assert img_src == ["'self'", "data:"] + ([expected] if expected else [])
