"""Search: indexing throughput and text + filter + facets latency, tantivy against SQLite FTS5.

    python -m bench search [--products 100000] [--queries 1000] [--seed N]

Both engines get the same generated products (name, description, sku,
category, status, price, with Zipf-distributed words and categories, as a
shop's are) and answer the same queries: one or two words taken from a
random product, a category, a price range, the first page of 20 hits by
relevance, the total, and facet counts by category and by status over
everything matched.

- tantivy through the store contract: TantivySearchBackend.rebuild() to
  index (built aside, swapped in) and .search() to query, so checks, the
  reader's reload, the generation pointer and the metrics signal are timed;
  ``update`` times index_documents() in batches of 500, as the projector writes.
- FTS5 as a developer would write it over SQLite: an external-content FTS5
  table (unicode61, diacritics removed) over a products table with an index
  on (category, price); a query is one statement for the page and the total
  (bm25 with the same boosts, a window count) and one for both facets
  (GROUP BY over the matched rows).

``totals_agree`` counts the queries for which both engines found the same
number of products, so the figures compare the same work; tantivy alone
tries again allowing one typo when the exact words find nothing, which is
where the two may differ (and those slower queries are in its figures).
"""
import argparse
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from apps.catalog.models import Product
from apps.stores.query import Q
from bench.stats import percentile
from apps.stores.search import definition_for_model
from apps.stores.search.tantivy import TantivySearchBackend

DEFINITION = replace(definition_for_model(Product), name="bench-products")
FACETS = ("category", "status")
STATUSES = ("active",) * 8 + ("draft", "archived")
PAGE_SIZE = 20
UPDATE_BATCH = 500
GOAL_P99_MS = 5.0
GOAL_SPEEDUP = 5.0
BOOSTS = {field.name: field.boost for field in DEFINITION.searchable}

ADJECTIVES = (
    "red blue green black white golden silver vintage modern classic compact deluxe portable wireless "
    "organic handmade rustic elegant sturdy lightweight premium mini giant smart quiet bright soft warm "
    "cool folding electric manual waterproof"
).split()
MATERIALS = "oak walnut bamboo steel brass copper leather linen wool cotton ceramic glass stone marble".split()
NOUNS = (
    "chair table lamp shelf desk sofa mug bowl plate kettle teapot blanket pillow rug mirror clock vase "
    "basket backpack wallet belt scarf jacket boots sneakers watch headphones speaker keyboard mouse "
    "monitor charger cable notebook pen pencil cookbook novel atlas puzzle kite ball racket bicycle "
    "helmet tent lantern knife pan pot grill"
).split()
SYLLABLES = "ka lo mi ne ra su te vi do pa re si to zu be ga hi jo ku ma".split()


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench search", description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000, help="products indexed by each engine")
    parser.add_argument("--queries", type=int, default=1_000, help="timed queries per engine")
    parser.add_argument("--warmup", type=int, default=100, help="untimed queries first")
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20_240_601)
    options = parser.parse_args(args)
    for name in ("products", "queries", "categories"):
        if getattr(options, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return options


def progress(message):
    print(f"[bench search {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def zipf_weights(count, exponent=1.1):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def generate_products(count, categories, rng):
    vocabulary = list(dict.fromkeys(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)
    ))
    word_weights = zipf_weights(len(vocabulary))
    category_names = [f"category-{n:02d}" for n in range(categories)]
    category_weights = zipf_weights(categories, 0.8)
    products = []
    for number in range(count):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}".capitalize()
        words = rng.choices(vocabulary, word_weights, k=rng.randint(12, 30))
        products.append({
            "id": str(number + 1),
            "name": name,
            "description": f"{name}. " + " ".join(words),
            "sku": f"SKU-{number + 1:07d}",
            "category": rng.choices(category_names, category_weights)[0],
            "status": rng.choice(STATUSES),
            "price": round(min(999.0, rng.lognormvariate(3.5, 1.0)) + 1, 2),
            "version": 1,
        })
    return products, category_names


def generate_queries(products, category_names, count, rng):
    """Words from a random product, its category most of the time, a price range around its price."""
    queries = []
    for _ in range(count):
        product = rng.choice(products)
        words = product["name"].lower().split()
        text = " ".join(rng.sample(words, rng.choice((1, 1, 2))))
        category = product["category"] if rng.random() < 0.8 else rng.choice(category_names)
        low = round(product["price"] * rng.uniform(0.3, 1.0), 2)
        high = round(product["price"] * rng.uniform(1.0, 3.0), 2)
        queries.append((text, category, low, high))
    return queries


def timed(function, warmup, queries):
    for query in warmup:
        function(*query)
    seconds, totals = [], []
    for query in queries:
        started = time.perf_counter()
        totals.append(function(*query))
        seconds.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    figures = {
        "queries": len(seconds),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 3),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 3),
        "mean_ms": round(sum(seconds) / len(seconds) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_hits": round(sum(totals) / len(totals), 1),
    }
    return figures, totals


