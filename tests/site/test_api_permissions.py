"""The API's default permission: anyone reads, writes take the model permission, as with
DRF's DjangoModelPermissionsOrAnonReadOnly; a read builds no queryset to be answered."""
import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.request import Request

from apps.catalog.models import Product
from polyglot_site.api_permissions import ModelPermissionsOrAnonReadOnly
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


class ProductsView:
    """A view as the permission sees it: it counts the querysets it is asked for."""

    def __init__(self):
        self.querysets = 0

    def get_queryset(self):
        self.querysets += 1
        return Product.objects.all()


@pytest.fixture
def users(django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="add_product"),
                                Permission.objects.get(codename="change_product"))
    return {"anonymous": AnonymousUser(), "editor": editor,
            "reader": django_user_model.objects.create_user("reader", password="pw"),
            "inactive editor": django_user_model.objects.create_user("gone", password="pw", is_active=False)}


def request_of(method, user):
    request = Request(getattr(RequestFactory(), method.lower())("/api/products/"))
    request.user = user
    return request


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("who", ["anonymous", "editor", "reader", "inactive editor"])
def test_each_answer_is_drfs(users, method, who):
    ours = ModelPermissionsOrAnonReadOnly().has_permission(request_of(method, users[who]), ProductsView())
    drfs = DjangoModelPermissionsOrAnonReadOnly().has_permission(request_of(method, users[who]), ProductsView())

    assert ours == drfs


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_read_is_answered_without_building_a_queryset(users, method):
    view = ProductsView()

    assert ModelPermissionsOrAnonReadOnly().has_permission(request_of(method, users["anonymous"]), view)
    assert view.querysets == 0


def test_a_write_is_checked_against_the_model_permission(users):
    view = ProductsView()

    assert not ModelPermissionsOrAnonReadOnly().has_permission(request_of("POST", users["reader"]), view)
    assert ModelPermissionsOrAnonReadOnly().has_permission(request_of("POST", users["editor"]), view)
    assert view.querysets == 2


def test_the_api_checks_with_it(client, users, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp")

    assert client.get(f"/api/products/{lamp.pk}/").status_code == 200
    assert client.patch(f"/api/products/{lamp.pk}/", {"name": "x"}, content_type="application/json").status_code in (401, 403)
    client.force_login(users["reader"])
    assert client.patch(f"/api/products/{lamp.pk}/", {"name": "x"}, content_type="application/json").status_code == 403
    client.force_login(users["editor"])
    assert client.patch(f"/api/products/{lamp.pk}/", {"name": "Oak lamp"},
                        content_type="application/json").json()["name"] == "Oak lamp"
