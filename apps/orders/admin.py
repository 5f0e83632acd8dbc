"""Orders in the admin, for operators: read-only (an order changes through its saga only),
searched through the staff order search index (SQL when it cannot answer), with each
order's lines, payment, receipt and checkout run's timeline, the orders that need an
operator at a glance, and a cancel that runs the compensation as a task."""
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.urls import reverse
from django.utils.html import format_html

from apps.stores.exceptions import InvalidQuery, Unavailable
from apps.sync.admin import ReadOnlyAdmin

from . import admin_runs, payments, staff_search
from .admin_cancel import CancelOrdersMixin
from .checkout import cancel_refusal, saga_run_of
from .models import Order, OrderLine, Purchase
from .receipts import receipt_link

# The badge's colour for each status (classes in static/admin/brand.css).
STATUS_TONES = {
    Order.Status.PENDING: "info", Order.Status.CONFIRMED: "good", Order.Status.FAILED: "bad",
    Order.Status.CANCELLING: "info", Order.Status.CANCELLED: "quiet", Order.Status.COMPENSATION_FAILED: "alarm",
}
RUN_PROBLEMS = {"stuck": "Run stuck", "compensation_failed": "Compensation failed"}
SEARCH_SOURCES = {
    "index": "Found by the staff order search index.",
    "index_capped": "Found by the staff order search index: its {max_hits} best matches only; "
                    "add words to narrow the search.",
    "sql": "The order search index could not answer: these results come from SQL (orders and their lines).",
}


def badge(text, tone):
    return format_html('<span class="badge badge-{}">{}</span>', tone, text)


class PaymentMethodFilter(admin.SimpleListFilter):
    title = "payment method"
    parameter_name = "payment_method"

    def lookups(self, request, model_admin):
        return payments.choices()

    def queryset(self, request, queryset):
        return queryset.filter(payment_method=self.value()) if self.value() else queryset


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product_name", "sku", "unit_price", "quantity", "subtotal")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(CancelOrdersMixin, ReadOnlyAdmin):
    list_display = ("number", "customer", "status_badge", "total", "payment", "created_at")
    list_filter = (admin_runs.NeedsOperatorFilter, "status", PaymentMethodFilter, "created_at")
    # Names for the search box only: get_search_results asks the order search index.
    search_fields = ("number", "customer", "products")
    search_help_text = "An order number (PS-000012), a customer's username or a product name."
    list_select_related = ("user",)
    list_per_page = 50
    inlines = [OrderLineInline]
    actions = ["cancel_orders"]
    fieldsets = [
        (None, {"fields": ("number", "customer", "status_badge", "reason", "total", "created_at",
                           "updated_at", "version")}),
        ("Payment", {"fields": ("payment_method_label", "payment_state", "payment_reference", "receipt")}),
    ]
    readonly_fields = ("number", "customer", "status_badge", "reason", "total", "created_at", "updated_at",
                       "version", "payment_method_label", "payment_state", "payment_reference", "receipt")

    def get_queryset(self, request):
        return admin_runs.with_run(super().get_queryset(request))

    @admin.display(description="number", ordering="pk")
    def number(self, order):
        return order.number

    @admin.display(description="customer", ordering="user__username")
    def customer(self, order):
        return order.customer

    @admin.display(description="status", ordering="status")
    def status_badge(self, order):
        status = badge(order.get_status_display(), STATUS_TONES.get(order.status, "quiet"))
        problem = admin_runs.run_problem(order)
        if problem:
            return format_html("{} {}", status, badge(RUN_PROBLEMS[problem], "alarm"))
        return status

    @admin.display(description="why it failed or was cancelled")
    def reason(self, order):
        return order.failure_reason or "—"

    @admin.display(description="payment method")
    def payment_method_label(self, order):
        return dict(payments.choices()).get(order.payment_method, order.payment_method)

    @admin.display(description="payment", ordering="payment_method")
    def payment(self, order):
        return f"{self.payment_method_label(order)} · {order.get_payment_state_display()}"

    @admin.display(description="receipt")
    def receipt(self, order):
        link = receipt_link(order)
        if link is None:
            return "No receipt (it is written when the order is confirmed, deleted when it is taken back)."
        return format_html('<a href="{}" target="_blank" rel="noopener">Open the receipt</a> '
                           '<span class="help">(a signed link that expires)</span>', link)

    def get_search_results(self, request, queryset, search_term):
        """Through the staff order search index; from SQL when that index cannot answer
        (the page says which answered)."""
        text = search_term.strip()
        if not text:
            return queryset, False
        try:
            ids = staff_search.order_ids_from_index(text)
        except (Unavailable, InvalidQuery):
            request.order_search_source = "sql"
            return queryset.filter(staff_search.sql_match(text)), False
        request.order_search_source = "index_capped" if len(ids) >= staff_search.MAX_HITS else "index"
        return queryset.filter(pk__in=ids), False

    def changelist_view(self, request, extra_context=None):
        counts = {name: admin_runs.needing_operator(Order.objects.all(), name).count()
                  for name in admin_runs.NEEDS_OPERATOR}
        response = super().changelist_view(request, extra_context={**(extra_context or {}), "needs_operator": [
            (name, label, counts[name]) for name, (label, _) in admin_runs.NEEDS_OPERATOR.items() if counts[name]]})
        if hasattr(response, "context_data"):
            source = getattr(request, "order_search_source", None)
            message = SEARCH_SOURCES.get(source)
            response.context_data["search_source"] = message and message.format(max_hits=staff_search.MAX_HITS)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if order is not None:
            run = saga_run_of(order)
            context.update(
                run=run,
                steps=list(run.steps.order_by("index")) if run else [],
                run_url=reverse("admin:sync_sagarun_change", args=[run.pk]) if run else None,
                run_problem=admin_runs.run_problem(order),
                can_cancel=self.has_cancel_permission(request) and cancel_refusal(order, run) is None,
            )
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    """Who bought what (the graph's "bought" edges come from these rows): read only."""

    list_display = ("user", "product", "orders", "last_bought_at")
    list_select_related = ("user", "product")
    search_fields = ("user__username", "product__name", "product__sku")
    ordering = ("-last_bought_at",)
