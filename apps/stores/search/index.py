"""What a search index holds, declared next to a model's fields, as Wagtail does:

    class Product(models.Model):
        search_index_name = "products"
        search_fields = [
            index.SearchField("name", boost=3),
            index.AutocompleteField("name"),
            index.FilterField("price", sortable=True),
            index.FilterField("category", facet=True),
        ]

``definition_for_model`` turns that into an IndexDefinition whose field types
come from the model fields, and the system check in apps.stores.checks
reports a declared name the model does not have.
"""
import re
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models

FIELD_TYPES = ("text", "keyword", "int", "float", "bool", "datetime")
INDEX_NAME = re.compile(r"^[a-z][a-z0-9-]{1,59}$")


@dataclass(frozen=True)
class SearchField:
    """Full-text searchable, with a relevance boost; ``collection`` when the value is a list."""

    name: str
    boost: float = 1.0
    collection: bool = False


@dataclass(frozen=True)
class AutocompleteField:
    """Offered by suggest(prefix)."""

    name: str


@dataclass(frozen=True)
class FilterField:
    """Exact-match filterable; optionally a facet and a sort key; ``collection`` when the value is a list.

    ``type`` names the value's type (one of FIELD_TYPES) for a field the model computes
    instead of storing (a product's average rating); a model field's own type is used otherwise.
    """

    name: str
    facet: bool = False
    sortable: bool = False
    collection: bool = False
    type: str = None


@dataclass(frozen=True)
class IndexedField:
    """One field of an index, with everything the backends need to know."""

    name: str
    type: str = "keyword"
    searchable: bool = False
    boost: float = 1.0
    filterable: bool = False
    facet: bool = False
    sortable: bool = False
    autocomplete: bool = False
    #: The value is a list of values (Azure AI Search needs to know: ``Collection(Edm.String)``).
    collection: bool = False

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.name}: type {self.type!r} is not one of {FIELD_TYPES}.")
        if self.collection and self.sortable:
            raise ValueError(f"{self.name}: a list of values cannot be a sort key.")


@dataclass(frozen=True)
class IndexDefinition:
    """An index: a name, a key field ``id`` and its fields by name."""

    name: str
    fields: tuple = field(default_factory=tuple)

    def __post_init__(self):
        if not INDEX_NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not an index name (a-z, 0-9 and -).")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names) or "id" in names:
            raise ValueError(f"Index {self.name}: field names must be unique and not 'id'.")

    def field(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def searchable(self):
        return [f for f in self.fields if f.searchable]

    @property
    def facets(self):
        return [f.name for f in self.fields if f.facet]

    @property
    def autocomplete(self):
        return [f.name for f in self.fields if f.autocomplete]


_indexes = {}


def declare_index(definition):
    """Declare an index; domain apps call this in AppConfig.ready()."""
    _indexes[definition.name] = definition
    return definition


def declared_indexes():
    return dict(_indexes)


def _type_of(model_field, searchable):
    if isinstance(model_field, models.BooleanField):
        return "bool"
    if isinstance(model_field, (models.DecimalField, models.FloatField)):
        return "float"
    if isinstance(model_field, models.IntegerField) and not model_field.is_relation:
        return "int"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    return "text" if searchable else "keyword"


def model_field_or_none(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def definition_for_model(model):
    """Build the IndexDefinition a model declares with search_index_name and search_fields."""
    merged = {}
    for declared in model.search_fields:
        model_field = model_field_or_none(model, declared.name)
        current = merged.setdefault(declared.name, {"name": declared.name})
        if getattr(declared, "collection", False) or (model_field is not None and model_field.many_to_many):
            current["collection"] = True
        if isinstance(declared, SearchField):
            current.update(searchable=True, boost=declared.boost, type="text")
        elif isinstance(declared, AutocompleteField):
            current.update(autocomplete=True)
            current.setdefault("type", "text")
        elif isinstance(declared, FilterField):
            current.update(filterable=True, facet=declared.facet, sortable=declared.sortable)
            if declared.type is not None:
                current["type"] = declared.type
            elif current.get("type") != "text":
                current["type"] = _type_of(model_field, False) if model_field else "keyword"
    fields = tuple(IndexedField(**spec) for spec in merged.values())
    return IndexDefinition(model.search_index_name, fields)
