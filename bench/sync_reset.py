"""Each measure of the sync benchmark starts from the same empty state, so its third run
measures what its first did: no outbox events, deliveries, cursors, version counters or
products in PostgreSQL, an empty products container in cosmosdb-server, a new empty
products index in tantivy, no relay flags in the cache and no message in the queue.

Only the benchmark's own database, queue, Cosmos database and data folder are touched
(bench/sync_env.py makes them); call ``start_afresh()`` while no worker runs.
"""
from django.core.management.color import no_style
from django.db import connection

from apps.catalog.models import Product
from apps.stores import stores
from apps.sync.models import AggregateVersion, Delivery, OutboxEvent, ProjectionCursor
from apps.sync.projectors import registry
from apps.sync.relay_flags import forget_flags

# TRUNCATE ... CASCADE also empties the tables that point at products (pictures, say), and
# gives the storage back, which a DELETE would leave to vacuum; RESTART IDENTITY makes every
# run's ids and sequences the same.
EMPTIED = (OutboxEvent, Delivery, ProjectionCursor, AggregateVersion, Product)


def start_afresh():
    """Empty everything a measure writes; returns what each store holds afterwards (all 0)."""
    from polyglot_site.celery import app

    app.control.purge()  # a stopped worker's unacknowledged messages (later looks, retries)
    forget_flags(registry.names())
    empty_tables()
    empty_documents()
    empty_index()
    return holdings()


def empty_tables():
    statements = connection.ops.sql_flush(
        no_style(), [model._meta.db_table for model in EMPTIED], reset_sequences=True, allow_cascade=True
    )
    connection.ops.execute_sql_flush(statements)


def empty_documents():
    """A new products container: cosmosdb-server reads every document of a container to find
    one, which real Cosmos DB does not, so leftovers would slow the stand-in, not the relay."""
    documents = stores["documents"]
    documents.delete_container(Product.document_container)
    documents.ensure_container(Product.document_container)


def empty_index():
    """A new, empty generation of the products index (the old folder is removed), rather than
    deleted documents in the old one."""
    stores["search"].rebuild(Product.search_index_name, [])


def holdings():
    return {
        "outbox_events": OutboxEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
        "cursors": ProjectionCursor.objects.count(),
        "products": Product.objects.count(),
        "documents": stores["documents"].count(Product.document_container),
        "indexed": stores["search"].count(Product.search_index_name),
    }
