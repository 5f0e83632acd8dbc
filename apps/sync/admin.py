from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.utils.translation import ngettext

from apps.stores.health import store_health

from . import redrive
from .data_map import data_map
from .homes import SQLHome
from .lag import projection_lag
from .maintenance_runs import RunRefused
from .models import Delivery, MaintenanceRun, OutboxEvent, SagaRun, SagaStep
from .projectors import registry
from .tasks import advance_saga, compensate_saga, start_maintenance


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the sync machinery only; operators look and redrive, and nothing
    here can be deleted: an event or delivery removed by hand is a change lost."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AgeFilter(admin.SimpleListFilter):
    """How long ago the row was written."""

    title = "age"
    parameter_name = "age"
    field = "created_at"
    AGES = {"hour": ("Last hour", timedelta(hours=1)), "day": ("Last 24 hours", timedelta(days=1)),
            "week": ("Last 7 days", timedelta(days=7))}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.AGES.items()] + [("older", "Older than 7 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in self.AGES:
            return queryset.filter(**{f"{self.field}__gte": now - self.AGES[self.value()][1]})
        if self.value() == "older":
            return queryset.filter(**{f"{self.field}__lt": now - self.AGES["week"][1]})
        return queryset


def record_link(aggregatetype, aggregateid):
    """The record an event concerns ("product 31", the full type in its title), linked to its
    admin page when its home is a model the admin shows."""
    label = f"{aggregatetype.rsplit('.', 1)[-1]} {aggregateid}"
    for projector in registry.for_type(aggregatetype):
        if isinstance(projector.home, SQLHome):
            meta = projector.home.model._meta
            try:
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[aggregateid])
            except NoReverseMatch:
                break
            return format_html('<a href="{}" title="{} {}">{}</a>', url, aggregatetype, aggregateid, label)
    return format_html('<span title="{} {}">{}</span>', aggregatetype, aggregateid, label)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Events newest first, each with the record it concerns."""

    list_display = ("sequence", "record", "type", "version", "created_at")
    list_filter = ("aggregatetype", "type", AgeFilter)
    search_fields = ("=aggregateid",)
    ordering = ("-sequence",)
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    @admin.display(description="record", ordering="aggregateid")
    def record(self, event):
        return record_link(event.aggregatetype, event.aggregateid)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Deliveries newest first, each with the record it concerns, and the lag of each
    projection above the list. The columns fit 1280 px; the whole error is on the row's page."""

    list_display = ("event_id", "record", "projection", "status", "attempts", "next_try", "short_error")
    list_display_links = ("event_id",)
    list_filter = ("status", "projection", AgeFilter)
    search_fields = ("=event__aggregateid", "last_error")
    list_select_related = ("event",)
    ordering = ("-event_id", "projection")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["redrive"]

    @admin.display(description="record", ordering="event__aggregateid")
    def record(self, delivery):
        return record_link(delivery.event.aggregatetype, delivery.event.aggregateid)

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, delivery):
        if delivery.status != Delivery.Status.FAILED:
            return "—"
        if delivery.next_attempt_at <= timezone.now():
            return "due now"
        return f"in {timeuntil(delivery.next_attempt_at)}"

    @admin.display(description="last error")
    def short_error(self, delivery):
        return (delivery.last_error[:60] + "…") if len(delivery.last_error) > 60 else delivery.last_error

    @admin.action(description="Redrive selected failed or dead deliveries", permissions=["redrive"])
    def redrive(self, request, queryset):
        chosen = queryset.count()
        count = redrive.redrive(queryset)
        if not count:
            self.message_user(
                request, "Nothing was redriven: only failed or dead deliveries can be redriven.", messages.WARNING
            )
            return
        message = ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        skipped = chosen - count
        if skipped:
            message += " " + ngettext(
                "%(skipped)d was not failed or dead and was left as it was.",
                "%(skipped)d were not failed or dead and were left as they were.", skipped,
            )
        self.message_user(request, message % {"count": count, "skipped": skipped}, messages.SUCCESS)

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
    actions = ["resume", "compensate"]

    @admin.action(description="Resume selected runs (carry on forward or back)", permissions=["operate"])
    def resume(self, request, queryset):
        chosen = list(queryset.values_list("pk", "state"))
        runs = [pk for pk, state in chosen if state in (SagaRun.State.RUNNING, SagaRun.State.COMPENSATING)]
        for run in runs:
            advance_saga.delay(str(run))
        self.report(request, runs, chosen, "queued to resume", "is not running or compensating")

    @admin.action(description="Compensate selected runs (or retry a failed compensation)", permissions=["operate"])
    def compensate(self, request, queryset):
        chosen = list(queryset.values_list("pk", "state"))
        takeable = (SagaRun.State.RUNNING, SagaRun.State.COMPLETED, SagaRun.State.COMPENSATION_FAILED)
        runs = [pk for pk, state in chosen if state in takeable]
        for run in runs:
            compensate_saga.delay(str(run), f"Compensated by {request.user} from the admin.")
        self.report(request, runs, chosen, "queued to compensate", "cannot be compensated (already compensating or compensated)")

    def report(self, request, runs, chosen, done, refused):
        skipped = len(chosen) - len(runs)
        if not runs:
            self.message_user(request, f"Nothing was queued: each selected run {refused}.", messages.WARNING)
            return
        message = ngettext("%(count)d run %(done)s.", "%(count)d runs %(done)s.", len(runs)) % {
            "count": len(runs), "done": done}
        if skipped:
            message += " " + ngettext("%(n)d was left as it was.", "%(n)d were left as they were.", skipped) % {
                "n": skipped}
        self.message_user(request, message, messages.SUCCESS)

    def has_operate_permission(self, request):
        return request.user.has_perm("sync.change_sagarun")


