from django.contrib import admin

from .models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """The outbox, read-only: events are written by the changes they announce."""

    list_display = ("sequence", "aggregatetype", "aggregateid", "type", "version", "created_at")
    list_filter = ("aggregatetype", "type")
    search_fields = ("aggregateid",)
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
