"""The system check on models' search_fields: stores.E001 and stores.E002."""
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from apps.stores.checks import check_search_fields
from apps.stores.search import index


def errors_for(isolated):
    return check_search_fields(app_configs=[isolated.get_app_config("stores")])


def test_the_projects_own_models_declare_only_fields_they_have():
    assert [e for e in checks.run_checks(tags=[checks.Tags.models]) if e.id.startswith("stores.")] == []


def test_a_declared_field_the_model_lacks_is_reported_as_e001():
    with isolate_apps("apps.stores") as isolated:

        class Gadget(models.Model):
            name = models.CharField(max_length=50)
            search_index_name = "gadgets"
            search_fields = [index.SearchField("name"), index.FilterField("colour", facet=True)]

            class Meta:
                app_label = "stores"

        errors = errors_for(isolated)

    assert [(e.id, e.obj) for e in errors] == [("stores.E001", Gadget)]
    assert "'colour'" in errors[0].msg and "Gadget" in errors[0].msg


def test_an_attribute_of_the_model_counts_as_a_field():
    with isolate_apps("apps.stores") as isolated:

        class Gadget(models.Model):
            name = models.CharField(max_length=50)
            search_index_name = "gadgets"
            search_fields = [index.SearchField("label")]

            class Meta:
                app_label = "stores"

            @property
            def label(self):
                return self.name.title()

        assert errors_for(isolated) == []


def test_search_fields_without_an_index_name_are_reported_as_e002():
    with isolate_apps("apps.stores") as isolated:

        class Gadget(models.Model):
            name = models.CharField(max_length=50)
            search_fields = [index.SearchField("name")]

            class Meta:
                app_label = "stores"

        assert [e.id for e in errors_for(isolated)] == ["stores.E002"]
