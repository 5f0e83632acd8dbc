"""Document store latency against the strongest direct baseline, on SQLite and on Cosmos DB.

    python -m bench documents [--quick] [--documents 10000] [--runs 3] [--no-cosmos]

What is timed, per backend, on the same ``--documents`` products in 100
categories (the partition key): point reads, upserts and patches (increment a
counter, stamp a field) of random products, and six queries: *selective* (one
colour under a low price in one category, about 1 match; one colour in a
2-unit price window across categories, about 3), *empty* (a colour no product
has, in one category and across all) and *ordered* (the 10 dearest of a
category; the 10 cheapest of a colour across categories). Each operation runs
through the store's public contract and through the baseline, in blocks of the
same arguments, the engine going first rotating from block to block, after a
warm-up; each run opens fresh connections and first times the *cold* first call
of each operation. ``--runs`` repeats it all (at least 3): per operation the
JSON gives p50/p95/p99 pooled over the runs for store and baseline side by
side, the contract's overhead (store / baseline) and the spread over the runs of
the p50s and of the overhead. Before timing, store and baseline must return
the same documents for the same queries, or the bench stops.

The baselines, and why each is the strongest a skilled user would write:

- **SQLite:** sqlite3 alone on a table of the products only, keyed by
  ``(category, id)`` ``WITHOUT ROWID`` (a point read is one B-tree descent,
  not an index then the table), the JSON body, and generated columns on the
  price and colour with an index for each query shape ((category, colour,
  price), (category, price), (colour, price)), so a selective, empty or
  ordered query reads only its matching index entries; a patch is one
  ``UPDATE ... SET body = json_set(...) RETURNING body``; WAL with
  synchronous=NORMAL as the store uses. Indexes are what a skilled user adds
  first, and the generated columns keep them in step with the JSON; the
  baseline pays their upkeep on every write. It reads one row past the page,
  as the store does to know whether another page exists. The store's container
  declares indexes on the same two fields (``indexes=("price",
  "attributes__colour")``), as a site container declares what it filters on;
  its indexes are one field each, as the contract offers.
- **Cosmos DB:** the azure-cosmos SDK called directly on the same container
  with a client of its own: ``read_item`` with the partition key (the
  cheapest read Cosmos DB has), ``upsert_item``, ``patch_item`` (server-side
  patch, one request), and parameterized ``query_items`` with the partition
  key as scope when there is one and ``max_item_count`` of the page, the first
  page read with ``by_page``. No layer remains between it and the service.

Equal counts: both backends hold ``--documents`` products. cosmosdb-server
(the local stand-in, in memory) answers a query by scanning every document of
the container, single-partition or not, so 10,000 keeps its queries near
0.1 s; its figures say nothing of Cosmos DB's indexed queries, only of the
overhead of the contract over the SDK. Cold means a fresh connection (SQLite)
or client (Cosmos) in this process, its first call of each operation; the
operating system's file cache stays warm. ``--quick`` runs 3 short runs on
2,000 products in well under a minute.
"""
import argparse
import random
import time
import uuid

from django.conf import settings

from apps.stores.documents import declare_container
from apps.stores.documents.sqlite import SQLiteDocumentStore
from bench import harness
from bench.documents_sqlite import SQLiteBaseline
from bench.documents_workload import PARTITION_KEY, ContractEngine, product, run_workload

# The fields the queries filter on, declared as a site container declares them.
PRODUCTS = declare_container("bench-products", PARTITION_KEY, indexes=("price", "attributes__colour"))
GOAL_P99_MS = 1.0
GOAL_POINT_READ_OVERHEAD = 2.0
QUICK = {
    "documents": 2_000, "samples": 1_000, "query_samples": 60,
    "cosmos_samples": 100, "cosmos_query_samples": 10,
}


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench documents", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 short runs on 2,000 products")
    parser.add_argument("--documents", type=int, default=10_000, help="products in each backend")
    parser.add_argument("--partitions", type=int, default=100, help="partitions (categories) to spread over")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs, each with fresh connections")
    parser.add_argument("--samples", type=int, default=5_000, help="timed point operations per run, SQLite")
    parser.add_argument("--query-samples", type=int, default=300, help="timed queries per kind and run")
    parser.add_argument("--cosmos-samples", type=int, default=500, help="timed point operations per run")
    parser.add_argument("--cosmos-query-samples", type=int, default=25, help="timed queries per kind and run")
    parser.add_argument("--block", type=int, default=50, help="calls per block before the other engine goes")
    parser.add_argument("--warm-up", type=int, default=100, help="untimed calls of each operation per engine")
    parser.add_argument("--cosmos-port", type=int, default=8081)
    parser.add_argument("--no-cosmos", action="store_true", help="measure the SQLite backend only")
    parser.add_argument("--seed", type=int, default=20_240_601)
    options = parser.parse_args(args)
    if options.quick:
        for name, value in QUICK.items():
            if getattr(options, name) == parser.get_default(name):
                setattr(options, name, value)
    if options.runs < 3:
        parser.error("--runs must be at least 3: the spread over runs is part of the result")
    for name in ("documents", "partitions", "samples", "query_samples", "cosmos_samples",
                 "cosmos_query_samples", "block"):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return options


def progress(message):
    harness.progress("documents", message)


