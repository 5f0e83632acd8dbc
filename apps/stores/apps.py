from django.apps import AppConfig
from django.core.signals import setting_changed


def reset_stores(*, setting, **kwargs):
    if setting == "POLYGLOT_STORES":
        from . import stores

        stores.reset()
    if setting in ("POLYGLOT_STORES", "POLYGLOT_BREAKERS"):
        from .breaker import breakers

        breakers.reset()


class StoresConfig(AppConfig):
    name = "apps.stores"
    label = "stores"
    verbose_name = "Stores"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        setting_changed.connect(reset_stores, dispatch_uid="apps.stores.reset_stores")
