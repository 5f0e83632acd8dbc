"""seed_demo places the demo's orders through the real checkout: confirmed orders with
receipts, and the purchases that feed "also bought"; a second run adds none."""
import pytest
from django.core.management import call_command

from apps.catalog.models import Product
from apps.catalog.page import find_also_bought
from apps.orders.models import Order, Purchase
from apps.stores import stores

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_places_confirmed_orders_that_feed_also_bought(clean_stores):
    call_command("seed_demo", products=24, shoppers=8, pictures=False, verbosity=0)

    orders = Order.objects.all()
    assert orders.count() >= 8
    assert set(orders.values_list("status", flat=True)) == {"confirmed"}
    assert all(order.receipt_name for order in orders)
    assert Purchase.objects.filter(orders__gt=0).count() >= 8
    edges = list(stores["graph"].scan_edges("bought"))
    assert len(edges) == Purchase.objects.filter(orders__gt=0).count()
    assert any(find_also_bought(product) for product in Product.objects.all()), "someone bought two things"

    call_command("seed_demo", products=24, shoppers=8, pictures=False, verbosity=0)
    assert Order.objects.count() == orders.count()
