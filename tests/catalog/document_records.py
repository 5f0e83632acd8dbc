"""Helpers for the tests of records whose home is the document store (reviews, stock, attributes)."""
from apps.sync import relay
from apps.sync.models import Delivery


def deliver_pending():
    """Deliver every waiting delivery now: the embedded profile has already (its tasks run
    in-process); in the services profile no worker runs beside these tests."""
    ids = list(Delivery.objects.filter(status__in=relay.DUE).order_by("event_id").values_list("pk", flat=True))
    relay.deliver_batch(ids)


def search_entry(stores, product):
    """The product's entry in the products index, as stored."""
    for aggregateid, document in stores["search"].scan("products"):
        if aggregateid == str(product.pk):
            return document
    return None
