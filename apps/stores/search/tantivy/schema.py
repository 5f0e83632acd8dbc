"""How an IndexDefinition is laid out in a tantivy index.

Each declared field becomes up to two tantivy fields:

- ``<name>#text``: the words of the value, for full-text search, highlights
  and autocomplete; present when the field is searchable or autocomplete;
- ``<name>``: the exact value, typed, indexed and fast, for filters, facets
  and sorting; present when the field is filterable, a facet or sortable.

So a field that is both searchable text and filterable has a tokenized copy
and a raw copy. ``id`` is a raw stored field (documents are replaced by id)
and ``_source`` keeps the whole document as JSON, handed back with the hits.

A datetime is kept as an integer of microseconds since 1970 (UTC): tantivy's
date fields keep seconds only and end in 2262, an integer keeps what Django
stores, for every year from 1 to 9999.
"""
import datetime
import json

import tantivy
from django.core.serializers.json import DjangoJSONEncoder

from ...exceptions import InvalidQuery
from ..values import as_text, exact_value, values_of

ID = "id"
SOURCE = "_source"
TEXT_SUFFIX = "#text"
WORDS_TOKENIZER = "polyglot_words"

FIELD_TYPES = {
    "text": tantivy.FieldType.Text,
    "keyword": tantivy.FieldType.Text,
    "int": tantivy.FieldType.Integer,
    "float": tantivy.FieldType.Float,
    "bool": tantivy.FieldType.Boolean,
    "datetime": tantivy.FieldType.Integer,
}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def tantivy_value(field, value):
    """``value`` as the exact tantivy field of ``field`` holds it; InvalidQuery if it cannot be."""
    exact = exact_value(field, value)
    if field.type == "datetime":
        return (exact - EPOCH) // MICROSECOND
    return exact


def datetime_of(microseconds):
    """The ISO text of a datetime kept as tantivy_value() keeps it."""
    return (EPOCH + microseconds * MICROSECOND).isoformat()


def words_analyzer():
    """The analyzer for indexed words and for the words a user types: the same on both sides."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    # Longer "words" are base64 blobs or garbage; tantivy's default drops them too.
    builder = builder.filter(tantivy.Filter.remove_long(40))
    return builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build()


WORDS = words_analyzer()
# Stored sources are ASCII JSON that json.dumps wrote: decoded as text, without json.loads' sniffing.
_decode_json = json.JSONDecoder().raw_decode


class Layout:
    """The tantivy schema of one IndexDefinition and the documents that fit it."""

    def __init__(self, definition):
        self.definition = definition
        for field in definition.fields:
            if field.name in (ID, SOURCE) or TEXT_SUFFIX in field.name:
                raise ValueError(f"Index {definition.name}: {field.name!r} is reserved by tantivy's backend.")
        self.schema = self._build_schema()
        #: (tantivy field, boost) of each searchable field, read by every text query.
        self.text_fields = tuple((self.text_name(f.name), f.boost) for f in definition.searchable)

    @staticmethod
    def has_text(field):
        return field.searchable or field.autocomplete

    @staticmethod
    def has_exact(field):
        return field.filterable or field.facet or field.sortable

    @staticmethod
    def text_name(name):
        return name + TEXT_SUFFIX

    def _build_schema(self):
        builder = tantivy.SchemaBuilder()
        builder.add_text_field(ID, stored=True, tokenizer_name="raw")
        builder.add_bytes_field(SOURCE, stored=True)
        for field in self.definition.fields:
            if self.has_text(field):
                builder.add_text_field(self.text_name(field.name), tokenizer_name=WORDS_TOKENIZER)
            if not self.has_exact(field):
                continue
            if field.type in ("text", "keyword"):
                builder.add_text_field(field.name, fast=True, tokenizer_name="raw")
            elif field.type in ("int", "datetime"):
                builder.add_integer_field(field.name, indexed=True, fast=True)
            elif field.type == "float":
                builder.add_float_field(field.name, indexed=True, fast=True)
            else:
                builder.add_boolean_field(field.name, indexed=True, fast=True)
        return builder.build()

    def document(self, source):
        """The tantivy document for one checked search document (a dict with ``id``)."""
        document = tantivy.Document()
        document.add_text(ID, source[ID])
        try:
            document.add_bytes(SOURCE, json.dumps(source, cls=DjangoJSONEncoder).encode())
        except TypeError as e:
            raise InvalidQuery(f"Search document {source[ID]!r} is not JSON: {e}") from e
        for field in self.definition.fields:
            for value in values_of(source.get(field.name)):
                if self.has_text(field):
                    document.add_text(self.text_name(field.name), as_text(value))
                if self.has_exact(field):
                    self._add_exact(document, field, tantivy_value(field, value))
        return document

    @staticmethod
    def _add_exact(document, field, value):
        if field.type in ("text", "keyword"):
            document.add_text(field.name, value)
        elif field.type in ("int", "datetime"):
            document.add_integer(field.name, value)
        elif field.type == "float":
            document.add_float(field.name, value)
        else:
            document.add_boolean(field.name, value)

    @staticmethod
    def source(stored):
        """The original document from a stored tantivy document."""
        return _decode_json(stored.get_first(SOURCE).decode())[0]
