"""The three ways the search bench answers a SearchCase; each returns the total it found.

- ContractSearch: TantivySearchBackend.search(), what the site calls.
- TantivyFloor: the same work written directly against tantivy's Python API
  over the same index folder: one searcher kept open, the query built with
  the Query API, the page with its count, the facets by aggregation, the
  stored documents read and decoded. Nothing a store adds (checks, reader
  reload, metrics signal, result objects): the floor the contract can reach.
- Fts5Search: SQLite FTS5 as a skilled SQLite user writes it (see bench.search).
"""
import json
import re
import sqlite3

import tantivy

from apps.stores.query import Q
from bench.search_data import STATUSES
from apps.stores.search.tantivy.schema import SOURCE, WORDS, WORDS_TOKENIZER

MAX_WORDS = 64
FUZZY_MIN_LENGTH = 4
FACET_TERMS = 100_000
decode_json = json.JSONDecoder().raw_decode  # the quickest way from the stored bytes to a dict


class ContractSearch:
    def __init__(self, backend, definition):
        self.backend, self.definition = backend, definition

    def __call__(self, case):
        where = {}
        if case.active_only:
            where["status"] = "active"
        if case.category is not None:
            where["category"] = case.category
        if case.price_range is not None:
            where["price__gte"], where["price__lte"] = case.price_range
        results = self.backend.search(
            self.definition, case.text, where=Q(**where) if where else None, facets=case.facets,
            order_by=(case.sort,) if case.sort else (), page=case.page, page_size=case.page_size,
        )
        return results.total


class TantivyFloor:
    def __init__(self, folder, definition):
        self.index = tantivy.Index.open(str(folder))
        self.index.register_tokenizer(WORDS_TOKENIZER, WORDS)
        self.searcher = self.index.searcher()
        self.schema = self.index.schema
        self.text_fields = [(f"{field.name}#text", field.boost) for field in definition.searchable]
        self.active = tantivy.Query.term_query(self.schema, "status", "active")

    def _text(self, words, fuzzy):
        schema, clauses = self.schema, []
        for word in words:
            options = []
            for name, boost in self.text_fields:
                options.append((tantivy.Occur.Should, tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, name, word), boost)))
                if fuzzy and len(word) >= FUZZY_MIN_LENGTH:
                    options.append((tantivy.Occur.Should, tantivy.Query.boost_query(
                        tantivy.Query.fuzzy_term_query(schema, name, word, distance=1), boost * 0.5)))
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(options)))
        return clauses

    def _run(self, case, clauses):
        searcher = self.searcher
        query = tantivy.Query.boolean_query(clauses)
        sort = {}
        if case.sort:
            descending = case.sort.startswith("-")
            sort = {"order_by_field": "price", "order": tantivy.Order.Desc if descending else tantivy.Order.Asc}
        result = searcher.search(query, case.page_size, count=True, offset=(case.page - 1) * case.page_size, **sort)
        documents = [decode_json(searcher.doc(address).get_first(SOURCE).decode())[0] for _, address in result.hits]
        if case.facets:
            terms = {"size": FACET_TERMS, "segment_size": FACET_TERMS}
            searcher.aggregate(query, {name: {"terms": {"field": name, **terms}} for name in case.facets})
        return result.count, documents

    def __call__(self, case):
        words = list(dict.fromkeys(WORDS.analyze(case.text)[:MAX_WORDS]))
        filters = []
        if case.active_only:
            filters.append((tantivy.Occur.Must, self.active))
        if case.category is not None:
            filters.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "category", case.category)))
        if case.price_range is not None:
            low, high = case.price_range
            filters.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "price", tantivy.FieldType.Float, low, high)))
        if filters:
            filters = [(tantivy.Occur.Must, tantivy.Query.const_score_query(tantivy.Query.boolean_query(filters), 0.0))]
        total, _ = self._run(case, self._text(words, False) + filters)
        if not total and any(len(word) >= FUZZY_MIN_LENGTH for word in words):
            total, _ = self._run(case, self._text(words, True) + filters)
        return total


