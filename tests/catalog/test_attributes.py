"""Product attributes: declared per category as JSON Schema, kept in the product document
(their home), surviving the projector's merges, edited in the admin through a form built
from the schema; attributes that break the schema write nothing.

The same tests run against cosmosdb-server in test_attributes_services.py.
"""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.catalog.attribute_forms import AttributesForm
from apps.catalog.attributes import AttributesChanged, fingerprint, save_attributes
from apps.catalog.models import Product
from apps.sync import maintenance
from apps.sync.projectors import registry
from tests.catalog.document_records import deliver_pending
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

LAMP_SCHEMA = {
    "type": "object",
    "properties": {
        "colour": {"type": "string", "enum": ["brass", "copper", "black"], "title": "Colour"},
        "wattage": {"type": "integer", "minimum": 1, "maximum": 200},
        "height_cm": {"type": "number", "minimum": 0},
        "dimmable": {"type": "boolean"},
        "bulb": {"type": "string", "maxLength": 20, "pattern": "^[A-Z][0-9]+$"},
    },
    "required": ["colour"],
}


@pytest.fixture
def lamp():
    product = ProductFactory(name="Brass desk lamp",
                             category=CategoryFactory(name="Lamps", attribute_schema=LAMP_SCHEMA))
    deliver_pending()  # its document projected, as a worker would have
    return product


def stored_document(stores, product):
    return stores["documents"].get("products", str(product.pk), partition_key=product.category.slug)


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"colour": {"type": "array"}}},
    {"type": "object", "properties": {"Colour!": {"type": "string"}}},
    {"type": "string"},
    {"type": "object", "properties": {"colour": {"type": "strng"}}},
    ["not", "an", "object"],
])
def test_a_schema_the_form_cannot_offer_is_a_category_error(schema):
    category = CategoryFactory.build(name="Odd", slug="odd", attribute_schema=schema)

    with pytest.raises(ValidationError) as refused:
        category.full_clean()

    assert "attribute_schema" in refused.value.message_dict


def test_attributes_of_a_product_not_yet_projected_create_its_document(clean_stores):
    lamp = ProductFactory(category=CategoryFactory(name="Lamps", attribute_schema=LAMP_SCHEMA))
    deliver_pending()
    clean_stores["documents"].delete("products", str(lamp.pk), partition_key="lamps")

    save_attributes(lamp, {"colour": "black"})

    assert stored_document(clean_stores, lamp)["attributes"] == {"colour": "black"}
    assert stored_document(clean_stores, lamp)["sku"] == lamp.sku


def test_attributes_are_kept_in_the_product_document(clean_stores, lamp):
    save_attributes(lamp, {"colour": "brass", "wattage": 40, "dimmable": True})

    document = stored_document(clean_stores, lamp)
    assert document["attributes"] == {"colour": "brass", "wattage": 40, "dimmable": True}
    assert document["name"] == "Brass desk lamp"
    fresh = Product.objects.get(pk=lamp.pk)
    assert fresh.attributes == {"colour": "brass", "wattage": 40, "dimmable": True}
    assert fresh.attribute_rows == [("Colour", "brass"), ("Wattage", 40), ("Dimmable", "Yes")]


def test_attributes_survive_edits_and_moves_of_the_core_fields(clean_stores, lamp):
    save_attributes(lamp, {"colour": "copper"})

    lamp.refresh_from_db()
    lamp.name = "Copper desk lamp"
    lamp.save()
    lamp.category = CategoryFactory(name="Lighting", attribute_schema=LAMP_SCHEMA)
    lamp.save()
    deliver_pending()

    document = stored_document(clean_stores, lamp)
    assert (document["name"], document["category"], document["attributes"]) == (
        "Copper desk lamp", "lighting", {"colour": "copper"})


def test_rebuilding_and_reconciling_the_product_documents_keeps_attributes(clean_stores, lamp):
    save_attributes(lamp, {"colour": "black"})
    projector = registry.get("catalog.product.document")

    maintenance.rebuild(projector)

    assert stored_document(clean_stores, lamp)["attributes"] == {"colour": "black"}
    assert maintenance.reconcile(projector).clean


