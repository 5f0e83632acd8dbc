"""An operator cancels an order at 1280 px (issue 17, point 7): finds it by the customer's
name, opens it, reads its checkout timeline, cancels it through the confirmation page and
sees it cancelled, its stock given back."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.orders.checkout import checkout
from apps.sync.models import SagaRun
from tests.orders.shop import cart_with, shopper, stock_of, stocked


@pytest.fixture
def olga(transactional_db):
    return get_user_model().objects.create_superuser("olga", "olga@example.com", "a-long-Passphrase-42")


def test_an_operator_finds_an_order_by_customer_reads_its_timeline_and_cancels_it(operator, olga, clean_stores):
    lamp, desk = stocked(5, name="Brass lamp", price="20.00"), stocked(5, name="Oak desk", price="100.00")
    grace, other = shopper("grace"), shopper("henry")
    order = checkout(grace, cart_with(grace, (lamp, 2)), payment_method_code="test", key="browser-order-0001")
    checkout(other, cart_with(other, (desk, 1)), payment_method_code="on_delivery", key="browser-order-0002")
    operator.sign_in_as(olga)
    page = operator.page

    operator.open("/admin/orders/order/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#searchbar").fill("grace")
    operator.arrive(lambda: page.locator("#searchbar").press("Enter"))
    expect(page.locator(".search-source")).to_have_text("Found by the staff order search index.")
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Confirmed")
    operator.follow(row.get_by_role("link", name=order.number, exact=True))

    timeline = page.locator(".saga-timeline")
    expect(timeline.locator("tbody tr")).to_have_count(4)
    expect(timeline.locator("tbody tr").nth(1)).to_contain_text("2. pay")
    expect(timeline.locator("tbody tr .badge")).to_have_text(["Done"] * 4)
    expect(page.locator(".field-receipt a")).to_have_text("Open the receipt")
    expect(page.locator(".field-product_name").first).to_have_text("Brass lamp")

    operator.follow(page.get_by_role("link", name="Cancel order"))
    expect(page.locator("h1")).to_have_text(f"Cancel order {order.number}?")
    operator.follow(page.get_by_role("button", name="Yes, cancel the order"))

    expect(page.locator(".messagelist")).to_contain_text(f"Order {order.number} is being cancelled")
    expect(page.locator(".field-status_badge .badge")).to_have_text("Cancelled")
    expect(timeline.locator("tbody tr .badge")).to_have_text(["Undone"] * 4)
    expect(page.get_by_role("link", name="Cancel order")).to_have_count(0)
    assert stock_of(lamp) == 5
    operator.follow(page.locator(".breadcrumbs").get_by_role("link", name="Orders", exact=True).last)
    expect(page.locator("#result_list tbody tr").filter(has_text=order.number).locator(".badge")).to_have_text(
        "Cancelled")
    assert operator.page_width() <= 1280


def test_an_operator_sees_the_orders_that_need_them_and_reads_a_failed_steps_error(operator, olga, clean_stores,
                                                                                    settings):
    lamp = stocked(5, name="Brass lamp", price="20.00")
    grace, henry = shopper("grace"), shopper("henry")
    settings.ORDERS_TEST_PAYMENT_OUTCOME = "error"
    failed = checkout(grace, cart_with(grace, (lamp, 1)), payment_method_code="test", key="browser-order-0003")
    settings.ORDERS_TEST_PAYMENT_OUTCOME = "approve"
    stuck = checkout(henry, cart_with(henry, (lamp, 1)), payment_method_code="test", key="browser-order-0004")
    SagaRun.objects.filter(key=f"order-{stuck.pk}").update(state="running", lease_until=None)  # its runner died
    operator.sign_in_as(olga)
    page = operator.page

    operator.open("/admin/orders/order/")
    expect(page.locator(".needs-operator")).to_contain_text("Stuck (its run stopped): 1")
    operator.follow(page.locator(".needs-operator").get_by_role("link"))
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge-alarm")).to_have_text("Run stuck")

    operator.open(f"/admin/orders/order/{failed.pk}/change/")
    pay = page.locator(".saga-timeline tbody tr").nth(1)
    expect(pay.locator(".badge")).to_have_text("Failed")
    expect(pay.locator(".last-error")).to_contain_text("The test payment provider did not answer.")
    expect(page.get_by_role("link", name="Cancel order")).to_have_count(0)
    assert operator.page_width() <= 1280