# -- SQLite FTS5 ---------------------------------------------------------------------------
FTS5_SCHEMA = """
CREATE VIRTUAL TABLE products USING fts5(
    id UNINDEXED, name, description, sku, category, status, price UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""
# One weight per column, in order: the contract's boosts; id, category, status and price do not rank.
FTS5_RANK = "bm25(0, {name}, {description}, {sku}, 0, 0, 0)"
SEARCHED_COLUMNS = "{name description sku}"
OTHER_STATUSES = sorted(set(STATUSES) - {"active"})


def fts5_token(value):
    """A category or status as one FTS5 token (unicode61 would split 'category-07' in two)."""
    return re.sub(r"[^0-9A-Za-z]", "", value).lower()


def fts5_statement(price_range, facets, sort):
    """Page, total and facets in one statement: the matches are materialized once and read thrice."""
    if sort:
        key, direction = "price", "DESC" if sort.startswith("-") else "ASC"
    else:
        key, direction = "rank", "ASC"  # bm25 is lower for better matches
    price = "AND price BETWEEN :low AND :high" if price_range else ""
    grouped = "".join(
        f"\n        UNION ALL SELECT {kind}, NULL, NULL, NULL, {facet}, NULL, NULL, COUNT(*) FROM matched GROUP BY {facet}"
        for kind, facet in enumerate(facets, start=2)
    )
    columns = ", category, status" if facets else ""
    return f"""
        WITH matched AS MATERIALIZED (
            SELECT rowid, {key} AS sort_key{columns} FROM products WHERE products MATCH :match {price}
        ),
        page AS (SELECT rowid, sort_key FROM matched ORDER BY sort_key {direction}, rowid LIMIT :limit OFFSET :offset)
        SELECT 0, p.sort_key, p.rowid, d.id, d.name, d.description, d.price, NULL
        FROM page AS p JOIN products AS d ON d.rowid = p.rowid
        UNION ALL SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*) FROM matched{grouped}
    """


class Fts5Search:
    def __init__(self, path, definition):
        self.path = path
        self.boosts = {field.name: field.boost for field in definition.searchable}
        self.connection = None
        self.statements = {}
        self.categories = {}

    def build(self, products):
        connection = self.connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA cache_size = -262144")  # 256 MiB: the whole index stays in memory
        connection.execute("PRAGMA mmap_size = 1073741824")
        connection.execute("PRAGMA temp_store = MEMORY")
        connection.executescript(FTS5_SCHEMA)
        connection.execute("INSERT INTO products (products, rank) VALUES ('rank', ?)",
                           (FTS5_RANK.format(**self.boosts),))
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO products (rowid, id, name, description, sku, category, status, price) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((int(p["id"]), p["id"], p["name"], p["description"], p["sku"], fts5_token(p["category"]),
              fts5_token(p["status"]), p["price"]) for p in products),
        )
        connection.execute("COMMIT")
        connection.execute("INSERT INTO products (products) VALUES ('optimize')")
        self.categories = {fts5_token(p["category"]): p["category"] for p in products}

    def close(self):
        if self.connection is not None:
            self.connection.close()

    def match(self, case):
        """Each word quoted (never FTS5 syntax), all of them in the searched columns, the filters as tokens."""
        words = " ".join('"' + word.replace('"', '""') + '"' for word in case.text.split()[:MAX_WORDS])
        expression = f"{SEARCHED_COLUMNS} : ({words})"
        if case.category is not None:
            expression += f' AND category : "{fts5_token(case.category)}"'
        if case.active_only:
            # Four products in five are active: excluding the two rarer statuses reads far shorter
            # posting lists than intersecting with "active" (Product.Status is a closed set).
            expression += "".join(f' NOT status : "{status}"' for status in OTHER_STATUSES)
        return expression

    def __call__(self, case):
        shape = (case.price_range is not None, case.facets, case.sort)
        statement = self.statements.get(shape)
        if statement is None:
            statement = self.statements[shape] = fts5_statement(*shape)
        parameters = {"match": self.match(case), "limit": case.page_size, "offset": (case.page - 1) * case.page_size}
        if case.price_range is not None:
            parameters["low"], parameters["high"] = case.price_range
        hits, total, facets = [], 0, {}
        for kind, sort_key, rowid, id, name, description, price, count in self.connection.execute(statement, parameters):
            if kind == 0:
                hits.append((sort_key, rowid, {"id": id, "name": name, "description": description, "price": price}))
            elif kind == 1:
                total = count
            else:
                facet = case.facets[kind - 2]
                value = self.categories.get(name, name) if facet == "category" else name
                facets.setdefault(facet, []).append((value, count))
        sign = -1 if case.sort and case.sort.startswith("-") else 1
        hits.sort(key=lambda hit: (sign * hit[0], hit[1]))
        return total
