"""Document store latency: point read, upsert, patch and a filtered single-partition query.

    python -m bench documents [--documents 100000] [--cosmos-documents 10000] [--no-cosmos]

The embedded SQLite backend is measured on ``--documents`` product documents
in 100 partitions. The Cosmos backend is measured against cosmosdb-server
when it answers on 127.0.0.1:8081 (``--cosmos-port``), in a database of its
own that is deleted afterwards, on ``--cosmos-documents``: the stand-in
keeps documents in memory and answers a query by scanning every document of
the container, so 100,000 would make each query take about a second. The
JSON says how many documents each backend held.

Each figure times the public store call (validation and the metrics signal
included), one call at a time on one thread, after a warm-up.
"""
import argparse
import os
import platform
import random
import socket
import sys
import time
import uuid

from django.conf import settings

from apps.stores.documents import declare_container
from apps.stores.documents.sqlite import SQLiteDocumentStore
from apps.stores.query import Q
from bench.stats import percentile

PRODUCTS = declare_container("bench-products", "/category")
COLOURS = ("red", "green", "blue", "black", "white")
# A filter that needs the JSON of every document of the partition: a price
# range, and an element of the tags array.
QUERY = Q(price__lte=50) & Q(tags__contains="sale")
GOAL_P99_MS = 1.0


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench documents", description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100_000, help="documents in the SQLite store")
    parser.add_argument("--cosmos-documents", type=int, default=10_000, help="documents in cosmosdb-server")
    parser.add_argument("--partitions", type=int, default=100, help="partitions (categories) to spread over")
    parser.add_argument("--samples", type=int, default=2_000, help="timed calls of each point operation")
    parser.add_argument("--query-samples", type=int, default=500, help="timed queries on SQLite")
    parser.add_argument("--cosmos-query-samples", type=int, default=100, help="timed queries on Cosmos")
    parser.add_argument("--cosmos-port", type=int, default=8081)
    parser.add_argument("--no-cosmos", action="store_true", help="measure the SQLite backend only")
    parser.add_argument("--seed", type=int, default=20_240_601)
    options = parser.parse_args(args)
    counts = ("documents", "cosmos_documents", "partitions", "samples", "query_samples")
    for name in (*counts, "cosmos_query_samples"):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return options


