"""The permissions audit (README, "Who may do what"): every row of
tests/site/permissions_table.py asked by each kind of visitor, in a world where the
owner has a product review, a post, an order with its receipt, and a cart.

A GET row's four cells are asked in one world; an unsafe method's each in a fresh
one, so the owner's delete never changes what staff are asked about.
"""
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from apps.catalog.models import ProductImage
from apps.catalog.stock import set_quantity
from apps.orders.checkout import checkout
from apps.orders.receipts import receipt_link
from apps.catalog.reviews import Review
from apps.social import posting
from tests.factories import CategoryFactory, ProductFactory
from tests.orders.shop import cart_with
from tests.pictures import picture as png
from tests.site.permissions_table import LOGIN, ROLES, ROWS, markdown

pytestmark = pytest.mark.django_db(transaction=True)
README = Path(__file__).resolve().parents[2] / "README.md"


def make_world():
    User = get_user_model()
    people = {
        "owner": User.objects.create_user("ada", "ada@example.com", "pw-audit-1", display_name="Ada"),
        "other": User.objects.create_user("bob", "bob@example.com", "pw-audit-2"),
        "staff": User.objects.create_superuser("operator", "op@example.com", "pw-audit-3"),
    }
    category = CategoryFactory(name="Lamps")
    lamp = ProductFactory(category=category, name="Brass lamp", slug="brass-lamp")
    draft = ProductFactory(category=category, status="draft", slug="draft-lamp")
    picture = ProductImage(product=lamp, alt_text="Lamp", image=SimpleUploadedFile("audit.png", png(), "image/png"))
    picture.save()
    Review.objects.create(product=lamp, author=people["owner"], rating=4, text="Bright.")
    post = posting.create_post(people["owner"], "Hello from the audit.")
    set_quantity(lamp, 50)
    order = checkout(people["owner"], cart_with(people["owner"], (lamp, 1)), key="audit-order-0001")
    cart_with(people["owner"], (lamp, 1))  # and one more in the cart
    places = {"product": lamp.pk, "slug": lamp.slug, "category": category.slug, "category_pk": category.pk,
              "draft": draft.slug,
              "post": post.id, "owner": people["owner"].pk, "other": people["other"].pk,
              "image": picture.image.name, "order": order.pk,
              "receipt_token": receipt_link(order).rsplit("/", 1)[-1]}
    return people, places


def client_for(role, people):
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def fill(template, places):
    if isinstance(template, str):
        return template.format(**places)
    if isinstance(template, dict):
        return {key: fill(value, places) for key, value in template.items()}
    return template


def ask(row, role, people, places):
    client, path = client_for(role, people), fill(row.path, places)
    data = fill(row.data, places)
    method = getattr(client, row.method.lower())
    headers = row.headers or {}
    if row.method == "GET":
        return method(path, headers=headers)
    if path.startswith("/api/"):
        return method(path, data=json.dumps(data or {}), content_type="application/json", headers=headers)
    return method(path, data=data or {}, headers=headers)


def outcome(response):
    if response.status_code == 302 and urlparse(response["Location"]).path in (
            reverse("login"), reverse("admin:login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.method} {row.path}" for row in ROWS])
def test_each_visitor_gets_what_the_table_says(clean_stores, row):
    wrong = []
    world = make_world() if row.method == "GET" else None
    for role in ROLES:
        people, places = world or make_world()
        got = outcome(ask(row, role, people, places))
        if got != row.cells()[role]:
            wrong.append(f"{role}: got {got}, the table says {row.cells()[role]}")
        if world is None:
            clean_stores_again()
    assert not wrong, f"{row.method} {row.path}: " + "; ".join(wrong)


def clean_stores_again():
    """Between the cells of an unsafe row: a fresh world in SQL and in every store."""
    from django.core.management import call_command

    from apps.stores import stores
    from apps.stores.documents import declared_containers
    from apps.stores.search import declared_indexes

    call_command("flush", interactive=False, verbosity=0)
    for name in declared_containers():
        stores["documents"].delete_container(name)
        stores["documents"].ensure_container(name)
    for name in declared_indexes():
        stores["search"].clear(name)
    stores["graph"].clear()


def routed_views(patterns=None, namespace=""):
    """The view name of every route the site has, the admin's aside."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routed_views(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_of_the_site_has_a_row():
    audited = {resolve(urlparse(row.path.format(
        product=1, slug="s", category="c", category_pk=1, draft="d", post="p1", owner=1, other=2,
        image="products/x.png", order=1, receipt_token="t",
    )).path).view_name for row in ROWS}
    missing = sorted(set(routed_views()) - audited)
    assert not missing, f"routes the audit does not cover: {missing}"


def test_every_admin_page_list_is_for_staff_only(clean_stores):
    people, _ = make_world()
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for role in ("anonymous", "owner"):
            assert outcome(client_for(role, people).get(url)) == LOGIN, (role, url)
        assert client_for("staff", people).get(url).status_code == 200, url


def test_the_readme_holds_the_table_as_the_tests_check_it():
    assert markdown() in README.read_text(), (
        "README's permissions table differs from tests/site/permissions_table.py: paste "
        "`python -m tests.site.permissions_table` into the README")
