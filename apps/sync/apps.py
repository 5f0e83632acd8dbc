from django.apps import AppConfig
from django.db.models.signals import post_delete


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Sync (outbox and projections)"

    def ready(self):
        from .receivers import emit_deleted_event

        post_delete.connect(emit_deleted_event, dispatch_uid="apps.sync.emit_deleted_event")