@admin.register(MaintenanceRun)
class MaintenanceRunAdmin(ReadOnlyAdmin):
    """Rebuilds, replays and reconciles operators started, with their progress and result;
    the data map (at data-map/) starts them."""

    list_display = ("projection", "action", "state", "progress", "created_at", "finished_at", "requested_by")
    list_filter = ("state", "action", "projection")
    readonly_fields = ("id", "action", "projection", "state", "since", "done_count", "total", "result", "error",
                       "requested_by", "created_at", "started_at", "finished_at")

    @admin.display(description="progress")
    def progress(self, run):
        if run.percent is None:
            return f"{run.done_count:,} done"
        return format_html('<progress max="100" value="{}">{} %</progress> {} %', run.percent, run.percent,
                           run.percent)

    def get_urls(self):
        view = self.admin_site.admin_view(self.data_map_view)
        return [path("data-map/", view, name="sync_data_map"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        active = MaintenanceRun.objects.filter(state__in=MaintenanceRun.ACTIVE).exists()
        return super().changelist_view(request, extra_context={**(extra_context or {}), "refresh": active})

    def data_map_view(self, request):
        """GET: the data map. POST (action, projection): start a run, then back to the map."""
        if not request.user.has_perm("sync.view_maintenancerun"):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_run_permission(request):
                raise PermissionDenied
            self.start_run(request)
            return HttpResponseRedirect(reverse("admin:sync_data_map"))
        runs = MaintenanceRun.objects.select_related("requested_by")[:10]
        context = {
            **self.admin_site.each_context(request),
            "title": "Data map",
            "kinds": data_map(),
            "stores": store_health(),
            "runs": runs,
            "actions": MaintenanceRun.Action.choices,
            "can_run": self.has_run_permission(request),
            "refresh": any(run.state in MaintenanceRun.ACTIVE for run in runs),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/sync/data_map.html", context)

    def start_run(self, request):
        action, projection = request.POST.get("action", ""), request.POST.get("projection", "")
        try:
            run = start_maintenance(action, projection, user=request.user)
        except RunRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, f"{run.get_action_display()} of {projection} started.", messages.SUCCESS)

    def has_run_permission(self, request):
        return request.user.has_perm("sync.add_maintenancerun")
