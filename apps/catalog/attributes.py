"""Product attributes: each category declares a JSON Schema, and a product's attributes
live in its product document (container ``products``), whose home they are.

The core fields of that document are projected from SQL by the product
document projector, which merges them into the stored document: the
``attributes`` field, written only here, survives every merge, move and rebuild.

A schema is an object schema whose properties are strings, numbers, integers,
booleans or enums of those, the shapes a form can offer:

    {"type": "object",
     "properties": {"colour": {"type": "string", "enum": ["red", "blue"]},
                    "wattage": {"type": "integer", "minimum": 1, "maximum": 200}},
     "required": ["colour"]}
"""
import hashlib
import json
import re

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from apps.stores import stores
from apps.stores.exceptions import NotFound, PreconditionFailed
from apps.sync.projectors import State, registry

CONTAINER = "products"
DOCUMENT_PROJECTION = "catalog.product.document"
PROPERTY_TYPES = ("string", "number", "integer", "boolean")
PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_PROPERTIES = 50
WRITE_ATTEMPTS = 3


def check_schema(schema):
    """Refuse a category schema that is not valid JSON Schema or that a form could not offer."""
    if schema in (None, {}):
        return
    if not isinstance(schema, dict):
        raise ValidationError("The attribute schema is a JSON object.")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise ValidationError(f"This is not a valid JSON Schema: {error.message}") from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise ValidationError('The schema describes an object: {"type": "object", "properties": {...}}.')
    properties = schema["properties"]
    if len(properties) > MAX_PROPERTIES:
        raise ValidationError(f"A category has at most {MAX_PROPERTIES} attributes.")
    for name, spec in properties.items():
        if not PROPERTY_NAME.match(name):
            raise ValidationError(f"{name!r}: attribute names are lower-case letters, digits and _.")
        if not isinstance(spec, dict) or spec.get("type") not in PROPERTY_TYPES:
            raise ValidationError(f"{name!r}: the type is one of {', '.join(PROPERTY_TYPES)}.")


def properties_of(schema):
    return (schema or {}).get("properties", {})


def labelled(schema, attributes):
    """(label, value) of each attribute the product has, for the product page: the schema's in its
    order, then any the schema no longer names (kept from before a schema change), by name."""
    attributes, properties = attributes or {}, properties_of(schema)
    rows = []
    for name in [*(n for n in properties if n in attributes), *sorted(n for n in attributes if n not in properties)]:
        value = attributes[name]
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        rows.append((properties.get(name, {}).get("title") or name.replace("_", " ").capitalize(), value))
    return rows


def validate_attributes(schema, attributes):
    """The attributes, if they fit the category's schema; ValidationError naming each attribute that does not."""
    if not isinstance(attributes, dict):
        raise ValidationError("Attributes are a JSON object.")
    schema = schema or {}
    if not schema:
        if attributes:
            raise ValidationError("This category declares no attributes.")
        return {}
    errors = {}
    for error in Draft202012Validator(schema).iter_errors(attributes):
        field = error.path[0] if error.path else None
        if error.validator == "required":
            field = next((name for name in schema.get("required", ())
                          if name not in attributes and repr(name) in error.message), None)
        elif error.validator == "additionalProperties":
            field = None
        errors.setdefault(field if field in properties_of(schema) else "__all__", []).append(error.message)
    if errors:
        raise ValidationError(errors)
    return attributes


def fingerprint(attributes):
    """A digest of the attributes, so a form can tell whether they changed since it was opened."""
    return hashlib.sha256(json.dumps(attributes or {}, sort_keys=True).encode()).hexdigest()


def product_document(product):
    """The product's document, or None while it is not projected yet."""
    try:
        return stores["documents"].get(CONTAINER, str(product.pk), product.category.slug)
    except NotFound:
        return None


def _projected_document(product):
    """The product document, projected now from the product's SQL state if it is not there yet."""
    document = product_document(product)
    if document is None:
        fresh = type(product)._base_manager.select_related("category").get(pk=product.pk)
        state = State(fresh.outbox_aggregate_type, str(fresh.pk), "saved", fresh.version, fresh.outbox_payload())
        registry.get(DOCUMENT_PROJECTION).apply(state)
        document = product_document(fresh)
    return document


class AttributesChanged(Exception):
    """Someone else changed the attributes since the form was opened."""


def save_attributes(product, attributes, *, opened=None):
    """Write the product's attributes after checking them against its category's schema.

    ``opened`` is the fingerprint of the attributes the editor saw: if they
    changed since, AttributesChanged and nothing is written. The write is one
    patch under the document's ETag (read again if the projector merged core
    fields meanwhile); then the product is announced, so everything keyed by its
    events (the cached page) sees the change.
    """
    attributes = validate_attributes(product.category.attribute_schema, attributes)
    store = stores["documents"]
    for _attempt in range(WRITE_ATTEMPTS):
        document = _projected_document(product)
        if opened is not None and fingerprint(document.get("attributes")) != opened:
            raise AttributesChanged("Someone else changed these attributes after you opened them. Nothing was saved.")
        try:
            store.patch(CONTAINER, str(product.pk), product.category.slug, [("set", "attributes", attributes)],
                        if_match=document["_etag"])
            break
        except (PreconditionFailed, NotFound):
            continue  # the projector wrote core fields (or moved it) between our read and write
    else:
        raise AttributesChanged("The product kept changing while its attributes were saved. Try again.")
    product.announce()
    product.__dict__.pop("document", None)
    return attributes