def progress(message):
    print(f"[bench documents {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def product(number, partitions, revision=0):
    return {
        "id": f"p{number:07d}",
        "category": f"c{number % partitions:03d}",
        "name": f"Product {number}",
        "price": round(5 + (number * 37 % 1000) / 10 + revision, 2),
        "stock": {"count": number % 50},
        "tags": [("sale", "new", "bulk", "eco")[number % 4]] + (["sale"] if number % 7 == 0 else []),
        "attributes": {"colour": COLOURS[number % len(COLOURS)], "weight_g": 100 + number % 900},
        "revision": revision,
    }


def timed_calls(call, arguments, warm_up):
    """Latency figures of ``call(argument)`` over ``arguments``, after ``warm_up`` untimed calls."""
    for argument in arguments[:warm_up]:
        call(argument)
    nanoseconds = []
    for argument in arguments:
        started = time.perf_counter_ns()
        call(argument)
        nanoseconds.append(time.perf_counter_ns() - started)
    nanoseconds.sort()
    return {
        "calls": len(nanoseconds),
        "p50_ms": round(percentile(nanoseconds, 0.50) / 1e6, 4),
        "p99_ms": round(percentile(nanoseconds, 0.99) / 1e6, 4),
        "mean_ms": round(sum(nanoseconds) / len(nanoseconds) / 1e6, 4),
        "max_ms": round(nanoseconds[-1] / 1e6, 4),
    }


def load_in_bulk(store, documents, partitions):
    chunk = 5_000
    for start in range(0, documents, chunk):
        end = min(start + chunk, documents)
        store.bulk_upsert(PRODUCTS, [product(n, partitions) for n in range(start, end)])
        progress(f"  {end:,} / {documents:,}")


def load_in_batches(store, documents, partitions):
    """One transactional batch of up to 100 creates per partition: far fewer round trips than one by one."""
    for category in range(partitions):
        numbers = range(category, documents, partitions)
        for start in range(0, len(numbers), 100):
            batch = [("create", product(n, partitions)) for n in numbers[start:start + 100]]
            store.execute_batch(PRODUCTS, f"c{category:03d}", batch)
        if (category + 1) % 10 == 0:
            progress(f"  {category + 1} / {partitions} partitions")


def measure(store, documents, options, rng, load, query_samples):
    """Load ``documents`` products into ``store`` and time each operation on them."""
    progress(f"{store.alias}: loading {documents:,} documents")
    started = time.perf_counter()
    store.ensure_container(PRODUCTS)
    load(store, documents, options.partitions)
    load_seconds = time.perf_counter() - started
    partitions = options.partitions
    numbers = [rng.randrange(documents) for _ in range(options.samples)]
    warm_up = min(200, options.samples)

    progress(f"{store.alias}: point reads")
    read = timed_calls(lambda n: store.get(PRODUCTS, f"p{n:07d}", f"c{n % partitions:03d}"), numbers, warm_up)
    progress(f"{store.alias}: upserts")
    upsert = timed_calls(
        lambda n: store.upsert(PRODUCTS, product(n, partitions, revision=1)), numbers, warm_up
    )
    progress(f"{store.alias}: patches")
    patch_operations = [("increment", "stock__count", -1), ("set", "attributes__colour", "teal")]
    patch = timed_calls(
        lambda n: store.patch(PRODUCTS, f"p{n:07d}", f"c{n % partitions:03d}", patch_operations),
        numbers,
        warm_up,
    )
    progress(f"{store.alias}: filtered single-partition queries")
    categories = [f"c{rng.randrange(partitions):03d}" for _ in range(query_samples)]
    matches = []

    def run_query(category):
        matches.append(len(store.query(PRODUCTS, QUERY, partition_key=category, limit=20)))

    query = timed_calls(run_query, categories, min(20, query_samples))
    query["filter"] = "price <= 50 and 'sale' in tags, one partition, first page of 20"
    query["documents_per_partition"] = documents // partitions
    query["mean_matches"] = round(sum(matches) / len(matches), 1)
    return {
        "documents": documents,
        "partitions": partitions,
        "load_seconds": round(load_seconds, 2),
        "point_read": read,
        "upsert": upsert,
        "patch": patch,
        "query": query,
    }


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def measure_sqlite(options, rng):
    path = settings.DATA_DIR / f"bench-documents-{uuid.uuid4().hex[:8]}.sqlite3"
    store = SQLiteDocumentStore(alias="bench-sqlite", path=str(path))
    try:
        figures = measure(store, options.documents, options, rng, load_in_bulk, options.query_samples)
        figures["file_mb"] = round(path.stat().st_size / 2**20, 1)
        return figures
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def measure_cosmos(options, rng):
    if not answers(options.cosmos_port):
        port = options.cosmos_port
        return {"skipped": f"nothing answers on 127.0.0.1:{port} (start scripts/cosmosdb-server.js)"}
    from apps.stores.documents.cosmos import CosmosDocumentStore
    from polyglot_site.settings.services import COSMOS_EMULATOR_KEY

    import urllib3

    # cosmosdb-server's certificate is self-signed, and this talks to 127.0.0.1 only.
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    store = CosmosDocumentStore(
        alias="bench-cosmos",
        endpoint=f"https://127.0.0.1:{options.cosmos_port}",
        key=COSMOS_EMULATOR_KEY,
        database=f"bench-{uuid.uuid4().hex[:12]}",
        verify_tls=False,
    )
    try:
        figures = measure(
            store, options.cosmos_documents, options, rng, load_in_batches, options.cosmos_query_samples
        )
        figures["server"] = "cosmosdb-server (scripts/cosmosdb-server.js), in memory, on this machine"
        if options.cosmos_documents < options.documents:
            figures["note"] = (
                f"{options.cosmos_documents:,} documents, not {options.documents:,}: cosmosdb-server answers "
                "a query by scanning every document of the container, so its query time grows with the "
                "container, unlike Cosmos DB's indexed queries."
            )
        return figures
    finally:
        try:
            store.client.delete_database(store.options["database"])
        finally:
            store.close()


def run(args):
    options = parse_arguments(args)
    rng = random.Random(options.seed)
    result = {
        "benchmark": "documents",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "goal": f"embedded point read p99 under {GOAL_P99_MS} ms",
        "backends": {"sqlite": measure_sqlite(options, rng)},
    }
    result["goal_met"] = result["backends"]["sqlite"]["point_read"]["p99_ms"] < GOAL_P99_MS
    if not options.no_cosmos:
        result["backends"]["cosmos"] = measure_cosmos(options, rng)
    return result
