from django.contrib import admin, messages

from . import maintenance
from .lag import projection_lag
from .models import Delivery, OutboxEvent, SagaRun, SagaStep


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the sync machinery only; operators look and redrive."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "aggregatetype", "aggregateid", "type", "version", "created_at")
    list_filter = ("aggregatetype", "type")
    search_fields = ("aggregateid",)
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Deliveries per projection, with the lag of each projection above the list."""

    list_display = ("event_id", "projection", "status", "outcome", "attempts", "next_attempt_at", "short_error")
    list_filter = ("status", "projection")
    search_fields = ("event__aggregateid", "last_error")
    list_select_related = ("event",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["redrive"]

    @admin.display(description="last error")
    def short_error(self, delivery):
        return (delivery.last_error[:80] + "…") if len(delivery.last_error) > 80 else delivery.last_error

    @admin.action(description="Redrive selected failed or dead deliveries", permissions=["redrive"])
    def redrive(self, request, queryset):
        count = maintenance.redrive(queryset)
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)

    def has_redrive_permission(self, request):
        return request.user.has_perm("sync.change_delivery") or request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "projection_lag": sorted(projection_lag().items())}
        return super().changelist_view(request, extra_context=extra_context)


class SagaStepInline(admin.TabularInline):
    model = SagaStep
    fields = ("index", "name", "state", "attempts", "undo_attempts", "last_error", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SagaRun)
class SagaRunAdmin(ReadOnlyAdmin):
    """Saga runs with each step's timeline; failed compensations are the ones to look at."""

    list_display = ("saga", "key", "state", "created_at", "updated_at")
    list_filter = ("state", "saga")
    search_fields = ("key", "=id")
    readonly_fields = ("id", "saga", "key", "state", "context", "error", "lease_until", "created_at", "updated_at")
    inlines = [SagaStepInline]

    def has_delete_permission(self, request, obj=None):
        return False
