"""The admin's attributes form: one field per property of the category's schema.

The fields give the operator the right widget and the first checks; the
whole schema (patterns, bounds, required properties) is then checked with
jsonschema in clean(), so a value the fields let through but the schema
refuses is a form error and nothing is written.
"""
from django import forms
from django.core.exceptions import ValidationError

from .attributes import properties_of, validate_attributes

UNSET = ""


def _enum_field(spec, required, label):
    values = {str(value): value for value in spec["enum"]}
    choices = [(key, key) for key in values]
    if not required:
        choices = [(UNSET, "—"), *choices]
    return forms.TypedChoiceField(choices=choices, required=required, label=label, coerce=values.get,
                                  empty_value=None, help_text=spec.get("description", ""))


def field_for(name, spec, required):
    """The form field for one property of the schema."""
    label = spec.get("title") or name.replace("_", " ").capitalize()
    help_text = spec.get("description", "")
    if "enum" in spec:
        return _enum_field(spec, required, label)
    kind = spec["type"]
    if kind == "boolean":
        return forms.NullBooleanField(required=False, label=label, help_text=help_text)
    if kind == "integer":
        return forms.IntegerField(required=required, label=label, help_text=help_text,
                                  min_value=spec.get("minimum"), max_value=spec.get("maximum"))
    if kind == "number":
        return forms.FloatField(required=required, label=label, help_text=help_text,
                                min_value=spec.get("minimum"), max_value=spec.get("maximum"))
    return forms.CharField(required=required, label=label, help_text=help_text,
                           max_length=spec.get("maxLength", 1000), min_length=spec.get("minLength"))


class AttributesForm(forms.Form):
    """Attributes of one product, built from its category's ``attribute_schema``."""

    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, schema, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema or {}
        required = set(self.schema.get("required", ()))
        for name, spec in properties_of(self.schema).items():
            self.fields[name] = field_for(name, spec, name in required)

    def clean(self):
        cleaned = super().clean()
        attributes = {name: cleaned[name] for name in properties_of(self.schema)
                      if cleaned.get(name) not in (None, UNSET)}
        try:
            self.attributes = validate_attributes(self.schema, attributes)
        except ValidationError as error:
            by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            for field, messages in by_field.items():
                if field not in self.errors:  # a field that failed already says why
                    self.add_error(None if field == "__all__" else field, messages)
        return cleaned