# -- tantivy ----------------------------------------------------------------------------
def measure_tantivy(folder, products, warmup, queries):
    backend = TantivySearchBackend(alias="bench-tantivy", path=str(folder))
    try:
        started = time.perf_counter()
        backend.rebuild(DEFINITION, iter(products), batch_size=10_000)
        build_seconds = time.perf_counter() - started
        progress(f"tantivy: {len(products)} products indexed in {build_seconds:.2f} s")

        def query(text, category, low, high):
            where = Q(category=category, price__gte=low, price__lte=high)
            return backend.search(DEFINITION, text, where=where, facets=FACETS, page_size=PAGE_SIZE).total

        figures, totals = timed(query, warmup, queries)
        progress(f"tantivy: queries p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
        updates = products[:10 * UPDATE_BATCH]
        started = time.perf_counter()
        for start in range(0, len(updates), UPDATE_BATCH):
            backend.index_documents(DEFINITION, updates[start : start + UPDATE_BATCH])
        update_seconds = time.perf_counter() - started
        return {
            "index_seconds": round(build_seconds, 2),
            "index_docs_per_s": round(len(products) / build_seconds),
            "update_docs_per_s": round(len(updates) / update_seconds),
            "update_batch": UPDATE_BATCH,
            "query": figures,
        }, totals
    finally:
        backend.close()


# -- SQLite FTS5 ----------------------------------------------------------------------------
FTS5_SCHEMA = """
CREATE TABLE products (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT, description TEXT, sku TEXT,
    category TEXT, status TEXT, price REAL
);
CREATE INDEX products_category_price ON products (category, price);
CREATE VIRTUAL TABLE products_fts USING fts5(
    name, description, sku, content='products', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
"""
MATCHED = """
    SELECT p.id, p.category, p.status, bm25(products_fts, {name}, {description}, {sku}) AS score
    FROM products_fts JOIN products AS p ON p.rowid = products_fts.rowid
    WHERE products_fts MATCH :match AND p.category = :category AND p.price BETWEEN :low AND :high
""".format(**BOOSTS)
PAGE_SQL = f"""
    WITH matched AS ({MATCHED})
    SELECT id, score, COUNT(*) OVER () AS total FROM matched ORDER BY score LIMIT {PAGE_SIZE}
"""
FACETS_SQL = f"""
    WITH matched AS MATERIALIZED ({MATCHED})
    SELECT 'category', category, COUNT(*) FROM matched GROUP BY category
    UNION ALL
    SELECT 'status', status, COUNT(*) FROM matched GROUP BY status
"""


def fts5_match(text):
    """Every word must match, each a quoted string, so no word is FTS5 syntax."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def measure_fts5(folder, products, warmup, queries):
    path = folder / "fts5.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(FTS5_SCHEMA)
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO products (rowid, id, name, description, sku, category, status, price) "
            "VALUES (:id, :id, :name, :description, :sku, :category, :status, :price)",
            products,
        )
        connection.execute("INSERT INTO products_fts (products_fts) VALUES ('rebuild')")
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        build_seconds = time.perf_counter() - started
        progress(f"fts5: {len(products)} products indexed in {build_seconds:.2f} s")

        def query(text, category, low, high):
            parameters = {"match": fts5_match(text), "category": category, "low": low, "high": high}
            page = connection.execute(PAGE_SQL, parameters).fetchall()
            facets = {}
            for facet, value, count in connection.execute(FACETS_SQL, parameters):
                facets.setdefault(facet, []).append((value, count))
            return page[0][2] if page else 0

        figures, totals = timed(query, warmup, queries)
        progress(f"fts5: queries p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
        return {
            "index_seconds": round(build_seconds, 2),
            "index_docs_per_s": round(len(products) / build_seconds),
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "query": figures,
        }, totals
    finally:
        connection.close()


def run(args):
    options = parse_arguments(args)
    rng = random.Random(options.seed)
    progress(f"generating {options.products} products")
    products, category_names = generate_products(options.products, options.categories, rng)
    queries = generate_queries(products, category_names, options.queries, rng)
    warmup = generate_queries(products, category_names, options.warmup, rng)
    folder = tempfile.mkdtemp(prefix="bench-search-")
    try:
        tantivy_figures, tantivy_totals = measure_tantivy(Path(folder) / "tantivy", products, warmup, queries)
        fts5_figures, fts5_totals = measure_fts5(Path(folder), products, warmup, queries)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    speedup = fts5_figures["query"]["p99_ms"] / tantivy_figures["query"]["p99_ms"]
    agree = sum(a == b for a, b in zip(tantivy_totals, fts5_totals))
    return {
        "benchmark": "search",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "products": options.products,
        "query": "1-2 words + category + price range: first page of 20 by relevance, total, "
        "facets by category and status",
        "totals_agree": f"{agree}/{len(tantivy_totals)}",
        "goal": f"tantivy p99 under {GOAL_P99_MS} ms and at least {GOAL_SPEEDUP}x faster than FTS5 at p99",
        "goal_met": tantivy_figures["query"]["p99_ms"] < GOAL_P99_MS and speedup >= GOAL_SPEEDUP,
        "p99_speedup_over_fts5": round(speedup, 1),
        "engines": {"tantivy": tantivy_figures, "sqlite_fts5": fts5_figures},
    }