@pytest.mark.parametrize("attributes, field", [
    ({"colour": "purple"}, "colour"),
    ({"wattage": 40}, "colour"),
    ({"colour": "brass", "wattage": 0}, "wattage"),
    ({"colour": "brass", "wattage": "40"}, "wattage"),
    ({"colour": "brass", "dimmable": "yes"}, "dimmable"),
    ({"colour": "brass", "bulb": "e27"}, "bulb"),
])
def test_attributes_that_break_the_schema_are_refused_and_nothing_is_written(clean_stores, lamp, attributes, field):
    version = lamp.version

    with pytest.raises(ValidationError) as refused:
        save_attributes(lamp, attributes)

    assert field in refused.value.message_dict
    assert "attributes" not in stored_document(clean_stores, lamp)
    lamp.refresh_from_db()
    assert lamp.version == version


def test_attributes_changed_since_the_form_opened_are_not_overwritten(clean_stores, lamp):
    opened = fingerprint({})
    save_attributes(lamp, {"colour": "brass"})

    with pytest.raises(AttributesChanged):
        save_attributes(lamp, {"colour": "black"}, opened=opened)

    assert stored_document(clean_stores, lamp)["attributes"] == {"colour": "brass"}


def test_the_form_has_a_field_per_schema_property_of_the_right_kind():
    form = AttributesForm(LAMP_SCHEMA)

    kinds = {name: type(field).__name__ for name, field in form.fields.items() if name != "opened"}
    assert kinds == {"colour": "TypedChoiceField", "wattage": "IntegerField", "height_cm": "FloatField",
                     "dimmable": "NullBooleanField", "bulb": "CharField"}
    assert form.fields["colour"].required and not form.fields["wattage"].required


def test_the_form_checks_the_whole_schema_and_types_the_values():
    valid = AttributesForm(LAMP_SCHEMA, {"colour": "brass", "wattage": "60", "height_cm": "35.5", "dimmable": "true"})
    refused = AttributesForm(LAMP_SCHEMA, {"colour": "brass", "bulb": "e27"})

    assert valid.is_valid(), valid.errors
    assert valid.attributes == {"colour": "brass", "wattage": 60, "height_cm": 35.5, "dimmable": True}
    assert not refused.is_valid()
    assert "bulb" in refused.errors


@pytest.fixture
def operator(admin_client):
    return admin_client


def test_the_admin_edits_attributes_through_the_schema_form(clean_stores, operator, lamp):
    url = reverse("admin:catalog_product_attributes", args=[lamp.pk])
    page = operator.get(url)
    assert page.status_code == 200
    assert b'name="wattage"' in page.content and b'name="colour"' in page.content
    opened = page.context["form"]["opened"].value()

    answer = operator.post(url, {"colour": "copper", "wattage": "25", "dimmable": "unknown", "opened": opened})

    assert answer.status_code == 302
    assert stored_document(clean_stores, lamp)["attributes"] == {"colour": "copper", "wattage": 25}
    change = operator.get(reverse("admin:catalog_product_change", args=[lamp.pk]))
    assert url.encode() in change.content


def test_the_admin_shows_a_form_error_and_writes_nothing_for_attributes_that_break_the_schema(
        clean_stores, operator, lamp):
    url = reverse("admin:catalog_product_attributes", args=[lamp.pk])

    answer = operator.post(url, {"colour": "brass", "wattage": "500", "bulb": "e27"})

    assert answer.status_code == 200
    assert set(answer.context["form"].errors) == {"wattage", "bulb"}
    assert "attributes" not in stored_document(clean_stores, lamp)


def test_a_user_without_change_permission_cannot_edit_attributes(client, django_user_model, lamp):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    answer = client.post(reverse("admin:catalog_product_attributes", args=[lamp.pk]), {"colour": "brass"})

    assert answer.status_code == 403


def test_the_category_admin_refuses_a_schema_that_is_not_json_schema(clean_stores, operator):
    answer = operator.post(reverse("admin:catalog_category_add"), {
        "name": "Lamps", "slug": "lamps", "attribute_schema": '{"type": "object", "properties": {"x": {"type": 5}}}',
    })

    assert answer.status_code == 200
    assert "attribute_schema" in answer.context["adminform"].form.errors
    assert not CategoryFactory._meta.model.objects.filter(slug="lamps").exists()
