"""Stock per product: its home is the document store (container ``stock``), changed under
the store's conditions so that no unit is ever sold twice.

    Stock.objects.get(product=lamp).quantity
    outcome = reserve(lamp, 2)      # a ChangeOutcome: applied, or refused with the reason
    release(lamp, 2)                # give back what a failed checkout reserved
    set_quantity(lamp, 40)          # a stock count from the warehouse

reserve() is one conditional patch (``quantity >= n``, then take n) through
apps.sync.changes.record_conditional_change, so concurrent reservations take
turns and the quantity never goes below zero; every change reaches the outbox
and the search index's "in stock" facet.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apps.stores import stores
from apps.stores.exceptions import NotFound
from apps.sync.changes import ChangeOutcome, record_change, record_conditional_change, record_creation

CONTAINER = "stock"
AGGREGATE = "catalog.stock"
HOME = "catalog.stock.document"
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class Stock:
    product_id: str
    quantity: int
    version: int = 0

    class DoesNotExist(Exception):
        pass

    @property
    def in_stock(self):
        return self.quantity > 0

    @classmethod
    def from_document(cls, document):
        return cls(product_id=document["product"], quantity=document["quantity"],
                   version=document.get("version", 0))


def _product_id(product):
    return str(product.pk if hasattr(product, "pk") else product)


def _check_quantity(quantity, *, allow_zero):
    lowest = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not lowest <= quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": [f"Give a whole number from {lowest} to {MAX_QUANTITY:,}."]})
    return quantity


class StockManager:
    def get(self, *, product):
        """The product's stock; Stock.DoesNotExist if none was ever counted."""
        product_id = _product_id(product)
        document = _stock_document(product_id)
        if document is None:
            raise Stock.DoesNotExist(f"No stock is kept for product {product_id}.")
        return Stock.from_document(document)

    def get_or_none(self, *, product):
        try:
            return self.get(product=product)
        except Stock.DoesNotExist:
            return None


Stock.objects = StockManager()


class StockChanged(Exception):
    """The stock changed (a reservation, another operator) since the count was opened."""


def set_quantity(product, quantity, *, expected_version=None):
    """Set the product's stock to a counted ``quantity`` (0 to MAX_QUANTITY); returns the Stock.

    With ``expected_version`` (the version the operator saw; 0 for no stock yet)
    the count is written only if the stock is still at that version, else
    StockChanged: a reservation made meanwhile is never overwritten unseen.
    """
    quantity = _check_quantity(quantity, allow_zero=True)
    product_id = _product_id(product)
    payload = {"product": product_id, "quantity": quantity}
    if expected_version is None:
        event = record_change(aggregatetype=AGGREGATE, aggregateid=product_id, type="saved", payload=payload,
                              home=HOME)
        return Stock(product_id=product_id, quantity=quantity, version=event.version)
    if expected_version == 0:
        outcome = record_creation(aggregatetype=AGGREGATE, aggregateid=product_id, payload=payload, home=HOME)
    else:
        outcome = record_conditional_change(
            aggregatetype=AGGREGATE, aggregateid=product_id, partition_key=product_id,
            operations=[("set", "quantity", quantity)], condition={"version": expected_version}, home=HOME,
        )
    if not outcome.applied:
        raise StockChanged("The stock changed after you opened it (an order, or another operator). "
                           "Nothing was saved: look at the new count and try again.")
    return Stock.from_document(outcome.document)


def hold_field(hold):
    """The stock document's field that records a hold (``held_by_order_12``): what makes
    reserving and releasing for one order safe to repeat."""
    if not isinstance(hold, str) or not hold.replace("_", "").isalnum() or len(hold) > 60:
        raise ValueError(f"A hold is named by letters, digits and _ (got {hold!r}).")
    return f"held_by_{hold}"


def reserve(product, quantity, *, hold=None):
    """Take ``quantity`` units if that many are left; a ChangeOutcome, refused (nothing taken) if not.

    With ``hold`` (``order_12``), the units are recorded as held for it in the same
    conditional write, and reserving again for the same hold takes nothing more:
    a checkout step repeated after a crash never takes the stock twice.
    """
    quantity = _check_quantity(quantity, allow_zero=False)
    product_id = _product_id(product)
    operations = [("increment", "quantity", -quantity)]
    condition = {"quantity__gte": quantity}
    if hold is not None:
        operations.append(("set", hold_field(hold), quantity))
        condition[f"{hold_field(hold)}__exists"] = False
    outcome = record_conditional_change(
        aggregatetype=AGGREGATE, aggregateid=product_id, partition_key=product_id,
        operations=operations, condition=condition, home=HOME,
    )
    if outcome.applied:
        return outcome
    left = _stock_document(product_id)
    if left is None:
        return ChangeOutcome(applied=False, reason="This product keeps no stock.")
    if hold is not None and hold_field(hold) in left:
        return ChangeOutcome(applied=True, document=left)  # reserved for this hold already
    return ChangeOutcome(applied=False, reason=f"Only {left['quantity']} left in stock.")


def release(product, quantity, *, hold=None):
    """Give back ``quantity`` reserved units; a ChangeOutcome, refused if the product keeps no stock.

    With ``hold``, what was held for it is given back once: releasing a hold that
    is gone (released already, or never taken) changes nothing and is not refused.
    """
    quantity = _check_quantity(quantity, allow_zero=False)
    product_id = _product_id(product)
    operations = [("increment", "quantity", quantity)]
    condition = {"quantity__lte": MAX_QUANTITY - quantity}
    if hold is not None:
        operations.append(("remove", hold_field(hold)))
        condition[f"{hold_field(hold)}__exists"] = True
    outcome = record_conditional_change(
        aggregatetype=AGGREGATE, aggregateid=product_id, partition_key=product_id,
        operations=operations, condition=condition, home=HOME,
    )
    if outcome.applied or hold is None:
        return outcome
    left = _stock_document(product_id)
    if left is not None and hold_field(hold) not in left:
        return ChangeOutcome(applied=True, document=left)  # nothing held for it: nothing to give back
    return outcome


def _stock_document(product_id):
    try:
        return stores["documents"].get(CONTAINER, product_id, product_id)
    except NotFound:
        return None
