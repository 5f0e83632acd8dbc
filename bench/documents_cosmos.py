"""The documents bench's Cosmos DB baseline: the same work with the azure-cosmos SDK called
directly, as a skilled Cosmos DB user would (bench/documents.py says why it is the strongest)."""
from functools import cached_property

from azure.cosmos import CosmosClient

from bench.documents_workload import SOLD_AT, doc_id, partition, product

PATCH = [
    {"op": "incr", "path": "/stock/count", "value": -1},
    {"op": "set", "path": "/sold_at", "value": SOLD_AT},
]
FILTERS = (
    ("category", "c.category = @category"),
    ("colour", "c.attributes.colour = @colour"),
    ("price_min", "c.price >= @price_min"),
    ("price_below", "c.price < @price_below"),
)
ORDERS = {None: "", "price": " ORDER BY c.price", "-price": " ORDER BY c.price DESC"}


class CosmosBaseline:
    """One CosmosClient of its own, on the container the store filled: point reads and patches
    by id and partition key, parameterized queries scoped to one partition when there is one."""

    def __init__(self, endpoint, key, database, container, partitions):
        self.endpoint, self.key, self.database, self.name = endpoint, key, database, container
        self.partitions = partitions

    @cached_property
    def client(self):
        """Built on first use, as the store builds its own, so a cold first call pays for it alike."""
        return CosmosClient(self.endpoint, credential=self.key, connection_verify=False)

    @cached_property
    def container(self):
        # Proxies only: no request of their own.
        return self.client.get_database_client(self.database).get_container_client(self.name)

    def point_read(self, number):
        return self.container.read_item(doc_id(number), partition_key=partition(number, self.partitions))

    def upsert(self, number):
        return self.container.upsert_item(product(number, self.partitions, revision=1))

    def patch(self, number):
        return self.container.patch_item(doc_id(number), partition(number, self.partitions), PATCH)

    def query(self, spec):
        values = {"category": spec.partition, "colour": spec.colour,
                  "price_min": spec.price_min, "price_below": spec.price_below}
        clauses = [clause for name, clause in FILTERS if values[name] is not None]
        parameters = [{"name": f"@{name}", "value": v} for name, v in values.items() if v is not None]
        sql = "SELECT * FROM c" + (" WHERE " + " AND ".join(clauses) if clauses else "") + ORDERS[spec.order]
        # The partition key in the WHERE (cosmosdb-server reads it only there) and as the
        # request's scope (Cosmos DB then asks one partition only).
        if spec.partition:
            scope = {"partition_key": spec.partition}
        else:
            scope = {"enable_cross_partition_query": True}
        token = None
        while True:
            pages = self.container.query_items(
                sql, parameters=parameters, max_item_count=spec.limit, **scope
            ).by_page(token)
            items = list(next(pages, []))
            token = pages.continuation_token
            if items or not token:
                return items

    def close(self):
        if "client" in self.__dict__:
            self.client.close()
