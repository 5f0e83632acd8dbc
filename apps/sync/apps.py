from django.apps import AppConfig
from django.db.models.signals import post_delete, pre_delete


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Sync (outbox and projections)"

    def ready(self):
        from .receivers import announce_parent_of_deleted_row, claim_delete_version, emit_deleted_event

        pre_delete.connect(claim_delete_version, dispatch_uid="apps.sync.claim_delete_version")
        post_delete.connect(emit_deleted_event, dispatch_uid="apps.sync.emit_deleted_event")
        post_delete.connect(announce_parent_of_deleted_row, dispatch_uid="apps.sync.announce_parent_of_deleted_row")
