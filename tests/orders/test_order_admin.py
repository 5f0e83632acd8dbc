"""Orders in the admin, for operators: the list (search through the order search index, SQL
when it cannot answer; filters; stuck and failed runs at a glance), the order's page with
its lines, payment, receipt and checkout timeline, and a cancel that runs the compensation
as a task (in-process here; test_order_admin_services.py runs the same on the services)."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.orders import staff_search
from apps.orders.checkout import checkout, saga_run_of
from apps.orders.models import Order, Purchase
from apps.sync.models import SagaRun
from tests.catalog.document_records import deliver_pending
from tests.orders.shop import cart_with, holds, receipt_stored, shopper, stock_of, stocked

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "admin:orders_order_changelist"
# Nothing listens on the discard port: every call to this search service fails to connect.
UNREACHABLE_SEARCH = {"BACKEND": "apps.stores.search.azure.AzureSearchBackend",
                      "OPTIONS": {"endpoint": "https://127.0.0.1:9", "key": "unused", "retries": 0, "timeout": 1}}


def place(user, *products_and_quantities, payment="on_delivery", key=None):
    return checkout(user, cart_with(user, *products_and_quantities), payment_method_code=payment,
                    key=key or f"admin-test-{user.pk}-{Order.objects.count()}")


def shown(response):
    return [order.number for order in response.context["cl"].result_list]


def actions_of(response):
    form = response.context["action_form"]  # None when the user may run no action
    return [choice[0] for choice in form.fields["action"].choices] if form else []


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def cancel_action(client, *orders, confirmed=True):
    data = {"action": "cancel_orders", "_selected_action": [order.pk for order in orders]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse(CHANGELIST), data, follow=confirmed)


@pytest.fixture
def two_orders(clean_stores):
    ada, bob = shopper("ada"), shopper("bob")
    lamp, desk = stocked(5, name="Brass lamp", price="20.00"), stocked(5, name="Oak desk", price="100.00")
    orders = place(ada, (lamp, 1)), place(bob, (desk, 1), payment="test")
    deliver_pending()  # into the order search index (in embedded it is there already)
    return orders


def test_the_list_shows_what_an_operator_reads_with_a_status_badge(admin_client, two_orders):
    lamp_order, desk_order = two_orders

    response = admin_client.get(reverse(CHANGELIST))

    assert shown(response) == [desk_order.number, lamp_order.number], "newest first"
    page = response.content.decode()
    assert '<span class="badge badge-good">Confirmed</span>' in page
    assert "Test payment · Paid" in page and "bob" in page
    assert "delete_selected" not in actions_of(response) and "cancel_orders" in actions_of(response)
    change = reverse("admin:orders_order_change", args=[lamp_order.pk])
    assert admin_client.get(reverse("admin:orders_order_delete", args=[lamp_order.pk])).status_code == 403
    assert admin_client.post(change, {"status": "cancelled", "total": "0"}).status_code == 403
    assert Order.objects.get(pk=lamp_order.pk).status == "confirmed"


@pytest.mark.parametrize("text, finds", [("bob", "desk"), ("brass lamp", "lamp"), ("oak", "desk")])
def test_search_by_customer_or_product_goes_through_the_order_search_index(admin_client, two_orders, text, finds):
    lamp_order, desk_order = two_orders
    expected = {"lamp": lamp_order, "desk": desk_order}[finds]

    response = admin_client.get(reverse(CHANGELIST), {"q": text})

    assert shown(response) == [expected.number]
    assert "Found by the staff order search index." in response.content.decode()


def test_a_search_with_more_hits_than_the_list_takes_says_so(admin_client, two_orders, monkeypatch):
    lamp_order, _ = two_orders
    again = place(lamp_order.user, (lamp_order.lines.get().product, 1))
    deliver_pending()
    monkeypatch.setattr(staff_search, "MAX_HITS", 1)

    response = admin_client.get(reverse(CHANGELIST), {"q": "ada"})

    assert len(shown(response)) == 1 and shown(response)[0] in (lamp_order.number, again.number)
    assert "its 1 best matches only" in response.content.decode()


def test_search_by_order_number_finds_that_order(admin_client, two_orders):
    lamp_order, _ = two_orders

    response = admin_client.get(reverse(CHANGELIST), {"q": lamp_order.number})

    assert shown(response) == [lamp_order.number]


def test_with_the_search_index_unreachable_the_search_comes_from_sql_and_says_so(admin_client, two_orders, settings):
    lamp_order, desk_order = two_orders
    settings.POLYGLOT_STORES = {**settings.POLYGLOT_STORES, "search": UNREACHABLE_SEARCH}

    by_product = admin_client.get(reverse(CHANGELIST), {"q": "brass"})
    by_number = admin_client.get(reverse(CHANGELIST), {"q": str(desk_order.pk)})
    long_text = admin_client.get(reverse(CHANGELIST), {"q": "brass " * 3_000})

    assert by_product.status_code == 200 and shown(by_product) == [lamp_order.number]
    assert "these results come from SQL" in by_product.content.decode()
    assert shown(by_number) == [desk_order.number]
    assert shown(long_text) == [lamp_order.number], "the first words count, and the page answers"


@pytest.mark.parametrize("text", ["x" * 20_000, "zzz " * 3_000, "' OR 1=1 --", "PS-" + "9" * 30, "PS-999999999999",
                                  "%_%"])
def test_odd_search_text_answers_a_page_not_an_error(admin_client, two_orders, text):
    response = admin_client.get(reverse(CHANGELIST), {"q": text})

    assert response.status_code == 200
    assert shown(response) == []


def test_a_search_with_a_nul_character_answers_the_list(admin_client, two_orders):
    response = admin_client.get(reverse(CHANGELIST), {"q": "ada\x00"})

    assert response.status_code == 200  # the admin's search form refuses the text and lists every order
    assert len(shown(response)) == 2


def test_the_list_filters_by_status_payment_method_and_created_date(admin_client, two_orders):
    lamp_order, desk_order = two_orders
    Order.objects.filter(pk=lamp_order.pk).update(created_at=timezone.now() - timedelta(days=40))

    by_payment = admin_client.get(reverse(CHANGELIST), {"payment_method": "test"})
    by_status = admin_client.get(reverse(CHANGELIST), {"status__exact": "confirmed"})
    recent = admin_client.get(reverse(CHANGELIST), {
        "created_at__gte": str(timezone.now() - timedelta(days=7))})

    assert shown(by_payment) == [desk_order.number]
    assert shown(by_status) == [desk_order.number, lamp_order.number]
    assert shown(recent) == [desk_order.number]


def test_stuck_and_compensation_failed_orders_are_seen_at_a_glance(admin_client, two_orders, settings):
    lamp_order, desk_order = two_orders
    SagaRun.objects.filter(pk=saga_run_of(lamp_order).pk).update(state="running", lease_until=None)  # runner died
    settings.ORDERS_TEST_PAYMENT_OUTCOME = "refund_error"
    cancel_action(admin_client, desk_order)  # the refund fails: compensation_failed

    everything = admin_client.get(reverse(CHANGELIST))
    stuck = admin_client.get(reverse(CHANGELIST), {"needs": "stuck"})
    failed = admin_client.get(reverse(CHANGELIST), {"needs": "compensation_failed"})
    either = admin_client.get(reverse(CHANGELIST), {"needs": "any"})

    page = everything.content.decode()
    assert "Stuck (its run stopped): 1" in page and "Compensation failed: 1" in page
    assert '<span class="badge badge-alarm">Run stuck</span>' in page
    assert shown(stuck) == [lamp_order.number]
    assert shown(failed) == [desk_order.number]
    assert shown(either) == [desk_order.number, lamp_order.number]


def test_a_run_whose_lease_is_still_held_is_not_stuck(admin_client, two_orders):
    lamp_order, _ = two_orders
    SagaRun.objects.filter(pk=saga_run_of(lamp_order).pk).update(
        state="running", lease_until=timezone.now() + timedelta(minutes=5))

    assert shown(admin_client.get(reverse(CHANGELIST), {"needs": "stuck"})) == []


def test_the_admin_refuses_anyone_not_staff(client, django_user_model, two_orders):
    lamp_order, _ = two_orders
    client.force_login(django_user_model.objects.create_user("shopper", password="x" * 12))

    for url in (reverse(CHANGELIST), reverse("admin:orders_order_change", args=[lamp_order.pk]),
                reverse("admin:orders_order_cancel", args=[lamp_order.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    response = client.post(reverse(CHANGELIST), {"action": "cancel_orders", "confirmed": "yes",
                                                 "_selected_action": [lamp_order.pk]})
    assert response.status_code == 302
    assert Order.objects.get(pk=lamp_order.pk).status == "confirmed"


def test_staff_without_the_change_permission_see_orders_but_cannot_cancel(client, django_user_model, two_orders):
    lamp_order, _ = two_orders
    clerk = django_user_model.objects.create_user("clerk", password="x" * 12, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(clerk)

    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200 and "cancel_orders" not in actions_of(listing)
    assert client.get(reverse("admin:orders_order_cancel", args=[lamp_order.pk])).status_code == 403
    assert "Cancel order" not in client.get(reverse("admin:orders_order_change", args=[lamp_order.pk])).content.decode()


def test_cancelling_from_the_list_asks_first_then_runs_the_compensation(admin_client, clean_stores):
    ada, lamp = shopper(), stocked(5, name="Brass lamp")
    order = place(ada, (lamp, 2), payment="test")

    confirm = cancel_action(admin_client, order, confirmed=False)
    assert confirm.status_code == 200 and "Cancelling runs the checkout's compensation" in confirm.content.decode()
    assert Order.objects.get(pk=order.pk).status == "confirmed", "nothing runs before the operator confirms"

    response = cancel_action(admin_client, order)

    assert messages_of(response) == [
        f"Order {order.number} is being cancelled: a task runs its compensation (stock given back, payment refunded, "
        "receipt deleted)."]
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.failure_reason) == (
        "cancelled", "refunded", "Cancelled by admin from the admin.")
    assert (stock_of(lamp), holds(lamp), receipt_stored(order)) == (5, {}, False)
    assert Purchase.objects.get(user=ada, product=lamp).orders == 0


@override_settings(ORDERS_TEST_PAYMENT_OUTCOME="decline")
def test_a_failed_or_cancelled_order_is_refused_with_a_message_and_nothing_runs(admin_client, clean_stores):
    lamp = stocked(5)
    failed = place(shopper("ada"), (lamp, 1), payment="test")
    cancelled = place(shopper("bob"), (lamp, 1))
    cancel_action(admin_client, cancelled)
    runs_before = {run.pk: (run.state, run.updated_at) for run in SagaRun.objects.all()}

    confirm = cancel_action(admin_client, failed, Order.objects.get(pk=cancelled.pk), confirmed=False)

    assert confirm.status_code == 302, "no confirmation page when nothing can be cancelled"
    listing = admin_client.get(confirm["Location"])
    assert sorted(messages_of(listing)) == sorted([
        f"Order {failed.number} is failed already. Nothing was run.",
        f"Order {cancelled.number} is cancelled already. Nothing was run."])
    response = cancel_action(admin_client, failed)  # a confirmed post of a stale page
    assert messages_of(response) == [f"Order {failed.number} is failed already. Nothing was run."]
    assert {run.pk: (run.state, run.updated_at) for run in SagaRun.objects.all()} == runs_before


def test_the_order_page_shows_lines_payment_receipt_and_each_step_of_the_timeline(admin_client, clean_stores):
    lamp = stocked(5, name="Brass lamp", price="20.00")
    order = place(shopper(), (lamp, 2), payment="test")

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "Brass lamp" in page and "40.00" in page and "Test payment" in page
    assert "Open the receipt" in page
    run = saga_run_of(order)
    assert reverse("admin:sync_sagarun_change", args=[run.pk]) in page
    for step in ("1. reserve", "2. pay", "3. receipt", "4. confirm"):
        assert step in page
    assert page.count('<span class="badge badge-step-done">Done</span>') == 4
    assert 'name="_save"' not in page and '<input type="text"' not in page, "nothing to edit"
    assert reverse("admin:orders_order_cancel", args=[order.pk]) in page


@override_settings(ORDERS_TEST_PAYMENT_OUTCOME="error")
def test_the_timeline_shows_a_failed_steps_attempts_and_error(admin_client, clean_stores):
    order = place(shopper(), (stocked(5), 1), payment="test")

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "Compensated" in page
    assert '<span class="badge badge-step-failed">Failed</span>' in page
    assert "The test payment provider did not answer." in page
    assert '<span class="badge badge-step-undone">Undone</span>' in page
    assert reverse("admin:orders_order_cancel", args=[order.pk]) not in page, "a failed order offers no cancel"


def test_the_cancel_button_asks_then_cancels_the_order(admin_client, clean_stores):
    lamp = stocked(5)
    order = place(shopper(), (lamp, 1))
    url = reverse("admin:orders_order_cancel", args=[order.pk])

    confirm = admin_client.get(url)
    assert f"Cancel order {order.number}?" in confirm.content.decode()
    response = admin_client.post(url, {"confirmed": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:orders_order_change", args=[order.pk])
    assert Order.objects.get(pk=order.pk).status == "cancelled" and stock_of(lamp) == 5
    assert "Cancelled" in response.content.decode()
    again = admin_client.get(url, follow=True)
    assert messages_of(again) == [f"Order {order.number} is cancelled already. Nothing was run."]


def test_an_unknown_order_is_a_redirect_with_a_message_not_an_error(admin_client, clean_stores):
    for object_id in ("999999", "not-a-number"):
        response = admin_client.get(reverse("admin:orders_order_cancel", args=[object_id]))
        assert response.status_code == 302


def test_purchases_are_listed_read_only(admin_client, clean_stores):
    ada, lamp = shopper(), stocked(5, name="Brass lamp")
    place(ada, (lamp, 1))

    response = admin_client.get(reverse("admin:orders_purchase_changelist"), {"q": "brass"})

    purchase = Purchase.objects.get()
    assert list(response.context["cl"].result_list) == [purchase]
    assert admin_client.get(reverse("admin:orders_purchase_add")).status_code == 403
    assert admin_client.get(reverse("admin:orders_purchase_delete", args=[purchase.pk])).status_code == 403
