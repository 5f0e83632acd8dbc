from django.apps import apps
from django.core import checks

from .search.index import model_field_or_none


@checks.register(checks.Tags.models)
def check_search_fields(app_configs=None, **kwargs):
    """A model's search_fields may only name fields (or attributes) the model has."""
    errors = []
    configs = app_configs or apps.get_app_configs()
    for config in configs:
        for model in config.get_models():
            for declared in getattr(model, "search_fields", ()):
                if model_field_or_none(model, declared.name) is None and not hasattr(model, declared.name):
                    errors.append(
                        checks.Error(
                            f"{model.__name__}.search_fields names {declared.name!r}, "
                            "which is not a field of the model.",
                            hint="Fix the name or add the field.",
                            obj=model,
                            id="stores.E001",
                        )
                    )
            if getattr(model, "search_fields", None) and not getattr(model, "search_index_name", None):
                errors.append(
                    checks.Error(
                        f"{model.__name__} declares search_fields but no search_index_name.",
                        obj=model,
                        id="stores.E002",
                    )
                )
    return errors
