"""Pages may show pictures from the blob endpoint the storages use, and from nowhere else."""
from polyglot_site.environment import blob_origin, with_image_origin


def test_the_blob_origin_comes_from_the_connection_string():
    azurite = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5==;"
               "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")
    account = "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=a2V5==;EndpointSuffix=core.windows.net"

    assert blob_origin(azurite) == "http://127.0.0.1:10000"
    assert blob_origin(account) == "https://shop.blob.core.windows.net"


def test_the_origin_is_added_to_img_src_only():
    policy = {"DIRECTIVES": {"img-src": ["'self'"], "script-src": ["'self'"]}}

    changed = with_image_origin(policy, "https://shop.blob.core.windows.net")

    assert changed["DIRECTIVES"] == {"img-src": ["'self'", "https://shop.blob.core.windows.net"],
                                     "script-src": ["'self'"]}
    assert policy["DIRECTIVES"]["img-src"] == ["'self'"], "the base policy is left as it was"
