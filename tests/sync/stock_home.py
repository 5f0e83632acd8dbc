"""A toy record whose home is the document store (stock per item), for the tests of
conditional changes, in the test process and in the processes it starts."""
from apps.stores.documents import declare_container
from apps.sync.changes import record_conditional_change
from apps.sync.homes import DocumentHome
from apps.sync.projectors import DocumentHomeProjector, registry

CONTAINER, AGGREGATE, HOME = "test-stock", "test.stock", "test.stock.home"


class StockHome(DocumentHomeProjector):
    name = HOME
    aggregatetype = AGGREGATE
    container = CONTAINER
    home = DocumentHome(CONTAINER)


def install():
    declare_container(CONTAINER, "/sku")
    return registry.register(StockHome())


def reserve(sku, quantity):
    return record_conditional_change(
        aggregatetype=AGGREGATE, aggregateid=sku, partition_key=sku,
        operations=[("increment", "available", -quantity)], condition={"available__gte": quantity}, home=HOME,
    )
