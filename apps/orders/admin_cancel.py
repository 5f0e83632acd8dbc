"""An operator cancels orders from the admin: a list action and a button on the order's page,
both through a confirmation page, then a Celery task per order runs the saga's compensation
(tasks.cancel_order). An order already failed or cancelled is refused with a message."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import ngettext

from .checkout import cancel_refusal, saga_run_of
from .tasks import cancel_order


class CancelOrdersMixin:
    cancel_confirmation_template = "admin/orders/order/cancel_confirmation.html"

    @admin.action(description="Cancel selected orders (runs the compensation)", permissions=["cancel"])
    def cancel_orders(self, request, queryset):
        orders = list(queryset.select_related("user"))
        if request.POST.get("confirmed") == "yes":
            self.queue_cancels(request, orders)
            return None
        return self.confirm_cancel(request, orders, post_url=None)

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.change_order")

    def get_urls(self):
        view = self.admin_site.admin_view(self.cancel_view)
        return [path("<path:object_id>/cancel/", view, name="orders_order_cancel"), *super().get_urls()]

    def cancel_view(self, request, object_id):
        """GET: the confirmation page for one order. POST (confirmed=yes): queue its cancel."""
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = reverse("admin:orders_order_change", args=[order.pk])
        if request.method == "POST" and request.POST.get("confirmed") == "yes":
            self.queue_cancels(request, [order])
            return HttpResponseRedirect(back)
        return self.confirm_cancel(request, [order], post_url=request.path) or HttpResponseRedirect(back)

    def confirm_cancel(self, request, orders, post_url):
        """The confirmation page, or None (with a message) when none of ``orders`` can be cancelled."""
        refusals = {order.pk: cancel_refusal(order, saga_run_of(order)) for order in orders}
        cancellable = [order for order in orders if not refusals[order.pk]]
        if not cancellable:
            self.report_refusals(request, refusals.values())
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel orders?" if len(cancellable) > 1 else f"Cancel order {cancellable[0].number}?",
            "opts": self.opts,
            "cancellable": cancellable,
            "left": [refusal for refusal in refusals.values() if refusal],
            "post_url": post_url,
            "back_url": reverse("admin:orders_order_change", args=[orders[0].pk]) if post_url
            else reverse("admin:orders_order_changelist"),
            "action_name": "cancel_orders",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.cancel_confirmation_template, context)

    def queue_cancels(self, request, orders):
        refusals = [(order, cancel_refusal(order, saga_run_of(order))) for order in orders]
        queued = [order for order, refusal in refusals if not refusal]
        reason = f"Cancelled by {request.user.get_username()} from the admin."
        for order in queued:
            cancel_order.delay(order.pk, reason)
        if queued:
            message = ngettext(
                "Order %(numbers)s is being cancelled: a task runs its compensation (stock given back, "
                "payment refunded, receipt deleted).",
                "%(count)d orders are being cancelled (%(numbers)s): a task runs each one's compensation "
                "(stock given back, payment refunded, receipt deleted).", len(queued),
            ) % {"count": len(queued), "numbers": ", ".join(order.number for order in queued)}
            self.message_user(request, message, messages.SUCCESS)
        self.report_refusals(request, [refusal for _order, refusal in refusals if refusal])

    def report_refusals(self, request, refusals):
        for refusal in refusals:
            if refusal:
                self.message_user(request, f"{refusal} Nothing was run.", messages.WARNING)
