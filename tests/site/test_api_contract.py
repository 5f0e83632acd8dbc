"""The API's contract, fuzzed: schemathesis generates requests from the OpenAPI schema at
/api/schema/ and sends them to the site; no input may get a 500, and every answer
must be one the schema documents, in the shape it documents. Endpoints added later
join by themselves."""
import base64

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.catalog.stock import set_quantity
from apps.orders.cart import UserCart
from polyglot_site.wsgi import application
from tests.factories import ProductFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loading the schema needs no database: the schema view reads the URL conf.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def editor_headers(django_user_model, clean_stores):
    user = django_user_model.objects.create_user("fuzzer", password="fuzz-pw")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalog"))
    lamps = [ProductFactory(name=f"Lamp {n}") for n in range(3)]
    # Stock and a cart, so a generated checkout can also place an order and answer it.
    set_quantity(lamps[0], 1000)
    UserCart(user.pk).add(lamps[0].pk, 1)
    return {"Authorization": "Basic " + base64.b64encode(b"fuzzer:fuzz-pw").decode()}


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_500_and_every_answer_matches_the_schema(case, editor_headers):
    response = case.call_and_validate(headers=editor_headers, checks=CHECKS)  # raises on a failed check
    assert response.status_code < 500
