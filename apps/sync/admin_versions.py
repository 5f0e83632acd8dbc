"""The admin refuses to overwrite a newer version of an outboxed record, and says so."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError


class VersionCheckForm(forms.ModelForm):
    """Carries the version the operator opened; clean() compares it with the row, locked.

    The admin's change view runs the form and the save in one transaction, so
    the row lock taken here holds until the save.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        name = self.instance._meta.verbose_name
        rows = type(self.instance)._base_manager.select_for_update().filter(pk=self.instance.pk)
        current = rows.values_list("version", flat=True).first()
        if current is None:
            raise ValidationError(
                f"This {name} was deleted by someone else after you opened it. Nothing was saved.",
                code="deleted",
            )
        expected = cleaned.get("expected_version")
        if expected is not None and current != expected:
            raise ValidationError(
                f"Someone else saved this {name} after you opened it (you opened version {expected}; "
                f"it is now at version {current}). Nothing was saved: reload the page to see their "
                "change, then make yours again.",
                code="stale",
            )
        return cleaned


class VersionedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin for OutboxedModel records: stale saves are refused with a form error."""

    form = VersionCheckForm

    def save_model(self, request, obj, form, change):
        obj.save(expected_version=form.cleaned_data.get("expected_version") if change else None)