def measure_sqlite(options):
    directory = settings.DATA_DIR
    name = uuid.uuid4().hex[:8]
    store_path = directory / f"bench-documents-{name}.sqlite3"
    baseline_path = directory / f"bench-documents-{name}-baseline.sqlite3"
    documents = [product(n, options.partitions) for n in range(options.documents)]
    try:
        progress(f"sqlite: loading {options.documents:,} documents into the store and the baseline")
        started = time.perf_counter()
        loader = SQLiteDocumentStore(alias="bench-sqlite", path=str(store_path))
        loader.ensure_container(PRODUCTS)  # as `manage.py stores` does: the declared indexes
        for start in range(0, len(documents), 5_000):
            loader.bulk_upsert(PRODUCTS, documents[start:start + 5_000])
        loader.close()
        store_load = time.perf_counter() - started
        started = time.perf_counter()
        baseline = SQLiteBaseline(str(baseline_path), options.partitions)
        baseline.create(documents)
        # Not kept alive while timing: 10,000 dicts more would lengthen every full garbage collection.
        del documents
        baseline.close()
        baseline_load = time.perf_counter() - started

        def engines():
            store = ContractEngine(
                SQLiteDocumentStore(alias="bench-sqlite", path=str(store_path)), PRODUCTS, options.partitions
            )
            direct = SQLiteBaseline(str(baseline_path), options.partitions)
            return {"store": store, "baseline": direct}, lambda: (store.close(), direct.close())

        figures = run_workload(
            engines, options.documents, options.partitions, options, options.samples,
            options.query_samples, options.seed, lambda line: progress(f"sqlite: {line}"),
        )
        return {
            "documents": options.documents,
            "partitions": options.partitions,
            "load_seconds": {"store": round(store_load, 2), "baseline": round(baseline_load, 2)},
            "cold_means": "a new connection each run: the first call of each operation (the first opens it)",
            "file_mb": {"store": size_mb(store_path), "baseline": size_mb(baseline_path)},
            **figures,
        }
    finally:
        for path in (store_path, baseline_path):
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)


def size_mb(path):
    return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20, 1)


def measure_cosmos(options):
    from apps.stores.documents.cosmos import CosmosDocumentStore
    from bench.documents_cosmos import CosmosBaseline
    from bench.harness import port_open
    from polyglot_site.settings.services import COSMOS_EMULATOR_KEY

    import urllib3

    if not port_open(options.cosmos_port):
        port = options.cosmos_port
        return {"skipped": f"nothing answers on 127.0.0.1:{port} (see scripts/cosmosdb-server.js)"}
    # cosmosdb-server's certificate is self-signed, and this talks to 127.0.0.1 only.
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    endpoint = f"https://127.0.0.1:{options.cosmos_port}"
    database = f"bench-{uuid.uuid4().hex[:12]}"

    def new_store():
        return CosmosDocumentStore(
            alias="bench-cosmos", endpoint=endpoint, key=COSMOS_EMULATOR_KEY, database=database,
            verify_tls=False,
        )

    loader = new_store()
    try:
        progress(f"cosmos: loading {options.documents:,} documents (one batch of up to 100 per partition)")
        started = time.perf_counter()
        loader.ensure_container(PRODUCTS)
        for category in range(options.partitions):
            numbers = range(category, options.documents, options.partitions)
            for start in range(0, len(numbers), 100):
                batch = [("create", product(n, options.partitions)) for n in numbers[start:start + 100]]
                loader.execute_batch(PRODUCTS, f"c{category:03d}", batch)
        load_seconds = time.perf_counter() - started

        def engines():
            store = ContractEngine(new_store(), PRODUCTS, options.partitions)
            direct = CosmosBaseline(
                endpoint, COSMOS_EMULATOR_KEY, database, PRODUCTS.name, options.partitions
            )
            return {"store": store, "baseline": direct}, lambda: (store.close(), direct.close())

        figures = run_workload(
            engines, options.documents, options.partitions, options, options.cosmos_samples,
            options.cosmos_query_samples, options.seed, lambda line: progress(f"cosmos: {line}"),
        )
        return {
            "documents": options.documents,
            "partitions": options.partitions,
            "load_seconds": round(load_seconds, 2),
            "server": "cosmosdb-server (scripts/cosmosdb-server.js), in memory, on this machine",
            "cold_means": "a new client each run: the first call of each operation (the first builds it)",
            **figures,
        }
    finally:
        try:
            loader.client.delete_database(database)
        finally:
            loader.close()


def headline(backend):
    """Per operation: store and baseline p50, and the overhead with its spread over runs."""
    return {
        operation: {
            "store_p50_ms": figures["store"]["p50_ms"],
            "baseline_p50_ms": figures["baseline"]["p50_ms"],
            "overhead_p50": figures["overhead_p50"],
            "overhead_p50_spread": [figures["spread"]["overhead_p50"][k] for k in ("min", "median", "max")],
        }
        for operation, figures in backend["warm"].items()
    }


def run(args):
    options = parse_arguments(args)
    settings_used = {name: getattr(options, name) for name in (
        "quick", "documents", "partitions", "runs", "samples", "query_samples", "cosmos_samples",
        "cosmos_query_samples", "block", "warm_up", "seed")}
    result = {"benchmark": "documents", "settings": settings_used, "backends": {}}
    sqlite = result["backends"]["sqlite"] = measure_sqlite(options)
    point_read = sqlite["warm"]["point_read"]
    result["goals"] = {
        "sqlite_point_read_p99_ms_under": GOAL_P99_MS,
        "sqlite_point_read_overhead_p50_under": GOAL_POINT_READ_OVERHEAD,
    }
    result["goals_met"] = {
        "sqlite_point_read_p99": point_read["store"]["p99_ms"] < GOAL_P99_MS,
        "sqlite_point_read_overhead_p50": point_read["overhead_p50"] < GOAL_POINT_READ_OVERHEAD,
    }
    if not options.no_cosmos:
        result["backends"]["cosmos"] = measure_cosmos(options)
    result["headline"] = {
        name: headline(backend) for name, backend in result["backends"].items() if "warm" in backend
    }
    return result
