"""The documents bench's SQLite baseline: the same work written with sqlite3 alone, as a skilled
SQLite user would (bench/documents.py says why it is the strongest)."""
import json
import sqlite3
from functools import cached_property

from bench.documents_workload import SOLD_AT, doc_id, partition, product

BASELINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    category TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    price REAL GENERATED ALWAYS AS (json_extract(body, '$.price')) VIRTUAL,
    colour TEXT GENERATED ALWAYS AS (json_extract(body, '$.attributes.colour')) VIRTUAL,
    PRIMARY KEY (category, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS products_by_category_colour_price ON products (category, colour, price);
CREATE INDEX IF NOT EXISTS products_by_category_price ON products (category, price);
CREATE INDEX IF NOT EXISTS products_by_colour_price ON products (colour, price);
"""
UPSERT = (
    "INSERT INTO products (category, id, body) VALUES (?, ?, ?) "
    "ON CONFLICT (category, id) DO UPDATE SET body = excluded.body"
)
# The patch in one statement: JSON1 changes the body in place and hands it back.
PATCH = (
    "UPDATE products SET body = json_set(body, '$.stock.count', json_extract(body, '$.stock.count') - 1, "
    "'$.sold_at', ?) WHERE category = ? AND id = ? RETURNING body"
)
# The store's order after the sort key, so both return the same page.
ORDERS = {None: "id, category", "price": "price, id, category", "-price": "price DESC, id, category"}


class SQLiteBaseline:
    """Products in one table of their own: a JSON body, the key as columns, and generated
    columns with indexes for each field the queries filter or sort on."""

    def __init__(self, path, partitions):
        self.path, self.partitions = path, partitions

    @cached_property
    def db(self):
        """Opened on first use, as the store opens its own, so a cold first call pays for it alike."""
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def create(self, documents):
        self.db.executescript(BASELINE_SCHEMA)
        rows = [(d["category"], d["id"], json.dumps(d)) for d in documents]
        self.db.execute("BEGIN")
        self.db.executemany(UPSERT, rows)
        self.db.execute("COMMIT")
        self.db.execute("ANALYZE")

    def point_read(self, number):
        row = self.db.execute(
            "SELECT body FROM products WHERE category = ? AND id = ?",
            (partition(number, self.partitions), doc_id(number)),
        ).fetchone()
        return json.loads(row[0])

    def upsert(self, number):
        document = product(number, self.partitions, revision=1)
        self.db.execute(UPSERT, (document["category"], document["id"], json.dumps(document)))
        return document

    def patch(self, number):
        row = self.db.execute(PATCH, (SOLD_AT, partition(number, self.partitions), doc_id(number))).fetchone()
        return json.loads(row[0])

    def query(self, spec):
        clauses, params = [], []
        for column, operator, value in (
            ("category", "=", spec.partition),
            ("colour", "=", spec.colour),
            ("price", ">=", spec.price_min),
            ("price", "<", spec.price_below),
        ):
            if value is not None:
                clauses.append(f"{column} {operator} ?")
                params.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        # One row more than the page, as the store reads, to know whether another page exists.
        sql = f"SELECT body FROM products{where} ORDER BY {ORDERS[spec.order]} LIMIT ?"
        rows = self.db.execute(sql, (*params, spec.limit + 1)).fetchall()
        return [json.loads(body) for body, in rows[: spec.limit]]

    def close(self):
        if "db" in self.__dict__:
            self.__dict__.pop("db").close()
